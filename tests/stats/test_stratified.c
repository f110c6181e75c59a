/* Verdicts from runs on several nodes: the change a cost's margin test reads
 * is estimated within nodes and combined (stats/stratified_change.h), so a
 * slower node that ran more of one arm's runs is not taken for a cost, while
 * a cost the smell has on every node is still found; the stability
 * bootstrap resamples within node and arm; the tables' change is a ratio of
 * node-weighted means resampled within node and arm; accuracy's TOST reads
 * the difference within nodes. Reference values:
 * make_stratified_reference.py (SciPy). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "stats/bootstrap.h"
#include "stats/judge.h"
#include "stats/stratified_change.h"

#include "assert_close.h"

#define N 20
#define COLS 2 /* wall time (a cost), accuracy */
enum { NODE_A = 7, NODE_B = 3, NODE_C = 11 }; /* any labels */

static const double NOISE[N] = {0.992, 1.007, 1.001, 0.988, 1.012, 0.997, 1.004,
                                0.995, 1.010, 0.990, 1.003, 0.999, 1.008, 0.993,
                                1.000, 1.006, 0.991, 1.011, 0.996, 1.002};

/* relative closeness, for p-values far in a tail */
#define assert_rel(actual, expected, rel) assert_close(actual, expected, fabs(expected) * (rel))

typedef struct study {
    double smell[N * COLS], base[N * COLS];
    size_t smell_node[N], base_node[N];
    stats_run_table arms[2];
    double min_cost[COLS];
    size_t smell_arm, base_arm;
    stats_judge_spec spec;
    stats_judged_cost costs[COLS];
    stats_judged_smell judged;
} study;

/* Node B runs 30 % slower than node A. The smell ran runs 0, 4, 8, ... on
 * A and the rest on B; the baseline the other way round, so 5 of the
 * smell's 20 runs and 15 of the baseline's are on the fast node. The smell
 * costs `effect` more wall time on either node; the baseline's noise is
 * `spread` times NOISE's. Accuracy 0.700 +- 0.001 in both arms. */
static void make_study(study *s, double effect, double spread)
{
    memset(s, 0, sizeof *s);
    for (size_t r = 0; r < N; r++) {
        bool on_a = r % 4 == 0;
        s->smell_node[r] = on_a ? NODE_A : NODE_B;
        s->base_node[r] = on_a ? NODE_B : NODE_A;
        double smell_speed = on_a ? 100.0 : 130.0, base_speed = on_a ? 130.0 : 100.0;
        s->smell[r * COLS] = smell_speed * (1 + effect) * NOISE[r];
        s->base[r * COLS] = base_speed * (1 + spread * (NOISE[(r + 7) % N] - 1));
        s->smell[r * COLS + 1] = 0.700 + 0.001 * (double)(r % 3) - 0.001;
        s->base[r * COLS + 1] = 0.700 + 0.001 * (double)((r + 1) % 3) - 0.001;
    }
    s->arms[0] = (stats_run_table){.v = s->smell, .node = s->smell_node, .n_runs = N};
    s->arms[1] = (stats_run_table){.v = s->base, .node = s->base_node, .n_runs = N};
    s->min_cost[0] = 0.02;
    s->min_cost[1] = NAN;
    s->smell_arm = 0;
    s->base_arm = 1;
    s->spec = (stats_judge_spec){.n_metrics = COLS, .min_cost = s->min_cost, .accuracy = 1,
                                 .alpha = 0.05, .acc_margin = 0.01, .min_runs = 5,
                                 .arms = s->arms, .n_arms = 2, .smell_arm = &s->smell_arm,
                                 .base_arm = &s->base_arm, .n_smells = 1};
    s->judged.costs = s->costs;
}

static void judge(study *s)
{
    hml_err err;
    assert_int_equal(stats_judge(&s->spec, &s->judged, NULL, &err), HML_OK);
}

/* The nodes forgotten: the runs pooled, as on one machine. */
static void forget_nodes(study *s)
{
    s->arms[0].node = s->arms[1].node = NULL;
}

