/* RAPL energy counters through the powercap sysfs: every domain directory
 * "intel-rapl:*" under the root (default /sys/class/powercap, overridden by
 * $HMLCOST_POWERCAP_ROOT so tests can use a fake tree) with files name,
 * energy_uj and max_energy_range_uj. Intel and AMD (Zen, Linux >= 5.8) both
 * use these names; the "intel-rapl-mmio:*" copies of a package are skipped.
 * Older kernels expose AMD's counters only through the amd_energy hwmon
 * driver (meter_rapl_open_amd_energy).
 *
 * Each distinct counter is summed once:
 *   - a directory reached twice (symlinks) is one domain;
 *   - a multi-die package shows one domain per die ("package-0-die-1"); on
 *     AMD (Threadripper, EPYC) each die mirrors the socket's one counter.
 *     Die domains of one package whose counters read within
 *     RAPL_MIRROR_TOLERANCE_UJ of each other when opened are that one
 *     counter (RAPL_MIRROR, not summed); distinct dies have accumulated
 *     different energies since boot.
 *
 * Counters only grow and wrap to 0 after max_energy_range_uj; each poll adds
 * (now - last), or (range - last + now) after a wrap, so polling at least
 * once per wrap period (minutes to hours) gives exact energy. */
#ifndef HMLCOST_METER_RAPL_H
#define HMLCOST_METER_RAPL_H

#include <stdbool.h>
#include <stddef.h>

#define METER_POWERCAP_ROOT_ENV "HMLCOST_POWERCAP_ROOT"

typedef enum rapl_kind {
    RAPL_PACKAGE, /* "package-N": the CPU socket, summed into energy_cpu_j */
    RAPL_DRAM,    /* "dram": summed into energy_dram_j */
    RAPL_PART,    /* "core", "uncore": parts of a package, not summed again */
    RAPL_PLATFORM, /* "psys": the whole platform, overlaps the others, not summed */
    RAPL_MIRROR    /* a die domain repeating another die's counter, not summed */
} rapl_kind;

/* Two reads of one counter a few microseconds apart differ by far less than
 * this (1 J: 300 W for 3 ms); two counters since boot by far more. */
#define RAPL_MIRROR_TOLERANCE_UJ 1e6

typedef struct rapl_domain {
    char dir[512];      /* e.g. /sys/class/powercap/intel-rapl:0 */
    char id[64];        /* "intel-rapl:0"; for amd_energy "hwmon2/energy17" */
    char name[64];      /* the name file: "package-0", "dram", ...; amd_energy: the label */
    char counter[32];   /* the counter's file in dir: "energy_uj", "energy17_input" */
    rapl_kind kind;
    double range_uj;    /* max_energy_range_uj */
    double last_uj;     /* counter at the last poll */
    double total_uj;    /* energy accumulated since meter_rapl_start */
    unsigned wraps;     /* wrap-arounds seen */
} rapl_domain;

typedef struct meter_rapl {
    rapl_domain *domains;
    size_t count;
    size_t mirrors; /* die domains found to repeat another's counter */
    const char *source; /* "powercap" or "amd_energy" */
} meter_rapl;

/* Finds and reads the domains under root (NULL: $HMLCOST_POWERCAP_ROOT or
 * /sys/class/powercap). Returns false, with why filled, when there is no
 * readable package domain; r is then empty. */
bool meter_rapl_open(meter_rapl *r, const char *root, char *why, size_t why_size);

/* The amd_energy hwmon driver: the hwmon directory under root (NULL:
 * $HMLCOST_HWMON_ROOT or /sys/class/hwmon) whose name is "amd_energy";
 * energyN_input (uJ, accumulated to 64 bits by the driver) labelled
 * "EsocketK" are packages, "EcoreK" parts. Same contract as meter_rapl_open. */
#define METER_HWMON_ROOT_ENV "HMLCOST_HWMON_ROOT"
bool meter_rapl_open_amd_energy(meter_rapl *r, const char *root, char *why, size_t why_size);

/* Sets every domain's start value (a new window). */
void meter_rapl_start(meter_rapl *r);

/* Reads every counter and accumulates, handling a wrap-around. */
void meter_rapl_poll(meter_rapl *r);

/* Joules since meter_rapl_start: packages summed, DRAM summed (-1: none). */
void meter_rapl_totals(const meter_rapl *r, double *package_j, double *dram_j);

void meter_rapl_close(meter_rapl *r);

#endif
