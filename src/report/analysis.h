/* The middle layer: turns a dataset into the results a report prints
 * (per-arm figures, smell-vs-baseline comparisons, Holm-corrected tests,
 * warnings, a verdict per smell). All statistics come from src/stats/; the
 * formatters only print what this holds. */
#ifndef HMLCOST_REPORT_ANALYSIS_H
#define HMLCOST_REPORT_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "report/dataset.h"
#include "report/metric_info.h"
#include "stats/bootstrap.h"
#include "stats/cliff.h"
#include "stats/cost_margin.h"
#include "stats/describe.h"
#include "stats/mann_whitney.h"
#include "stats/min_cost.h"
#include "stats/van_elteren.h"
#include "stats/verdict.h"
#include "stats/welch.h"

typedef struct report_options {
    double alpha;          /* family-wise level of the cost tests and TOST level (0.05) */
    double level;          /* confidence level of intervals (0.95) */
    double acc_margin;     /* TOST margin for accuracy, as a fraction (0.01 = 1 pp) */
    size_t resamples;      /* bootstrap resamples (10000) */
    unsigned long seed;    /* bootstrap seed */
    size_t min_runs;       /* successful runs an arm needs for a verdict (5) */
    const char *min_cost;     /* smallest cost of interest (stats_min_cost_parse's text),
                                 applied over the plan's; NULL: the plan's or the default */
    size_t stability_resamples; /* bootstrap resamples of the verdicts' stability */
} report_options;

/* A verdict that fewer resamples than this share repeat is flagged unstable. */
#define REPORT_STABLE_SHARE 0.8

void report_options_default(report_options *o);

/* A metric as the report shows it. */
typedef struct report_metric_col {
    char name[48];
    char unit[16];                    /* stored unit */
    const report_metric_info *info;   /* NULL: unknown metric (shown raw, never a cost) */
    char label[48];
    char display_unit[16];
    double display_scale;
} report_metric_col;

/* One arm, one metric: the successful runs' figures. */
typedef struct report_cell {
    stats_summary s;      /* n = 0 when the arm has no value of this metric */
    char method[160];     /* the method(s) of the values; several joined by "," */
    size_t outliers;      /* |modified z| > 3.5 */
} report_cell;

typedef struct report_arm_result {
    size_t runs, ok;      /* stored runs; successful ones */
    size_t failed;        /* runs not ok (failed, crashed, timeout, error) */
    char energy_method[192]; /* the energy figures' methods, "rapl+estimate:..." */
    bool first_run_effect; /* wall time */
    report_cell *cells;   /* one per report_analysis.metrics */
} report_arm_result;

/* A smell arm against its baseline, one metric. */
typedef struct report_comparison {
    size_t metric;        /* index into report_analysis.metrics */
    bool tested;          /* both arms have >= 2 values */
    stats_bootstrap boot; /* difference and ratio of means, with intervals; with change_strata,
                             of node-weighted means (stats_bootstrap_means_by_node) */
    size_t change_strata; /* nodes boot was resampled within and combined over; 0: the runs
                             pooled (one node, or none holding both arms) */
    stats_mwu mwu;        /* runs pooled over nodes */
    bool stratified;      /* runs from several nodes: the cost test is van Elteren's, node
                             as the stratum, instead of the pooled Mann-Whitney */
    stats_van_elteren strata; /* valid when stratified */
    stats_welch welch;
    double delta;         /* Cliff's delta, smell vs baseline (> 0: smell larger) */
    stats_magnitude magnitude;
    bool in_family;       /* a cost metric: part of the Holm family */
    double p_holm;        /* NaN unless in_family */
    bool significant;     /* in_family and p_holm < alpha: differs from the baseline */
    double min_cost;      /* the smallest cost of interest (fraction); NaN: not a cost */
    stats_cost_margin margin; /* the change against min_cost (valid when in_family) */
    size_t margin_strata; /* nodes margin's change was estimated within and combined over;
                             0: the runs pooled (one node, or none holding both arms) */
    double p_over_holm;   /* margin.p_over, Holm-adjusted across the family */
    stats_cost_class cost_class; /* above / unclear / below min_cost */
    size_t runs_needed;   /* unclear: runs per arm that would likely decide it; 0: unknown */
    bool worse;           /* counted by the verdict as a cost: above min_cost */
    double power;         /* Welch power for the observed difference at this n */
    size_t n_for_power;   /* n per arm for 80 % power; 0: beyond 10000 or unknown */
} report_comparison;

