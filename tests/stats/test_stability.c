/* A verdict's stability against a brute-force recomputation: with 5 runs per
 * arm, every bootstrap resample is one of 126 multisets per arm, so the exact
 * probability that a resample repeats the verdict is a finite sum over the
 * 126 x 126 pairs, each weighted by its multinomial probability. The seeded
 * Monte Carlo figure must land within a few standard errors of it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "stats/judge.h"

#include "assert_close.h"

#define N 5
#define COLS 2 /* wall time (a cost), accuracy */

/* +2.4 % wall time with about 1 % noise against a 2 % threshold: close
 * enough to the threshold that resamples disagree. */
static const double SMELL_WALL[N] = {103.1, 101.6, 102.9, 101.9, 102.7};
static const double BASE_WALL[N] = {100.4, 99.2, 100.9, 99.6, 100.1};
static const double SMELL_ACC[N] = {0.701, 0.699, 0.700, 0.702, 0.698};
static const double BASE_ACC[N] = {0.700, 0.701, 0.699, 0.700, 0.702};

typedef struct two_arms {
    double v[2][N * COLS];
    stats_run_table arms[2];
    double min_cost[COLS];
    size_t smell, base;
    stats_judge_spec spec;
} two_arms;

static void make(two_arms *t)
{
    memset(t, 0, sizeof *t);
    for (size_t r = 0; r < N; r++) {
        t->v[0][r * COLS] = SMELL_WALL[r];
        t->v[0][r * COLS + 1] = SMELL_ACC[r];
        t->v[1][r * COLS] = BASE_WALL[r];
        t->v[1][r * COLS + 1] = BASE_ACC[r];
    }
    t->arms[0] = (stats_run_table){.v = t->v[0], .n_runs = N};
    t->arms[1] = (stats_run_table){.v = t->v[1], .n_runs = N};
    t->min_cost[0] = 0.02;
    t->min_cost[1] = NAN;
    t->smell = 0;
    t->base = 1;
    t->spec = (stats_judge_spec){.n_metrics = COLS, .min_cost = t->min_cost, .accuracy = 1,
                                 .alpha = 0.05, .acc_margin = 0.01, .min_runs = 5,
                                 .arms = t->arms, .n_arms = 2, .smell_arm = &t->smell,
                                 .base_arm = &t->base, .n_smells = 1};
}

static stats_verdict verdict_of(const stats_judge_spec *spec)
{
    stats_judged_cost costs[COLS];
    stats_judged_smell j = {.costs = costs};
    hml_err err;
    assert_int_equal(stats_judge(spec, &j, NULL, &err), HML_OK);
    return j.verdict;
}

/* Every multiset of N draws from N runs: counts[k][i] times run i. */
static size_t multisets(int counts[][N], int *cur, size_t pos, int left, size_t n)
{
    if (pos == N - 1) {
        cur[pos] = left;
        memcpy(counts[n], cur, sizeof(int) * N);
        return n + 1;
    }
    for (int c = 0; c <= left; c++) {
        cur[pos] = c;
        n = multisets(counts, cur, pos + 1, left - c, n);
    }
    return n;
}

/* N! / prod(c_i!) / N^N */
static double multinomial(const int *c)
{
    double p = 120.0 / pow(N, N); /* 5! */
    for (size_t i = 0; i < N; i++)
        p /= tgamma(c[i] + 1.0);
    return p;
}

static void fill(double *dst, const double *src, const int *c)
{
    size_t r = 0;
    for (size_t i = 0; i < N; i++)
        for (int k = 0; k < c[i]; k++, r++)
            memcpy(dst + r * COLS, src + i * COLS, COLS * sizeof *dst);
}

static void stability_matches_the_exact_resampling_probability(void **state)
{
    (void)state;
    two_arms t;
    make(&t);
    stats_verdict v = verdict_of(&t.spec);

    static int counts[126][N];
    int cur[N];
    assert_int_equal(multisets(counts, cur, 0, N, 0), 126);
    two_arms re;
    make(&re);
    double exact = 0, total = 0;
    for (size_t a = 0; a < 126; a++)
        for (size_t b = 0; b < 126; b++) {
            fill(re.v[0], t.v[0], counts[a]);
            fill(re.v[1], t.v[1], counts[b]);
            double p = multinomial(counts[a]) * multinomial(counts[b]);
            total += p;
            if (verdict_of(&re.spec) == v)
                exact += p;
        }
    assert_close(total, 1.0, 1e-9);
    /* the case is not trivial: resamples do disagree */
    assert_true(exact > 0.2 && exact < 0.95);

    size_t resamples = 20000;
    double share;
    hml_err err;
    assert_int_equal(stats_verdict_stability(&t.spec, &v, resamples, 42, &share, &err), HML_OK);
    double se = sqrt(exact * (1 - exact) / (double)resamples);
    assert_true(fabs(share - exact) < 4 * se);
    print_message("verdict %s: exact stability %.4f, bootstrap %.4f (se %.4f)\n",
                  stats_verdict_name(v), exact, share, se);
}

static void stability_is_seeded(void **state)
{
    (void)state;
    two_arms t;
    make(&t);
    stats_verdict v = verdict_of(&t.spec);
    double a, b, c;
    hml_err err;
    assert_int_equal(stats_verdict_stability(&t.spec, &v, 500, 7, &a, &err), HML_OK);
    assert_int_equal(stats_verdict_stability(&t.spec, &v, 500, 7, &b, &err), HML_OK);
    assert_int_equal(stats_verdict_stability(&t.spec, &v, 500, 8, &c, &err), HML_OK);
    assert_close(a, b, 0);
    assert_true(a != c); /* another seed, other resamples */
    /* a verdict that no resample gives has stability 0 */
    stats_verdict other =
        v == STATS_VERDICT_VISIBLE ? STATS_VERDICT_NO_COST : STATS_VERDICT_VISIBLE;
    assert_int_equal(stats_verdict_stability(&t.spec, &other, 500, 7, &c, &err), HML_OK);
    assert_true(c < 0.05);
}

