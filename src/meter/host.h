/* Facts about the machine a run happened on (stored once per distinct
 * host), taken from the one host module (common/host.h), with the GPUs
 * read through the meter's NVML loader. */
#ifndef HMLCOST_METER_HOST_H
#define HMLCOST_METER_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/host.h"

typedef struct meter_host {
    char hostname[128];
    char cpu_model[192];
    int cores;           /* physical cores */
    int threads;         /* logical CPUs */
    double mem_bytes;    /* installed memory */
    char gpu_model[192]; /* "" when none was found (NVML absent or no device) */
    char kernel[256];    /* uname: sysname release machine */
    char hmlcost_version[32];
} meter_host;

/* The GPU fields of a real host through NVML (a host_gpu_reader): the
 * binary runs without a driver, and then there are no GPUs. */
void meter_host_read_gpus(host_info *host);

/* host_read with meter_host_read_gpus: the host facts doctor and meter use. */
hml_status meter_host_facts(host_info *host, hml_err *err);

/* The facts stored with runs (host_read, hostname, uname). A bad
 * $HMLCOST_HOST_FILE is the only error; a fact that cannot be read stays
 * empty or 0. */
hml_status meter_host_read(meter_host *host, hml_err *err);

/* The prefix of every /proc and /sys path the meter reads at each run:
 * $HMLCOST_HOST_ROOT (a fake tree for tests), or "" for the real ones. */
#define METER_HOST_ROOT_ENV "HMLCOST_HOST_ROOT"
const char *meter_host_root(void);

/* The CPU facts the power model needs, read cheaply enough for every run
 * (small /proc and /sys files, no hwloc): the "model name" of
 * root/proc/cpuinfo ("" when absent), the logical CPUs of cpu0's package
 * (topology/package_cpus_list, else core_siblings_list) and those this
 * process may run on (Cpus_allowed_list of root/proc/self/status). A count
 * that cannot be read is the online CPUs (sysconf). */
typedef struct meter_cpu_facts {
    char model[192];
    int package_cpus;
    int allowed_cpus;
} meter_cpu_facts;

/* allowed_cpus: that last count when the caller has read it already
 * (meter_allowed_cpus_read), else 0. */
void meter_cpu_facts_read(const char *root, int allowed_cpus, meter_cpu_facts *facts);

/* CPUs in a kernel CPU list ("0-3,8,10-11" -> 7); 0 when malformed. */
int meter_cpu_list_count(const char *list);

/* The same list as a set: set[i] for every CPU i < size in it. Returns the
 * count (as meter_cpu_list_count, CPUs >= size included), 0 when malformed. */
int meter_cpu_list_parse(const char *list, bool *set, size_t size);

/* The CPUs this process may run on (Cpus_allowed_list of root/proc/self/
 * status) as a set of size entries; the count, 0 when unreadable. */
int meter_allowed_cpus_read(const char *root, bool *set, size_t size);

/* A stable text key for deduplicating hosts in the store (all facts joined). */
void meter_host_fingerprint(const meter_host *host, char *out, size_t size);

#endif
