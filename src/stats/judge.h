/* The verdict of every smell of a study from its runs: the margin tests of
 * each cost (stats/cost_margin.h), Holm across every smell x cost, accuracy's
 * TOST and the rule (stats/verdict.h). One function, so that the report's
 * verdict and each bootstrap resample of the stability figure are judged the
 * same way.
 *
 * Runs from several nodes: when a cost's values (smell and baseline) come
 * from more than one node and a node holds both arms, its margin test reads
 * the change estimated within nodes and combined
 * (stats/stratified_change.h), so a faster node counts neither for nor
 * against the smell; nodes holding one arm only do not count. Otherwise
 * (one node, or no node holding both) the runs are pooled. Accuracy's TOST
 * is stratified the same way: on the difference of the nodes' mean
 * accuracies, combined (stats_stratified_mean_diff), with
 * Welch-Satterthwaite degrees of freedom; pooled otherwise, and when an
 * arm has no two runs on any shared node. */
#ifndef HMLCOST_STATS_JUDGE_H
#define HMLCOST_STATS_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "stats/cost_margin.h"
#include "stats/verdict.h"
#include "stats/welch.h"

/* One arm's successful runs: a row per run, a column per metric. */
typedef struct stats_run_table {
    const double *v;    /* n_runs x n_metrics, row-major; NaN: the run lacks that metric */
    const size_t *node; /* per run, the node it ran on (any labels); NULL: all on one */
    size_t n_runs;
} stats_run_table;

typedef struct stats_judge_spec {
    size_t n_metrics;
    const double *min_cost; /* per metric: its smallest cost of interest; NaN: not a cost */
    int accuracy;           /* the accuracy column (fractions), -1: none */
    double alpha;           /* family-wise level of the cost tests, TOST level */
    double acc_margin;      /* TOST margin of accuracy (fraction) */
    size_t min_runs;
    const stats_run_table *arms;
    size_t n_arms;
    const size_t *smell_arm, *base_arm; /* n_smells pairs of indices into arms */
    size_t n_smells;
} stats_judge_spec;

typedef struct stats_judged_cost {
    bool tested;             /* a cost with >= 2 positive values per arm, not all equal:
                                in the Holm family */
    stats_log_moments lm;    /* of the pooled runs; valid when strata = 0 */
    stats_log_change change; /* the estimate the margin tests read */
    size_t strata;           /* nodes combined within; 0: the runs pooled */
    stats_cost_margin margin;
    double p_over_holm;
    stats_cost_class cls;
} stats_judged_cost;

typedef struct stats_judged_smell {
    stats_verdict verdict;
    stats_verdict_reason reason;
    bool has_accuracy; /* both arms have >= 2 accuracy values */
    stats_tost tost;
    size_t tost_strata;       /* nodes accuracy's TOST combined within; 0: the runs pooled */
    stats_judged_cost *costs; /* n_metrics entries, owned by the caller */
} stats_judged_smell;

/* Judges every smell; out[i].costs must point at n_metrics entries.
 * *family_size (optional) receives the number of tests Holm corrects for. */
hml_status stats_judge(const stats_judge_spec *spec, stats_judged_smell *out,
                       size_t *family_size, hml_err *err);

/* The stability of each verdict: the share of `resamples` bootstrap
 * resamples of the runs (each arm resampled on its own, and within an arm
 * each node's runs on their own, whole runs drawn with replacement, GSL's
 * MT19937 seeded with `seed`) whose stats_judge verdict equals verdicts[i].
 * share[i] in [0, 1]. With one node the draws are those of an arm resampled
 * whole. */
hml_status stats_verdict_stability(const stats_judge_spec *spec, const stats_verdict *verdicts,
                                   size_t resamples, unsigned long seed, double *share,
                                   hml_err *err);

#endif