static void one_node_named_resamples_as_none(void **state)
{
    (void)state;
    two_arms t;
    make(&t);
    stats_verdict v = verdict_of(&t.spec);
    double none, one;
    hml_err err;
    assert_int_equal(stats_verdict_stability(&t.spec, &v, 500, 7, &none, &err), HML_OK);
    static const size_t node[N] = {4, 4, 4, 4, 4};
    t.arms[0].node = t.arms[1].node = node;
    assert_int_equal(stats_verdict_stability(&t.spec, &v, 500, 7, &one, &err), HML_OK);
    assert_close(one, none, 0);
}

/* Two nodes, node B 30 % slower: the smell ran once on A and three times on
 * B, the baseline three times on A and once on B; +2.4 % wall time within
 * each node, against 2 %. Resampled whole, an arm often loses its only run
 * on a node; within nodes it never does. */
#define R 4
static const size_t SMELL_NODES[R] = {0, 1, 1, 1};
static const size_t BASE_NODES[R] = {0, 0, 0, 1};
static const double NODE_SMELL[R * COLS] = {102.9, 0.700, 133.9, 0.702,
                                            132.0, 0.699, 133.1, 0.701};
static const double NODE_BASE[R * COLS] = {100.6, 0.701, 99.3, 0.700,
                                           100.2, 0.702, 130.9, 0.699};

static void make_two_nodes(stats_judge_spec *spec, stats_run_table *arms, double *smell,
                           double *base, double *min_cost, size_t *pair)
{
    memcpy(smell, NODE_SMELL, sizeof NODE_SMELL);
    memcpy(base, NODE_BASE, sizeof NODE_BASE);
    arms[0] = (stats_run_table){.v = smell, .node = SMELL_NODES, .n_runs = R};
    arms[1] = (stats_run_table){.v = base, .node = BASE_NODES, .n_runs = R};
    min_cost[0] = 0.02;
    min_cost[1] = NAN;
    pair[0] = 0;
    pair[1] = 1;
    *spec = (stats_judge_spec){.n_metrics = COLS, .min_cost = min_cost, .accuracy = 1,
                               .alpha = 0.05, .acc_margin = 0.01, .min_runs = R,
                               .arms = arms, .n_arms = 2, .smell_arm = &pair[0],
                               .base_arm = &pair[1], .n_smells = 1};
}

/* The share of the equally likely resamples (each place draws one run)
 * that repeat verdict v. within_node: a place draws from its arm's runs on
 * its own node, else from all of its arm's runs. */
static double exact_share(bool within_node, stats_verdict v)
{
    stats_judge_spec spec, re;
    stats_run_table arms[2], re_arms[2];
    double smell[R * COLS], base[R * COLS], min_cost[COLS], rs[R * COLS], rb[R * COLS];
    size_t pair[2];
    make_two_nodes(&spec, arms, smell, base, min_cost, pair);
    make_two_nodes(&re, re_arms, rs, rb, min_cost, pair);
    /* the runs each of the 2R places may draw */
    size_t from[2 * R][R], choices[2 * R], total = 1;
    for (size_t p = 0; p < 2 * R; p++) {
        const size_t *node = p < R ? SMELL_NODES : BASE_NODES;
        choices[p] = 0;
        for (size_t q = 0; q < R; q++)
            if (!within_node || node[q] == node[p % R])
                from[p][choices[p]++] = q;
        total *= choices[p];
    }
    size_t agree = 0;
    for (size_t d = 0; d < total; d++) {
        size_t code = d;
        for (size_t p = 0; p < 2 * R; p++) {
            size_t run = from[p][code % choices[p]];
            code /= choices[p];
            memcpy((p < R ? rs : rb) + (p % R) * COLS, (p < R ? smell : base) + run * COLS,
                   COLS * sizeof *rs);
        }
        agree += verdict_of(&re) == v;
    }
    return (double)agree / (double)total;
}

static void stability_resamples_within_node_and_arm(void **state)
{
    (void)state;
    stats_judge_spec spec;
    stats_run_table arms[2];
    double smell[R * COLS], base[R * COLS], min_cost[COLS];
    size_t pair[2];
    make_two_nodes(&spec, arms, smell, base, min_cost, pair);
    stats_verdict v = verdict_of(&spec);
    double within = exact_share(true, v), whole = exact_share(false, v);
    size_t resamples = 20000;
    double share;
    hml_err err;
    assert_int_equal(stats_verdict_stability(&spec, &v, resamples, 42, &share, &err), HML_OK);
    double se = sqrt(within * (1 - within) / (double)resamples);
    print_message("verdict %s: exact stability within nodes %.4f, whole arms %.4f, "
                  "bootstrap %.4f (se %.4f)\n",
                  stats_verdict_name(v), within, whole, share, se);
    /* not trivial, and resampling whole arms would give another figure */
    assert_true(within > 0.2 && within < 0.99);
    assert_true(fabs(whole - within) > 10 * se);
    assert_true(fabs(share - within) < 4 * se);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stability_matches_the_exact_resampling_probability),
        cmocka_unit_test(stability_is_seeded),
        cmocka_unit_test(one_node_named_resamples_as_none),
        cmocka_unit_test(stability_resamples_within_node_and_arm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
