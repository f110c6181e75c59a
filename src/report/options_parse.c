#include "report/options_parse.h"

#include <stdio.h>
#include <string.h>

#include "common/parse_number.h"
#include "stats/min_cost.h"

typedef enum option_id {
    ACC_MARGIN,
    ALPHA,
    MIN_RUNS,
    RESAMPLES,
    SEED,
    MIN_COST,
    STABILITY_RESAMPLES,
} option_id;

static const char *const names[] = {
    [ACC_MARGIN] = "acc-margin", [ALPHA] = "alpha",         [MIN_RUNS] = "min-runs",
    [RESAMPLES] = "resamples",   [SEED] = "seed",           [MIN_COST] = "min-cost",
    [STABILITY_RESAMPLES] = "stability-resamples",
};

static int find(const char *name)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

/* The ranges: a margin of at least 0.001 pp, a family-wise level a test can
 * reach, enough resamples for a 95 % interval, a seed of 32 bits. */
hml_status report_options_set(report_options *o, const char *name, const char *value,
                              hml_err *err)
{
    int id = find(name);
    if (id < 0)
        return hml_fail(err, HML_EINTERNAL, "report: no statistical option '%s'", name);
    char what[64];
    snprintf(what, sizeof what, "--%s", name);
    double d;
    long l;
    hml_status st;
    switch ((option_id)id) {
    case ACC_MARGIN:
        st = hml_parse_double(what, value, 0.001, 100, &d, err);
        if (st == HML_OK)
            o->acc_margin = d / 100;
        return st;
    case ALPHA: return hml_parse_double(what, value, 1e-6, 0.5, &o->alpha, err);
    case MIN_COST: {
        stats_min_cost check;
        stats_min_cost_default(&check);
        st = stats_min_cost_parse(&check, value, err);
        if (st == HML_OK)
            o->min_cost = value;
        return st;
    }
    case MIN_RUNS: st = hml_parse_long(what, value, 2, 100000, &l, err); break;
    case RESAMPLES: st = hml_parse_long(what, value, 1000, 10000000, &l, err); break;
    case SEED: st = hml_parse_long(what, value, 0, 4294967295L, &l, err); break;
    default: st = hml_parse_long(what, value, 0, 1000000, &l, err); break;
    }
    if (st != HML_OK)
        return st;
    if (id == MIN_RUNS)
        o->min_runs = (size_t)l;
    else if (id == RESAMPLES)
        o->resamples = (size_t)l;
    else if (id == SEED)
        o->seed = (unsigned long)l;
    else
        o->stability_resamples = (size_t)l;
    return HML_OK;
}
