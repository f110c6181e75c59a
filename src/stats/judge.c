#include "stats/judge.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/holm.h"
#include "stats/stratified_change.h"

/* The finite values of column m of an arm, in run order; with node not
 * NULL, also each one's node (0 when the arm names none). */
static size_t column(const stats_run_table *t, size_t n_metrics, size_t m, double *out,
                     size_t *node)
{
    size_t n = 0;
    for (size_t r = 0; r < t->n_runs; r++) {
        double v = t->v[r * n_metrics + m];
        if (!isfinite(v))
            continue;
        if (node)
            node[n] = t->node ? t->node[r] : 0;
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

/* The change one cost's margin tests read: within nodes and combined when
 * the values come from several nodes and one holds both arms, else the
 * pooled runs' Welch estimate. *tested false: nothing to test. */
static hml_status cost_change(bool nodes_known, const double *x, const size_t *x_node,
                              size_t nx, const double *y, const size_t *y_node, size_t ny,
                              stats_judged_cost *c, bool *tested, hml_err *err)
{
    *tested = false;
    if (nx < 2 || ny < 2 || all_equal(x, nx, y, ny))
        return HML_OK;
    if (nodes_known && stats_from_several_nodes(x_node, nx, y_node, ny)) {
        stats_strata_result r;
        hml_status st = stats_stratified_log_change(x, x_node, nx, y, y_node, ny, &r, &c->change,
                                                    &c->strata, err);
        if (st != HML_OK)
            return st;
        if (r == STATS_STRATA_COMBINED)
            *tested = true;
        if (r != STATS_STRATA_NONE_SHARED)
            return HML_OK;
    }
    if (!stats_log_moments_of(x, nx, y, ny, &c->lm))
        return HML_OK;
    stats_log_change_of(&c->lm, &c->change);
    *tested = true;
    return HML_OK;
}

/* Accuracy's TOST: on the difference of means within nodes, combined, when
 * the values come from several nodes and one holds both arms (a node whose
 * runs score lower and that ran more of one arm's runs would otherwise move
 * the difference); else, or when an arm has no two runs on any shared
 * node, on the pooled runs. */
static hml_status accuracy_test(const stats_judge_spec *spec, bool nodes_known, const double *x,
                                const size_t *x_node, size_t nx, const double *y,
                                const size_t *y_node, size_t ny, stats_judged_smell *out,
                                hml_err *err)
{
    if (nodes_known && stats_from_several_nodes(x_node, nx, y_node, ny)) {
        stats_strata_result r;
        stats_log_change c;
        size_t strata;
        hml_status st = stats_stratified_mean_diff(x, x_node, nx, y, y_node, ny, &r, &c, &strata,
                                                   err);
        if (st != HML_OK)
            return st;
        if (r == STATS_STRATA_COMBINED) {
            stats_tost_of(c.d, c.se, c.df, spec->acc_margin, spec->alpha, &out->tost);
            out->tost_strata = strata;
            return HML_OK;
        }
    }
    return stats_tost_test(x, nx, y, ny, spec->acc_margin, spec->alpha, &out->tost, err);
}

static size_t max_runs(const stats_judge_spec *spec)
{
    size_t n = 1;
    for (size_t i = 0; i < spec->n_arms; i++)
        if (spec->arms[i].n_runs > n)
            n = spec->arms[i].n_runs;
    return n;
}

/* Scratch room for one column of an arm: values and their nodes. */
typedef struct column_room {
    double *x, *y;
    size_t *x_node, *y_node;
} column_room;

/* The margin tests of every cost of one smell (p_over not yet Holm-adjusted)
 * and accuracy's TOST. */
static hml_status test_smell(const stats_judge_spec *spec, size_t i, const column_room *room,
                             stats_judged_smell *out, hml_err *err)
{
    const stats_run_table *sm = &spec->arms[spec->smell_arm[i]];
    const stats_run_table *bl = &spec->arms[spec->base_arm[i]];
    double *x = room->x, *y = room->y;
    for (size_t m = 0; m < spec->n_metrics; m++) {
        stats_judged_cost *c = &out->costs[m];
        memset(c, 0, sizeof *c);
        c->p_over_holm = NAN;
        if (!isfinite(spec->min_cost[m]) || (int)m == spec->accuracy)
            continue;
        size_t nx = column(sm, spec->n_metrics, m, x, room->x_node);
        size_t ny = column(bl, spec->n_metrics, m, y, room->y_node);
        hml_status st = cost_change(sm->node && bl->node, x, room->x_node, nx, y, room->y_node,
                                    ny, c, &c->tested, err);
        if (st != HML_OK)
            return st;
        if (c->tested)
            stats_cost_margin_of(&c->change, spec->min_cost[m], spec->alpha, &c->margin);
    }
    out->has_accuracy = false;
    out->tost_strata = 0;
    if (spec->accuracy >= 0) {
        size_t nx = column(sm, spec->n_metrics, (size_t)spec->accuracy, x, room->x_node);
        size_t ny = column(bl, spec->n_metrics, (size_t)spec->accuracy, y, room->y_node);
        if (nx >= 2 && ny >= 2) {
            out->has_accuracy = true;
            return accuracy_test(spec, sm->node && bl->node, x, room->x_node, nx, y,
                                 room->y_node, ny, out, err);
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
    column_room room = {.x = malloc(cap * sizeof *room.x), .y = malloc(cap * sizeof *room.y),
                        .x_node = malloc(cap * sizeof *room.x_node),
                        .y_node = malloc(cap * sizeof *room.y_node)};
    double *p = malloc((slots ? slots : 1) * sizeof *p);
    stats_cost_test *tests = malloc((spec->n_metrics ? spec->n_metrics : 1) * sizeof *tests);
    hml_status st = HML_OK;
    if (!room.x || !room.y || !room.x_node || !room.y_node || !p || !tests)
        st = hml_fail(err, HML_ESYSTEM, "verdict: out of memory");
    for (size_t i = 0; st == HML_OK && i < spec->n_smells; i++)
        st = test_smell(spec, i, &room, &out[i], err);
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
    free(room.x);
    free(room.y);
    free(room.x_node);
    free(room.y_node);
    free(p);
    free(tests);
    return st;
}

static bool same_node(const stats_run_table *t, size_t a, size_t b)
{
    return !t->node || t->node[a] == t->node[b];
}

/* Where each run of an arm draws its resample from: the arm's runs on its
 * node, members[start[r] .. start[r] + len[r]), in run order. One node (or
 * none named): every run draws from the whole arm, in run order. */
static void node_groups(const stats_run_table *t, size_t *members, size_t *start, size_t *len)
{
    size_t k = 0;
    for (size_t r = 0; r < t->n_runs; r++) {
        size_t e = 0; /* an earlier run on r's node: r shares its group */
        while (e < r && !same_node(t, e, r))
            e++;
        if (e < r) {
            start[r] = start[e];
            len[r] = len[e];
            continue;
        }
        start[r] = k;
        for (size_t q = r; q < t->n_runs; q++)
            if (same_node(t, q, r))
                members[k++] = q;
        len[r] = k - start[r];
    }
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
    /* per run of every arm: the runs it draws from (members), start, len */
    size_t *groups = malloc((total ? total : 1) * 3 * sizeof *groups);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    hml_status st = HML_OK;
    if (!rows || !tables || !judged || !costs || !agree || !groups || !rng)
        st = hml_fail(err, HML_ESYSTEM, "verdict stability: out of memory");
    if (st == HML_OK) {
        gsl_rng_set(rng, seed);
        double *next = rows;
        size_t at = 0;
        for (size_t a = 0; a < spec->n_arms; a++) {
            /* a resampled run keeps its place, so its node too */
            tables[a] = (stats_run_table){.v = next, .node = spec->arms[a].node,
                                          .n_runs = spec->arms[a].n_runs};
            next += spec->arms[a].n_runs * w;
            node_groups(&spec->arms[a], groups + at, groups + total + at,
                        groups + 2 * total + at);
            at += spec->arms[a].n_runs;
        }
        for (size_t i = 0; i < spec->n_smells; i++)
            judged[i].costs = &costs[i * w];
    }
    stats_judge_spec re = *spec;
    re.arms = tables;
    for (size_t b = 0; st == HML_OK && b < resamples; b++) {
        size_t at = 0;
        for (size_t a = 0; a < spec->n_arms; a++) {
            size_t n = spec->arms[a].n_runs;
            const size_t *members = groups + at, *start = groups + total + at,
                         *len = groups + 2 * total + at;
            double *dst = (double *)tables[a].v;
            for (size_t r = 0; r < n; r++) {
                size_t from = members[start[r] + gsl_rng_uniform_int(rng, len[r])];
                memcpy(dst + r * w, spec->arms[a].v + from * w, w * sizeof *dst);
            }
            at += n;
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
    free(groups);
    if (rng)
        gsl_rng_free(rng);
    return st;
}