static void a_slower_node_holding_more_smell_runs_is_no_cost_within_nodes(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.0, 1.0);
    /* pooled, the slow node's share of the smell's runs reads as +14 %:
     * HIDDEN COST, falsely */
    forget_nodes(&s);
    judge(&s);
    assert_int_equal(s.costs[0].strata, 0);
    assert_rel(s.costs[0].margin.change, 0.14017542509913913, 1e-9);
    assert_rel(s.costs[0].margin.p_over, 0.0020708233154038067, 1e-6);
    assert_int_equal(s.judged.verdict, STATS_VERDICT_HIDDEN_COST);

    /* within nodes: +0.15 % [-0.31 %, +0.61 %], equivalent within +-2 % */
    make_study(&s, 0.0, 1.0);
    judge(&s);
    const stats_judged_cost *c = &s.costs[0];
    assert_true(c->tested);
    assert_int_equal(c->strata, 2);
    assert_rel(c->margin.change, 0.0015265147129680675, 1e-9);
    assert_rel(c->margin.se, 0.0027168507611389906, 1e-9);
    assert_rel(c->margin.df, 35.99998463825317, 1e-9);
    assert_rel(c->margin.p_over, 0.9999999624988761, 1e-9);
    assert_rel(c->margin.p_under, 3.7501123805543165e-08, 1e-6);
    assert_rel(c->margin.lo, -0.003056820579527171, 1e-8);
    assert_rel(c->margin.hi, 0.006130921379275848, 1e-8);
    assert_true(c->margin.equivalent);
    assert_int_equal(s.judged.verdict, STATS_VERDICT_NO_COST);
}

static void a_cost_on_every_node_is_still_found(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.10, 1.0);
    judge(&s);
    const stats_judged_cost *c = &s.costs[0];
    assert_int_equal(c->strata, 2);
    assert_rel(c->margin.change, 0.10167916618426477, 1e-9);
    assert_rel(c->margin.p_over, 1.6061087597966946e-26, 1e-5);
    assert_rel(c->margin.lo, 0.09663749736251998, 1e-8);
    assert_rel(c->margin.hi, 0.10674401351720336, 1e-8);
    assert_int_equal(s.judged.verdict, STATS_VERDICT_HIDDEN_COST);

    /* a noisier baseline: its variance weighs more, and the degrees of
     * freedom fall below the 36 of two equal variances */
    make_study(&s, 0.10, 3.0);
    judge(&s);
    assert_rel(c->margin.change, 0.10170788732792092, 1e-9);
    assert_rel(c->margin.se, 0.005570142308634534, 1e-9);
    assert_rel(c->margin.df, 25.788626504338268, 1e-9);
    assert_rel(c->margin.p_over, 9.641852896071273e-14, 1e-5);
    assert_rel(c->margin.lo, 0.0912874978058149, 1e-8);
    assert_rel(c->margin.hi, 0.11222777814369223, 1e-8);
    assert_int_equal(s.judged.verdict, STATS_VERDICT_HIDDEN_COST);
}

/* The values of column 0 on one node, and their nodes. */
static size_t on_node(const double *v, const size_t *node, size_t k, double *out, size_t *out_node)
{
    size_t n = 0;
    for (size_t r = 0; r < N; r++)
        if (node[r] == k) {
            out_node[n] = k;
            out[n++] = v[r * COLS];
        }
    return n;
}

static void one_node_is_welchs_test_on_its_runs(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.0, 1.0);
    double x[N], y[N];
    size_t xk[N], yk[N];
    size_t nx = on_node(s.smell, s.smell_node, NODE_A, x, xk);
    size_t ny = on_node(s.base, s.base_node, NODE_A, y, yk);
    assert_int_equal(nx, 5);
    assert_int_equal(ny, 15);
    stats_strata_result r;
    stats_log_change strat, welch;
    size_t strata;
    hml_err err;
    assert_int_equal(stats_stratified_log_change(x, xk, nx, y, yk, ny, &r, &strat, &strata, &err),
                     HML_OK);
    assert_int_equal(r, STATS_STRATA_COMBINED);
    assert_int_equal(strata, 1);
    stats_log_moments m;
    assert_true(stats_log_moments_of(x, nx, y, ny, &m));
    stats_log_change_of(&m, &welch);
    assert_close(strat.d, welch.d, 1e-14);
    assert_close(strat.se, welch.se, 1e-14);
    assert_close(strat.df, welch.df, 1e-9);
    stats_cost_margin c;
    stats_cost_margin_of(&strat, 0.02, 0.05, &c);
    assert_rel(c.p_over, 0.9939413819225913, 1e-9); /* scipy's Welch test on node A */
}

