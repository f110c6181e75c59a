/* The hidden-cost verdict for one smell against its baseline: a rule over
 * test results (numbers in, a verdict out), kept apart from how the numbers
 * were obtained and from how a report prints them. */
#ifndef HMLCOST_STATS_VERDICT_H
#define HMLCOST_STATS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>


typedef enum stats_verdict {
    STATS_VERDICT_HIDDEN_COST,  /* a cost significantly above the smallest cost of interest,
                                   accuracy equivalent */
    STATS_VERDICT_VISIBLE,      /* accuracy not equivalent: the smell shows in accuracy */
    STATS_VERDICT_NO_COST,      /* every cost significantly below the smallest of interest */
    STATS_VERDICT_INCONCLUSIVE, /* too few runs, or the data cannot support a claim */
} stats_verdict;

/* One cost metric's tests against its smallest cost of interest t
 * (stats/cost_margin.h). */
typedef struct stats_cost_test {
    double p_over_holm; /* H0: change <= t, Holm-adjusted across every smell and cost */
    double p_under;     /* H0: change >= t; no adjustment: NO COST needs every cost
                           below t at once (an intersection-union test) */
} stats_cost_test;

typedef enum stats_cost_class {
    STATS_COST_ABOVE,   /* significantly above t: a cost worth reporting */
    STATS_COST_UNCLEAR, /* neither: the interval holds t */
    STATS_COST_BELOW,   /* significantly below t: too small to matter, or none */
} stats_cost_class;

stats_cost_class stats_cost_classify(const stats_cost_test *c, double alpha);

typedef struct stats_verdict_input {
    size_t ok_smell, ok_baseline; /* successful runs in each arm */
    size_t min_runs;              /* fewer successful runs in an arm: INCONCLUSIVE */
    double alpha;                 /* family-wise significance level, e.g. 0.05 */
    bool accuracy_known;          /* both arms report accuracy (>= 2 values each) */
    bool accuracy_equivalent;     /* TOST says equivalent within the margin */
    double accuracy_diff;         /* mean accuracy smell - baseline */
    double accuracy_margin;       /* the TOST margin (same unit as accuracy_diff) */
    const stats_cost_test *costs;
    size_t n_costs;
} stats_verdict_input;

typedef enum stats_verdict_reason {
    STATS_REASON_NONE,
    STATS_REASON_TOO_FEW_RUNS,      /* INCONCLUSIVE */
    STATS_REASON_NO_COST_METRICS,   /* INCONCLUSIVE: nothing to test */
    STATS_REASON_NO_ACCURACY,       /* INCONCLUSIVE: a cost, but accuracy unknown */
    STATS_REASON_ACCURACY_UNCLEAR,  /* INCONCLUSIVE: a cost, accuracy neither equivalent
                                       nor shown to differ by the margin */
    STATS_REASON_ACCURACY_CHANGED,  /* VISIBLE */
    STATS_REASON_COST_HIDDEN,       /* HIDDEN COST */
    STATS_REASON_NOTHING_WORSE,     /* NO COST */
    STATS_REASON_COST_UNCLEAR,      /* INCONCLUSIVE: a cost neither shown above nor below
                                       its smallest cost of interest */
} stats_verdict_reason;

/* The rule, in order:
 * 1. fewer than min_runs successful runs in either arm: INCONCLUSIVE;
 * 2. no cost metric to test: INCONCLUSIVE;
 * 3. accuracy known, not equivalent and |accuracy_diff| >= margin: VISIBLE
 *    (the observed change is at least the margin we call "the same");
 * 4. no cost ABOVE its smallest cost of interest: INCONCLUSIVE when one is
 *    UNCLEAR (run more), else NO COST (every cost shown below it);
 * 5. accuracy unknown: INCONCLUSIVE (a cost, but hidden or not is unknown);
 *    accuracy not shown equivalent (|diff| < margin, but too noisy for TOST):
 *    INCONCLUSIVE;
 * 6. otherwise HIDDEN COST.
 * `above` (optional, n_costs entries) marks the costs that qualified. */
stats_verdict stats_decide(const stats_verdict_input *in, stats_verdict_reason *reason,
                           bool *above);

/* "HIDDEN COST", "VISIBLE", "NO COST", "INCONCLUSIVE". */
const char *stats_verdict_name(stats_verdict v);
/* The same as an identifier for machine-readable output: "hidden_cost", ... */
const char *stats_verdict_id(stats_verdict v);

#endif
