/* One measured figure and one point of a run's time series: the shapes that
 * cross from the meter to the runner, the store and the report.
 * Metric names, units and method strings are pinned in docs/contracts.md. */
#ifndef HMLCOST_METER_METRIC_H
#define HMLCOST_METER_METRIC_H

#include <stddef.h>

/* Fixed-size text so that metric arrays need no per-row allocation. */
typedef struct meter_metric {
    char name[48];    /* e.g. "wall_s", "energy_cpu_j" */
    double value;
    char unit[16];    /* e.g. "s", "B", "J", "kWh", "g", "1" */
    char method[128]; /* "measured", "rapl", "nvml", "estimate:<model+constants>",
                         "derived", "workload" */
} meter_metric;

/* One sample of the process tree, taken every --interval. */
typedef struct meter_sample {
    double t_s;           /* seconds since the child was spawned */
    double rss_bytes;     /* summed resident set size of the live tree */
    double cpu_s;         /* user+system CPU seconds of the tree so far (live + reaped) */
    int processes;        /* live processes in the tree */
    double gpu_mem_bytes; /* GPU memory of the tree's processes (NVML); < 0: not known */
    double energy_j;      /* energy since the window began, by the same method and components
                             as the run's energy_total_j; NaN: not known (stored as NULL) */
} meter_sample;

/* A growable list of metrics; meter_metrics_set replaces a metric of the same
 * name, so a list never holds a name twice. */
typedef struct meter_metrics {
    meter_metric *items;
    size_t count, capacity;
} meter_metrics;

/* Returns 0, or -1 when memory runs out. */
int meter_metrics_set(meter_metrics *list, const char *name, double value, const char *unit,
                      const char *method);
/* The metric called name, or NULL. */
const meter_metric *meter_metrics_find(const meter_metrics *list, const char *name);
void meter_metrics_free(meter_metrics *list);

#endif