static void a_node_holding_one_arm_does_not_count(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.0, 1.0);
    judge(&s);
    stats_cost_margin before = s.costs[0].margin;
    /* four smell runs moved to a third node, three times slower: only the
     * smell ran there, so nothing there compares the arms */
    for (size_t r = 1; r < N; r += 5) {
        s.smell_node[r] = NODE_C;
        s.smell[r * COLS] *= 3;
    }
    judge(&s);
    assert_int_equal(s.costs[0].strata, 2);
    assert_true(fabs(s.costs[0].margin.change - before.change) < 0.002);
    assert_int_equal(s.judged.verdict, STATS_VERDICT_NO_COST);
    /* the same runs pooled: a large cost */
    forget_nodes(&s);
    judge(&s);
    assert_true(s.costs[0].margin.change > 0.3);

    /* no node holds both arms: the runs are pooled (the report warns) */
    make_study(&s, 0.0, 1.0);
    for (size_t r = 0; r < N; r++) {
        s.smell_node[r] = NODE_A;
        s.base_node[r] = NODE_B;
    }
    judge(&s);
    assert_true(s.costs[0].tested);
    assert_int_equal(s.costs[0].strata, 0);
    assert_rel(s.costs[0].margin.change, 0.14017542509913913, 1e-9);
}

static void an_arm_without_two_runs_on_a_shared_node_is_not_tested(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.0, 1.0);
    /* each smell run on a node of its own, the first also holding the
     * baseline: no spread of the smell within a node to test against */
    for (size_t r = 0; r < N; r++)
        s.smell_node[r] = 100 + r;
    for (size_t r = 0; r < N; r++)
        s.base_node[r] = 100;
    judge(&s);
    assert_false(s.costs[0].tested);
    assert_int_equal(s.judged.verdict, STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(s.judged.reason, STATS_REASON_NO_COST_METRICS);
}

static void both_arms_constant_within_nodes_is_exact(void **state)
{
    (void)state;
    double x[6] = {110, 110, 143, 143, 143, 143}, y[6] = {100, 100, 100, 100, 130, 130};
    size_t xk[6] = {NODE_A, NODE_A, NODE_B, NODE_B, NODE_B, NODE_B};
    size_t yk[6] = {NODE_A, NODE_A, NODE_A, NODE_A, NODE_B, NODE_B};
    stats_strata_result r;
    stats_log_change c;
    size_t strata;
    hml_err err;
    assert_int_equal(stats_stratified_log_change(x, xk, 6, y, yk, 6, &r, &c, &strata, &err),
                     HML_OK);
    assert_int_equal(r, STATS_STRATA_COMBINED);
    assert_close(expm1(c.d), 0.10, 1e-12);
    assert_true(c.se == 0);
}

/* Column 0 (wall time) of an arm. */
static void wall_of(const double *v, double *out)
{
    for (size_t r = 0; r < N; r++)
        out[r] = v[r * COLS];
}

static void the_tables_change_is_a_ratio_of_node_weighted_means(void **state)
{
    (void)state;
    static const struct {
        double effect, change, lo, hi, pooled;
    } ref[] = {
        /* make_stratified_reference.py: the ratio, scipy.stats.bootstrap's
         * percentile interval (another generator: within Monte Carlo error,
         * about 5 % of the width) and the pooled ratio of means */
        {0.0, 0.0015256990370111634, -0.0037897472914166785, 0.006745444795064781,
         0.13954980932006267},
        {0.10, 0.10167826894071208, 0.09583127797944169, 0.10741998927457175,
         0.2535047902520693},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        study s;
        make_study(&s, ref[i].effect, 1.0);
        double x[N], y[N];
        wall_of(s.smell, x);
        wall_of(s.base, y);
        stats_bootstrap b, pooled;
        size_t strata;
        hml_err err;
        assert_int_equal(stats_bootstrap_means_by_node(x, s.smell_node, N, y, s.base_node, N,
                                                       10000, 1, 0.95, &b, &strata, &err),
                         HML_OK);
        assert_int_equal(strata, 2);
        assert_rel(b.ratio - 1, ref[i].change, 1e-9);
        assert_close(b.ratio_lo - 1, ref[i].lo, 0.0005);
        assert_close(b.ratio_hi - 1, ref[i].hi, 0.0005);
        assert_true(b.ratio_lo < b.ratio && b.ratio < b.ratio_hi);
        /* pooled, the slow node's share of the smell's runs adds about 14 % */
        assert_int_equal(stats_bootstrap_means(x, N, y, N, 10000, 1, 0.95, &pooled, &err), HML_OK);
        assert_rel(pooled.ratio - 1, ref[i].pooled, 1e-9);
        assert_true(pooled.ratio_lo - 1 > ref[i].effect + 0.05);
    }
}

