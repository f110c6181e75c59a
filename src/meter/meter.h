/* The meter: begins a window when a process tree is spawned, samples it every
 * interval, and ends the window when the tree is gone, turning what it saw
 * into metrics (docs/contracts.md) that each carry their method.
 *
 *   meter_begin() -> spawn -> meter_watch(root pid)
 *     -> { meter_take_sample() every interval_s; meter_add_reaped(rusage) for every
 *          process of the tree that is reaped }
 *     -> meter_end(wall) -> meter_result
 *
 * Energy: RAPL counters (powercap sysfs) and NVML's total-energy counter when
 * they can be read; otherwise a labelled estimate. The result's notes say why
 * a counter was not used: there is no silent fallback. */
#ifndef HMLCOST_METER_METER_H
#define HMLCOST_METER_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "common/error.h"
#include "meter/metric.h"

/* World average grid intensity, g CO2 per kWh: IEA 2019, CodeCarbon's default. */
#define METER_WORLD_G_PER_KWH 475.0
#define METER_DEFAULT_INTERVAL_S 0.1

typedef struct meter_options {
    double interval_s;     /* sampling period; default 0.1 s */
    double cpu_tdp_w;      /* > 0: the CPU power model's package TDP (power_model.h); 0: the
                              CPU model's from the table, else 4 W per logical CPU */
    double pue;            /* power usage effectiveness, default 1.0 */
    double grid_g_per_kwh; /* grid carbon intensity, default METER_WORLD_G_PER_KWH */
    char grid_source[160]; /* where grid_g_per_kwh came from, printed and stored */
    bool use_rapl;         /* default true; false: never read powercap */
    bool use_nvml;         /* default true; false: never load NVML */
} meter_options;

void meter_options_default(meter_options *opts);
/* A grid intensity the user gave (option or plan file); its source reads
 * "given: <g> g/kWh" (stored as "source:given: ..."). */
void meter_options_set_grid_intensity(meter_options *opts, double g_per_kwh);

typedef struct meter_result {
    meter_metrics metrics;
    meter_sample *samples;
    size_t sample_count;
    char notes[1024]; /* "; "-separated: why a counter was not used, etc. */
} meter_result;

typedef struct meter meter;

/* Starts a window: finds the energy counters (RAPL, NVML) and reads their
 * start values. Call it just before spawning. */
hml_status meter_begin(meter **out, const meter_options *opts, hml_err *err);

/* The tree to watch: root is our child and leads its own process group. */
void meter_watch(meter *m, pid_t root);

/* Takes one sample of the tree (and reads the counters, so that a wrap-around
 * between two reads is seen). t_s: seconds since spawn. The sample's energy_j
 * is the energy so far by the components meter_end sums into energy_total_j
 * (NaN when a counter cannot be read now). */
void meter_take_sample(meter *m, double t_s);

/* Reads the energy counters only (no sample). The caller does this at least
 * every METER_COUNTER_POLL_S, whatever the interval, so that no counter
 * wraps twice unseen (a RAPL package counter wraps every few minutes at
 * high power). */
#define METER_COUNTER_POLL_S 10.0
void meter_poll_counters(meter *m);

/* Adds the resource usage of a process of the tree that was reaped (wait4):
 * its CPU time and those of the descendants it waited for, and its max RSS. */
void meter_add_reaped(meter *m, const struct rusage *usage);

/* Ends the window: reads the counters once more and fills result (which the
 * caller frees with meter_result_free). wall_s: spawn to reap. */
hml_status meter_end(meter *m, double wall_s, meter_result *result, hml_err *err);

void meter_free(meter *m);
void meter_result_free(meter_result *result);

#endif
