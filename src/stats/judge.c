#include "stats/judge.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/holm.h"

/* The finite values of column m of an arm, in run order. */
static size_t column(const stats_run_table *t, size_t n_metrics, size_t m, double *out)
{
    size_t n = 0;
    for (size_t r = 0; r < t->n_runs; r++) {
        double v = t->v[r * n_metrics + m];
        if (isfinite(v))
            out[n++] = v;
    }
    return n;
}

static bool all_equal(const double *x, size_t nx, const double *y, size_t ny)
{
    for (size_t i = 1; i < nx; i++)
        if (x[i] != x[0])
            return false;
    for (size_t i = 0; i < ny; i++)
        if (y[i] != x[0])
            return false;
    return true;
}

static size_t max_runs(const stats_judge_spec *spec)
{
    size_t n = 1;
    for (size_t i = 0; i < spec->n_arms; i++)
        if (spec->arms[i].n_runs > n)
            n = spec->arms[i].n_runs;
    return n;
}

/* The margin tests of every cost of one smell (p_over not yet Holm-adjusted)
 * and accuracy's TOST. */
static hml_status test_smell(const stats_judge_spec *spec, size_t i, double *x, double *y,
                             stats_judged_smell *out, hml_err *err)
{
    const stats_run_table *sm = &spec->arms[spec->smell_arm[i]];
    const stats_run_table *bl = &spec->arms[spec->base_arm[i]];
    for (size_t m = 0; m < spec->n_metrics; m++) {
        stats_judged_cost *c = &out->costs[m];
        memset(c, 0, sizeof *c);
        c->p_over_holm = NAN;
        if (!isfinite(spec->min_cost[m]) || (int)m == spec->accuracy)
            continue;
        size_t nx = column(sm, spec->n_metrics, m, x), ny = column(bl, spec->n_metrics, m, y);
        if (nx < 2 || ny < 2 || all_equal(x, nx, y, ny) ||
            !stats_log_moments_of(x, nx, y, ny, &c->lm))
            continue;
        c->tested = true;
        stats_cost_margin_test(&c->lm, spec->min_cost[m], spec->alpha, &c->margin);
    }
    out->has_accuracy = false;
    if (spec->accuracy >= 0) {
        size_t nx = column(sm, spec->n_metrics, (size_t)spec->accuracy, x);
        size_t ny = column(bl, spec->n_metrics, (size_t)spec->accuracy, y);
        if (nx >= 2 && ny >= 2) {
            out->has_accuracy = true;
            return stats_tost_test(x, nx, y, ny, spec->acc_margin, spec->alpha, &out->tost, err);
        }
    }
    return HML_OK;
}

static void decide_smell(const stats_judge_spec *spec, size_t i, stats_judged_smell *out,
                         stats_cost_test *tests)
{
    size_t n = 0;
    for (size_t m = 0; m < spec->n_metrics; m++) {
        stats_judged_cost *c = &out->costs[m];
        if (!c->tested)
            continue;
        tests[n] = (stats_cost_test){.p_over_holm = c->p_over_holm, .p_under = c->margin.p_under};
        c->cls = stats_cost_classify(&tests[n], spec->alpha);
        n++;
    }
    stats_verdict_input in = {
        .ok_smell = spec->arms[spec->smell_arm[i]].n_runs,
        .ok_baseline = spec->arms[spec->base_arm[i]].n_runs,
        .min_runs = spec->min_runs, .alpha = spec->alpha,
        .accuracy_known = out->has_accuracy, .accuracy_equivalent = out->tost.equivalent,
        .accuracy_diff = out->tost.diff, .accuracy_margin = spec->acc_margin,
        .costs = tests, .n_costs = n};
    out->verdict = stats_decide(&in, &out->reason, NULL);
}

