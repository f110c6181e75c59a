#include "stats/verdict.h"

#include <math.h>

stats_cost_class stats_cost_classify(const stats_cost_test *c, double alpha)
{
    if (c->p_over_holm < alpha)
        return STATS_COST_ABOVE;
    return c->p_under < alpha ? STATS_COST_BELOW : STATS_COST_UNCLEAR;
}

stats_verdict stats_decide(const stats_verdict_input *in, stats_verdict_reason *reason,
                           bool *above)
{
    stats_verdict_reason why = STATS_REASON_NONE;
    stats_verdict v;
    size_t n_above = 0, n_unclear = 0;
    for (size_t i = 0; i < in->n_costs; i++) {
        stats_cost_class c = stats_cost_classify(&in->costs[i], in->alpha);
        if (above)
            above[i] = c == STATS_COST_ABOVE;
        n_above += c == STATS_COST_ABOVE;
        n_unclear += c == STATS_COST_UNCLEAR;
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
    } else if (n_above == 0 && n_unclear > 0) {
        v = STATS_VERDICT_INCONCLUSIVE;
        why = STATS_REASON_COST_UNCLEAR;
    } else if (n_above == 0) {
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