static void the_tables_change_on_one_node_is_the_pooled_bootstrap(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.0, 1.0);
    double x[N], y[N];
    size_t xk[N], yk[N];
    size_t nx = on_node(s.smell, s.smell_node, NODE_B, x, xk);
    size_t ny = on_node(s.base, s.base_node, NODE_B, y, yk);
    stats_bootstrap by_node, pooled;
    size_t strata;
    hml_err err;
    assert_int_equal(stats_bootstrap_means_by_node(x, xk, nx, y, yk, ny, 2000, 5, 0.9, &by_node,
                                                   &strata, &err),
                     HML_OK);
    assert_int_equal(strata, 1);
    assert_int_equal(stats_bootstrap_means(x, nx, y, ny, 2000, 5, 0.9, &pooled, &err), HML_OK);
    /* the same draws in the same order: the same interval */
    assert_close(by_node.ratio, pooled.ratio, 1e-14);
    assert_close(by_node.ratio_lo, pooled.ratio_lo, 1e-14);
    assert_close(by_node.ratio_hi, pooled.ratio_hi, 1e-14);
    assert_close(by_node.diff_lo, pooled.diff_lo, 1e-10);
    assert_close(by_node.diff_hi, pooled.diff_hi, 1e-10);

    /* no node holds both arms: nothing combined, the caller pools */
    for (size_t r = 0; r < ny; r++)
        yk[r] = NODE_C;
    by_node.ratio = -1;
    assert_int_equal(stats_bootstrap_means_by_node(x, xk, nx, y, yk, ny, 2000, 5, 0.9, &by_node,
                                                   &strata, &err),
                     HML_OK);
    assert_int_equal(strata, 0);
    assert_true(by_node.ratio == -1);
}

/* Node B's runs score `drop` lower in accuracy, in both arms. */
static void lower_accuracy_on_node_b(study *s, double drop)
{
    for (size_t r = 0; r < N; r++) {
        if (s->smell_node[r] == NODE_B)
            s->smell[r * COLS + 1] -= drop;
        if (s->base_node[r] == NODE_B)
            s->base[r * COLS + 1] -= drop;
    }
}

static void lower_accuracy_on_the_node_with_more_smell_runs_is_equivalent_within_nodes(
    void **state)
{
    (void)state;
    study s;
    /* pooled: 15 of the smell's runs and 5 of the baseline's score 2.4 pp
     * lower, a difference of -1.2 pp: not equivalent within 1 pp, VISIBLE */
    make_study(&s, 0.0, 1.0);
    lower_accuracy_on_node_b(&s, 0.024);
    forget_nodes(&s);
    judge(&s);
    assert_true(s.judged.has_accuracy);
    assert_int_equal(s.judged.tost_strata, 0);
    assert_close(s.judged.tost.diff, -0.0121, 1e-12);
    assert_rel(s.judged.tost.p, 0.7325296594279251, 1e-6);
    assert_false(s.judged.tost.equivalent);
    assert_int_equal(s.judged.verdict, STATS_VERDICT_VISIBLE);

    /* within nodes: -0.02 pp, equivalent; the wall time is no cost: NO COST */
    make_study(&s, 0.0, 1.0);
    lower_accuracy_on_node_b(&s, 0.024);
    judge(&s);
    const stats_tost *t = &s.judged.tost;
    assert_int_equal(s.judged.tost_strata, 2);
    assert_close(t->diff, -0.00019999999999986695, 1e-12);
    assert_rel(t->p, 2.930825847653374e-28, 1e-5);
    assert_close(t->ci_lo, -0.0007198608734961063, 1e-10);
    assert_close(t->ci_hi, 0.0003198608734963724, 1e-10);
    assert_true(t->equivalent);
    assert_int_equal(s.judged.verdict, STATS_VERDICT_NO_COST);
}

static void accuracy_on_one_node_is_the_pooled_tost(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.0, 1.0);
    for (size_t r = 0; r < N; r++)
        s.smell_node[r] = s.base_node[r] = NODE_A;
    judge(&s);
    stats_tost one_node = s.judged.tost;
    assert_int_equal(s.judged.tost_strata, 0);
    forget_nodes(&s);
    judge(&s);
    assert_close(one_node.p, s.judged.tost.p, 0);
    assert_close(one_node.diff, s.judged.tost.diff, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_slower_node_holding_more_smell_runs_is_no_cost_within_nodes),
        cmocka_unit_test(a_cost_on_every_node_is_still_found),
        cmocka_unit_test(one_node_is_welchs_test_on_its_runs),
        cmocka_unit_test(a_node_holding_one_arm_does_not_count),
        cmocka_unit_test(an_arm_without_two_runs_on_a_shared_node_is_not_tested),
        cmocka_unit_test(both_arms_constant_within_nodes_is_exact),
        cmocka_unit_test(the_tables_change_is_a_ratio_of_node_weighted_means),
        cmocka_unit_test(the_tables_change_on_one_node_is_the_pooled_bootstrap),
        cmocka_unit_test(lower_accuracy_on_the_node_with_more_smell_runs_is_equivalent_within_nodes),
        cmocka_unit_test(accuracy_on_one_node_is_the_pooled_tost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