typedef struct report_smell_result {
    size_t arm, baseline;     /* indices into the dataset's arms */
    stats_verdict verdict;
    stats_verdict_reason reason;
    double stability;         /* share of bootstrap resamples of the runs giving this verdict */
    size_t strata;            /* nodes the verdict's tests combined within (the most of any
                                 cost and accuracy's TOST); 0: the runs pooled */
    bool unstable;            /* stability < REPORT_STABLE_SHARE */
    char evidence[1024];      /* one line */
    bool has_accuracy;
    stats_tost tost;          /* accuracy, smell - baseline (fractions) */
    size_t tost_strata;       /* nodes the TOST's difference was combined over; 0: pooled */
    double acc_smell, acc_baseline; /* mean accuracy (fractions) */
    report_comparison *cmp;   /* one per metric (tested or not) */
} report_smell_result;

typedef enum report_warning_kind {
    REPORT_WARN_OUTLIERS,
    REPORT_WARN_HIGH_VARIANCE,
    REPORT_WARN_FIRST_RUN,
    REPORT_WARN_FAILED_RUNS,
    REPORT_WARN_LOW_POWER,
    REPORT_WARN_ENERGY_ESTIMATED,
    REPORT_WARN_ENERGY_UNKNOWN,
    REPORT_WARN_TOO_FEW_RUNS,
    REPORT_WARN_UNFIT_MACHINE, /* runs measured on a busy, swapping or throttled machine */
    REPORT_WARN_METHOD_MISMATCH, /* compared arms' CPU or memory measured by different methods */
    REPORT_WARN_MIXED_HARDWARE, /* compared arms ran on different CPU or GPU models */
    REPORT_WARN_MIXED_NODES,    /* compared arms ran on different nodes of one hardware */
} report_warning_kind;

typedef struct report_warning {
    report_warning_kind kind;
    char id[24];      /* "outliers", "high-variance", ... for machine output */
    char text[640];   /* one line: what, where, and what to do */
} report_warning;

/* A node the runs ran on: one hostname with one CPU and GPU model. */
typedef struct report_node {
    char hostname[128];   /* "" when the input does not name nodes */
    char cpu_model[192];
    char gpu_model[192];  /* "" when none */
    size_t runs, ok;      /* stored runs on it; successful ones */
    size_t *arm_runs;     /* stored runs on it, one count per data->arms */
} report_node;

typedef struct report_analysis {
    report_options opts;
    const report_dataset *data;
    report_metric_col *metrics;
    size_t n_metrics;
    report_arm_result *arms;       /* one per data->arms */
    report_smell_result *smells;   /* one per non-baseline arm, in arm order */
    size_t n_smells;
    size_t family_size;            /* tests in the Holm family */
    stats_min_cost min_cost;       /* the smallest cost of interest the verdicts used */
    char min_cost_source[40];      /* "default", "plan", "command line", "plan + command line" */
    report_warning *warnings;
    size_t n_warnings;
    bool energy_estimated;         /* some energy figure is an estimate */
    char energy_methods[256];      /* every energy method seen, joined by ", " */
    char resource_methods[128];    /* every CPU-time and memory method seen, joined by ", " */
    report_node *nodes;            /* in the order first seen */
    size_t n_nodes;
    size_t stratified_tests;       /* comparisons whose cost test is stratified by node */
    size_t stratified_verdicts;    /* smells whose verdict is stratified by node */
    size_t stratified_changes;     /* comparisons whose table change is stratified by node */
    size_t stratified_tosts;       /* smells whose accuracy TOST is stratified by node */
} report_analysis;

/* Analyses data (which must outlive the analysis). */
hml_status report_analyze(const report_dataset *data, const report_options *opts,
                          report_analysis *out, hml_err *err);
void report_analysis_free(report_analysis *a);

/* Index of the metric called name in a->metrics, or -1. */
int report_analysis_metric(const report_analysis *a, const char *name);

#endif
