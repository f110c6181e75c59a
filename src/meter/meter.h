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

/* How CPU time and memory are accounted (every figure says which). */
typedef enum meter_accounting {
    METER_ACCOUNTING_AUTO,      /* a cgroup when permitted (v2 with memory, else v1, else v2), else procfs */
    METER_ACCOUNTING_CGROUP_V2,
    METER_ACCOUNTING_CGROUP_V1,
    METER_ACCOUNTING_PROCFS,    /* /proc samples and the kernel's usage of reaped processes */
} meter_accounting;

/* "auto", "cgroup-v2", "cgroup-v1", "procfs": 0, or -1 for anything else. */
int meter_accounting_parse(const char *text, meter_accounting *out);

typedef struct meter_options {
    meter_accounting accounting;
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

/* Puts the run in a cgroup of its own named after run_name, as
 * opts->accounting asks (AUTO: when the machine permits); otherwise, or when
 * a cgroup cannot be made, the run is accounted from /proc and the notes say
 * why. Call it after meter_begin, before spawning. */
void meter_account_run(meter *m, const char *run_name);

/* The files the child writes "0" to, between fork and exec, to join the
 * run's cgroup (count 0 when there is none); closed by meter_watch. */
const int *meter_join_fds(const meter *m, size_t *count);

/* The run's cgroup v2 directory, for a child created in it (spawn's
 * into_cgroup_fd), or -1 (no cgroup, or v1). */
int meter_cgroup_dir_fd(const meter *m);

/* The child could not join the run's cgroup (why): the run is accounted
 * from /proc instead, and the notes say why. */
void meter_forgo_cgroup(meter *m, const char *why);

/* The run's cgroup directories, '\n'-separated ("" when none): what a later
 * hmlcost needs to end a crashed run's processes. */
void meter_describe_cgroup(const meter *m, char *buf, size_t size);

/* The tree to watch: root is our child and leads its own process group.
 * parent_rss_bytes: hmlcost's own resident memory just before the fork,
 * which the kernel may charge to root's max RSS (the pages a fork copies). */
void meter_watch(meter *m, pid_t root, double parent_rss_bytes);

/* After the root is gone: SIGKILLs every process of the run still there
 * (the whole cgroup, or the tree's group and the processes found in /proc
 * by their parents, orphans re-parented to us included). Returns how many
 * were found; *escaped counts those that had left the process group. */
int meter_kill_tree(meter *m, int *escaped);

/* The run's processes still present (zombies included until reaped). */
int meter_tree_count(meter *m);

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
 * its CPU time and those of the descendants it waited for, and its max RSS.
 * is_root: the process we forked (its max RSS may hold our own memory). */
void meter_add_reaped(meter *m, const struct rusage *usage, bool is_root);

/* CPU time that a helper inside the run (capture) spent on its own work and
 * reported: taken off the run's CPU figures, and said in the notes. */
void meter_subtract_helper_cpu(meter *m, double user_s, double sys_s, const char *helper);

/* Ends the window: reads the counters once more and fills result (which the
 * caller frees with meter_result_free). wall_s: spawn to reap. */
hml_status meter_end(meter *m, double wall_s, meter_result *result, hml_err *err);

void meter_free(meter *m);
void meter_result_free(meter_result *result);

#endif
