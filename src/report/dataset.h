/* What a report reads, whatever the input was (the store, our CSV, a
 * CodeCarbon emissions.csv): an experiment -> arms -> runs -> metrics (each
 * with its unit and method) and, per run, sampled time series. The loaders
 * fill it; the analysis turns it into results; the formatters print both. */
#ifndef HMLCOST_REPORT_DATASET_H
#define HMLCOST_REPORT_DATASET_H

#include <stdbool.h>
#include <stddef.h>

#include "common/name_limits.h"
#include "common/error.h"

typedef struct report_metric {
    char name[48];    /* docs/contracts.md: "wall_s", "energy_kwh", ... */
    double value;
    char unit[16];    /* "s", "B", "J", "kWh", "g", "1", "1/s" */
    char method[128]; /* "measured", "rapl", "nvml", "estimate:<model>", "derived",
                         "workload", "codecarbon", ... */
} report_metric;

/* One sampled quantity of a run over time. */
typedef struct report_series {
    char name[32]; /* "rss_bytes", "gpu_mem_bytes", "cpu_cores" (CPU-seconds per second),
                      "energy_j" (J since the run began, by the run's energy method) */
    char unit[16];
    size_t n;
    double *t_s; /* seconds since the run started, ascending */
    double *v;
} report_series;

/* Facts about the machine and place of a run, as CodeCarbon's columns give
 * them. Unknown: "" or NaN / -1. */
typedef struct report_host {
    char hostname[128];   /* the node the run ran on; "" when the input does not say */
    char cpu_model[192];
    char gpu_model[192];
    int cpu_count;        /* logical CPUs */
    int gpu_count;
    double ram_total_gb;  /* GiB, as CodeCarbon's ram_total_size */
    char country_name[64];
    char country_iso_code[8];
    double pue;
} report_host;

typedef struct report_run {
    char id[64];          /* the store's run id or the CSV's run_id */
    long order;           /* place in the experiment's schedule, 0-based; -1: unknown */
    char status[16];      /* "ok", "failed", "crashed", "timeout", "error" */
    char reason[256];     /* why it is not ok; "" */
    char started_at[40];  /* ISO 8601, or "" */
    report_host host;
    report_metric *metrics;
    size_t n_metrics;
    report_series *series;
    size_t n_series;
} report_run;

typedef struct report_arm {
    char name[ARM_NAME_MAX + 1];
    char smell[ARM_NAME_MAX + 1]; /* smell id (or the arm's name); "" for a baseline */
    bool is_baseline;
    char baseline[ARM_NAME_MAX + 1]; /* the arm it is compared with (as named by the input); "" */
    int baseline_index;   /* index of that arm, -1 for baselines (report_dataset_pair) */
    report_run *runs;     /* in the order the input lists them */
    size_t n_runs;
} report_arm;

typedef struct report_dataset {
    char experiment_id[64];
    char name[EXPERIMENT_NAME_MAX + 1]; /* experiment label / CodeCarbon project_name */
    char created_at[40];
    char source[512];     /* where it came from, e.g. "store hmlcost.db, experiment 3" */
    long warmup_runs;     /* discarded warm-up runs before the stored ones; 0: none or unknown (CSV) */
    char min_cost[160];   /* the plan's smallest cost of interest (stats_min_cost_parse's
                             text); "": the plan sets none (a CSV, an older store) */
    report_arm *arms;
    size_t n_arms;
} report_dataset;

void report_dataset_free(report_dataset *d);

/* Appends an empty arm / run / metric / series (zeroed, order -1, NaN pue);
 * NULL when memory runs out. Pointers into the arrays move on each append. */
report_arm *report_dataset_add_arm(report_dataset *d, const char *name);
report_run *report_arm_add_run(report_arm *arm);
/* Sets (or replaces) the run's metric called name. */
hml_status report_run_set_metric(report_run *run, const char *name, double value,
                                 const char *unit, const char *method, hml_err *err);
/* Adds a series with n points, copying t_s and v. */
hml_status report_run_add_series(report_run *run, const char *name, const char *unit,
                                 const double *t_s, const double *v, size_t n, hml_err *err);

/* The rate of a cumulative series (energy_j in J -> power in W): for each
 * pair of consecutive points with t[i] > t[i-1], (v[i] - v[i-1]) / (t[i] -
 * t[i-1]) at t[i]; a pair with a non-positive time step is skipped. *t and
 * *v (the caller frees them) hold *n <= s->n - 1 points. */
hml_status report_series_rate(const report_series *s, double **t, double **v, size_t *n,
                              hml_err *err);

report_arm *report_dataset_find_arm(report_dataset *d, const char *name);
const report_metric *report_run_metric(const report_run *run, const char *name);
/* The run's value of metric name when it has a finite one, else otherwise. */
double report_run_metric_or(const report_run *run, const char *name, double otherwise);
const report_series *report_run_series(const report_run *run, const char *name);
bool report_run_ok(const report_run *run);
/* How the run's energy was obtained: the distinct methods of its components
 * (CPU, DRAM, RAM, GPU) joined by "+", e.g. "rapl+estimate:ram-0.375W-per-GiB";
 * without components, the total's method; "" without energy figures. */
void report_run_energy_method(const report_run *run, char *buf, size_t size);

/* Keeps only the runs that ran on the node called hostname (a campaign
 * spread over several nodes, read one node at a time). Fails (HML_EUSAGE,
 * naming the nodes present) when no run ran there. */
hml_status report_dataset_keep_node(report_dataset *d, const char *hostname, hml_err *err);

/* Pairs each non-baseline arm with its baseline (baseline_index):
 * 1. the arm its `baseline` field names (error if there is no such arm);
 * 2. else the arm called "baseline-<name>" (per-smell baselines);
 * 3. else the nearest baseline arm before it in the list (per-smell baselines
 *    are listed right before their smell arm), else the first baseline arm.
 * An arm that another arm names as its baseline becomes a baseline itself.
 * Fails (HML_EUSAGE) when there is no baseline arm or no arm to compare. */
hml_status report_dataset_pair(report_dataset *d, hml_err *err);

#endif