hml_status stats_judge(const stats_judge_spec *spec, stats_judged_smell *out,
                       size_t *family_size, hml_err *err)
{
    size_t cap = max_runs(spec), slots = spec->n_smells * spec->n_metrics;
    double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
    double *p = malloc((slots ? slots : 1) * sizeof *p);
    stats_cost_test *tests = malloc((spec->n_metrics ? spec->n_metrics : 1) * sizeof *tests);
    hml_status st = HML_OK;
    if (!x || !y || !p || !tests)
        st = hml_fail(err, HML_ESYSTEM, "verdict: out of memory");
    for (size_t i = 0; st == HML_OK && i < spec->n_smells; i++)
        st = test_smell(spec, i, x, y, &out[i], err);
    /* Holm over every smell x cost: a HIDDEN COST anywhere in the report is
     * a claim the family-wise level protects */
    size_t family = 0;
    for (size_t i = 0; st == HML_OK && i < spec->n_smells; i++)
        for (size_t m = 0; m < spec->n_metrics; m++)
            if (out[i].costs[m].tested)
                p[family++] = out[i].costs[m].margin.p_over;
    if (st == HML_OK && family)
        st = stats_holm(p, family, p, err);
    size_t k = 0;
    for (size_t i = 0; st == HML_OK && i < spec->n_smells; i++) {
        for (size_t m = 0; m < spec->n_metrics; m++)
            if (out[i].costs[m].tested)
                out[i].costs[m].p_over_holm = p[k++];
        decide_smell(spec, i, &out[i], tests);
    }
    if (family_size)
        *family_size = family;
    free(x);
    free(y);
    free(p);
    free(tests);
    return st;
}

hml_status stats_verdict_stability(const stats_judge_spec *spec, const stats_verdict *verdicts,
                                   size_t resamples, unsigned long seed, double *share,
                                   hml_err *err)
{
    size_t total = 0;
    for (size_t a = 0; a < spec->n_arms; a++)
        total += spec->arms[a].n_runs;
    size_t w = spec->n_metrics;
    double *rows = malloc((total ? total : 1) * (w ? w : 1) * sizeof *rows);
    stats_run_table *tables = malloc((spec->n_arms ? spec->n_arms : 1) * sizeof *tables);
    stats_judged_smell *judged = calloc(spec->n_smells ? spec->n_smells : 1, sizeof *judged);
    size_t slots = spec->n_smells * w;
    stats_judged_cost *costs = calloc(slots ? slots : 1, sizeof *costs);
    size_t *agree = calloc(spec->n_smells ? spec->n_smells : 1, sizeof *agree);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    hml_status st = HML_OK;
    if (!rows || !tables || !judged || !costs || !agree || !rng)
        st = hml_fail(err, HML_ESYSTEM, "verdict stability: out of memory");
    if (st == HML_OK) {
        gsl_rng_set(rng, seed);
        double *next = rows;
        for (size_t a = 0; a < spec->n_arms; a++) {
            tables[a] = (stats_run_table){.v = next, .n_runs = spec->arms[a].n_runs};
            next += spec->arms[a].n_runs * w;
        }
        for (size_t i = 0; i < spec->n_smells; i++)
            judged[i].costs = &costs[i * w];
    }
    stats_judge_spec re = *spec;
    re.arms = tables;
    for (size_t b = 0; st == HML_OK && b < resamples; b++) {
        for (size_t a = 0; a < spec->n_arms; a++) {
            size_t n = spec->arms[a].n_runs;
            double *dst = (double *)tables[a].v;
            for (size_t r = 0; r < n; r++)
                memcpy(dst + r * w, spec->arms[a].v + gsl_rng_uniform_int(rng, n) * w,
                       w * sizeof *dst);
        }
        st = stats_judge(&re, judged, NULL, err);
        for (size_t i = 0; st == HML_OK && i < spec->n_smells; i++)
            agree[i] += judged[i].verdict == verdicts[i];
    }
    for (size_t i = 0; st == HML_OK && i < spec->n_smells; i++)
        share[i] = resamples ? (double)agree[i] / (double)resamples : NAN;
    free(rows);
    free(tables);
    free(judged);
    free(costs);
    free(agree);
    if (rng)
        gsl_rng_free(rng);
    return st;
}
