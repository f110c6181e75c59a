/* Fitness to measure: what the machine was doing around a run, read before
 * and after it (small /proc and /sys files, no waiting), stored as metrics
 * of the run so that a report can tell which runs were measured on a busy or
 * swapping machine. Paths are prefixed by meter_host_root() (a fake tree in
 * tests).
 *
 *   fitness_read(root, &before) -> the run -> fitness_read_after(root, &before, &after)
 *   -> fitness_add_metrics(&before, &after, run CPU-s, wall-s, &metrics)
 *
 * Metrics (unit, method):
 *   fitness_load1_before, fitness_load1_after   1-minute load average
 *                                               ("1", proc:loadavg)
 *   fitness_cpus        CPUs the run may use ("1", proc:self-status)
 *   fitness_other_cpu   CPUs' worth of time that others took on those CPUs
 *                       during the run: their busy time (and the
 *                       hypervisor's steal) from proc:stat, minus the run's
 *                       own CPU time, over the wall time ("1", proc:stat)
 *   fitness_swap_pages  pages swapped in and out during the run
 *                       ("1", proc:vmstat)
 *   fitness_cpu_mhz_before, _after  mean scaling_cur_freq of those CPUs
 *                       ("MHz", sysfs:cpufreq), when readable
 *   fitness_throttle_events  thermal throttling events during the run
 *                       ("1", sysfs:thermal_throttle), when readable
 * A reading that failed leaves its metric out (a VM has no cpufreq). */
#ifndef HMLCOST_METER_FITNESS_H
#define HMLCOST_METER_FITNESS_H

#include <stdbool.h>

#include "meter/metric.h"

/* CPUs read for frequency and throttling: enough to see a trend, cheap on a
 * machine with hundreds. */
#define FITNESS_MAX_SYSFS_CPUS 64
#define FITNESS_MAX_CPUS 4096

typedef struct fitness_snapshot {
    bool have_load, have_stat, have_swap, have_freq, have_throttle;
    double load1;
    int cpus;             /* CPUs the run may use (counted in busy_s) */
    double busy_s;        /* user+nice+system+irq+softirq+steal of those CPUs, seconds */
    double swap_pages;    /* pswpin + pswpout */
    double freq_mhz;      /* mean over up to FITNESS_MAX_SYSFS_CPUS of those CPUs */
    double throttle_events; /* core + package throttle counts, summed */
} fitness_snapshot;

/* root: NULL for meter_host_root(). Never fails: what cannot be read stays
 * have_* = false. */
void fitness_read(const char *root, fitness_snapshot *s);

/* The same after the run, without looking again for the sysfs files
 * (frequency, throttling) that were not there before it: their drivers do
 * not come during a run. */
void fitness_read_after(const char *root, const fitness_snapshot *before, fitness_snapshot *after);

/* Adds the metrics above to out; -1 when memory runs out. */
int fitness_add_metrics(const fitness_snapshot *before, const fitness_snapshot *after,
                        double run_cpu_s, double wall_s, meter_metrics *out);

/* The machine was busy during a run when the CPUs it may use were near full
 * (the run's own use + others' >= FITNESS_FULL of them) and others took a
 * real part of it (>= FITNESS_OTHERS of them): then the run competed for
 * CPU time, caches and memory bandwidth. (The 1-minute load average is
 * recorded too, but cannot decide: it still holds the run before.) */
#define FITNESS_FULL 0.9
#define FITNESS_OTHERS 0.1
bool fitness_busy(double own_cpu, double other_cpu, double cpus);

#endif
