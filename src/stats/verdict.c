#include "stats/verdict.h"

#include <math.h>

static bool cost_is_worse(const stats_cost_test *c, double alpha)
{
    return c->p_holm < alpha && c->delta >= 0 &&
           stats_cliff_magnitude(c->delta) != STATS_NEGLIGIBLE;
}

/* "No cost" is a claim too: it does not stand while a cost looks much worse
 * and only the number of runs keeps the test from confirming it. */
bool stats_cost_unconfirmed(const stats_cost_test *c, double alpha)
{
    return !(c->p_holm < alpha) && c->delta > 0 &&
           stats_cliff_magnitude(c->delta) == STATS_LARGE;
}

stats_verdict stats_decide(const stats_verdict_input *in, stats_verdict_reason *reason,
                           bool *worse)
{
    stats_verdict_reason why = STATS_REASON_NONE;
    stats_verdict v;
    size_t n_worse = 0, n_unconfirmed = 0;
    for (size_t i = 0; i < in->n_costs; i++) {
        bool w = cost_is_worse(&in->costs[i], in->alpha);
        if (worse)
            worse[i] = w;
        n_worse += w;
        n_unconfirmed += stats_cost_unconfirmed(&in->costs[i], in->alpha);
    }
    if (in->ok_smell < in->min_runs || in->ok_baseline < in->min_runs) {
        v = STATS_VERDICT_INCONCLUSIVE;
        why = STATS_REASON_TOO_FEW_RUNS;
    } else if (in->n_costs == 0) {
        v = STATS_VERDICT_INCONCLUSIVE;
        why = STATS_REASON_NO_COST_METRICS;
    } else if (in->accuracy_known && !in->accuracy_equivalent &&
               fabs(in->accuracy_diff) >= in->accuracy_margin) {
        v = STATS_VERDICT_VISIBLE;
        why = STATS_REASON_ACCURACY_CHANGED;
    } else if (n_worse == 0 && n_unconfirmed > 0) {
        v = STATS_VERDICT_INCONCLUSIVE;
        why = STATS_REASON_UNCONFIRMED;
    } else if (n_worse == 0) {
        v = STATS_VERDICT_NO_COST;
        why = STATS_REASON_NOTHING_WORSE;
    } else if (!in->accuracy_known) {
        v = STATS_VERDICT_INCONCLUSIVE;
        why = STATS_REASON_NO_ACCURACY;
    } else if (!in->accuracy_equivalent) {
        v = STATS_VERDICT_INCONCLUSIVE;
        why = STATS_REASON_ACCURACY_UNCLEAR;
    } else {
        v = STATS_VERDICT_HIDDEN_COST;
        why = STATS_REASON_COST_HIDDEN;
    }
    if (reason)
        *reason = why;
    return v;
}

const char *stats_verdict_name(stats_verdict v)
{
    switch (v) {
    case STATS_VERDICT_HIDDEN_COST: return "HIDDEN COST";
    case STATS_VERDICT_VISIBLE: return "VISIBLE";
    case STATS_VERDICT_NO_COST: return "NO COST";
    case STATS_VERDICT_INCONCLUSIVE: return "INCONCLUSIVE";
    }
    return "?";
}

const char *stats_verdict_id(stats_verdict v)
{
    switch (v) {
    case STATS_VERDICT_HIDDEN_COST: return "hidden_cost";
    case STATS_VERDICT_VISIBLE: return "visible";
    case STATS_VERDICT_NO_COST: return "no_cost";
    case STATS_VERDICT_INCONCLUSIVE: return "inconclusive";
    }
    return "?";
}
