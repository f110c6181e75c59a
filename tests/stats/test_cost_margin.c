/* The smallest cost of interest: its settings, the one-sided tests against
 * it, and the whole rule (stats_judge) on constructed runs at, just under
 * and just over the threshold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "stats/judge.h"
#include "stats/min_cost.h"
#include "stats/welch.h"

#include "assert_close.h"

#define N 10
#define COLS 2 /* peak RSS (a cost), accuracy */

/* Multiplicative noise of about 0.2 %, in two orders so that the arms are
 * not copies of each other. */
static const double NOISE_A[N] = {0.998, 1.001, 0.999, 1.002, 1.000,
                                  0.997, 1.003, 1.000, 0.999, 1.001};
static const double NOISE_B[N] = {1.001, 0.999, 1.003, 0.998, 1.000,
                                  1.002, 0.997, 0.999, 1.001, 1.000};

typedef struct study {
    double smell[N * COLS], base[N * COLS];
    stats_run_table arms[2];
    double min_cost[COLS];
    size_t smell_arm, base_arm;
    stats_judge_spec spec;
    stats_judged_cost costs[COLS];
    stats_judged_smell judged;
} study;

/* Baseline 100 MiB of RSS; the smell costs `change` more. Accuracy 0.7 in
 * every run. The threshold is 2 %. */
static void make_study(study *s, double change)
{
    memset(s, 0, sizeof *s);
    for (size_t r = 0; r < N; r++) {
        s->base[r * COLS] = 100.0 * NOISE_A[r];
        s->smell[r * COLS] = 100.0 * (1 + change) * NOISE_B[r];
        s->base[r * COLS + 1] = s->smell[r * COLS + 1] = 0.7;
    }
    s->arms[0] = (stats_run_table){.v = s->smell, .n_runs = N};
    s->arms[1] = (stats_run_table){.v = s->base, .n_runs = N};
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

static stats_verdict judge(study *s)
{
    hml_err err;
    size_t family = 0;
    assert_int_equal(stats_judge(&s->spec, &s->judged, &family, &err), HML_OK);
    assert_int_equal(family, 1);
    assert_true(s->costs[0].tested);
    assert_false(s->costs[1].tested); /* accuracy is not a cost */
    return s->judged.verdict;
}

static void just_over_the_threshold_is_a_hidden_cost(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.025);
    assert_int_equal(judge(&s), STATS_VERDICT_HIDDEN_COST);
    assert_int_equal(s.costs[0].cls, STATS_COST_ABOVE);
    assert_true(s.costs[0].margin.lo > 0.02);
    assert_true(s.costs[0].p_over_holm < 0.05);
}

static void at_the_threshold_is_inconclusive(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.02);
    assert_int_equal(judge(&s), STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(s.judged.reason, STATS_REASON_COST_UNCLEAR);
    assert_int_equal(s.costs[0].cls, STATS_COST_UNCLEAR);
    /* the interval holds the threshold, which sits near its middle */
    assert_true(s.costs[0].margin.lo < 0.02 && s.costs[0].margin.hi > 0.02);
    assert_true(fabs(s.costs[0].margin.p_over - 0.5) < 0.1);
}

static void just_under_the_threshold_is_no_cost(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.015);
    assert_int_equal(judge(&s), STATS_VERDICT_NO_COST);
    assert_int_equal(s.costs[0].cls, STATS_COST_BELOW);
    assert_true(s.costs[0].margin.hi < 0.02);
    /* a real difference from zero all the same, and within +-2 % */
    assert_true(s.costs[0].margin.lo > 0);
    assert_true(s.costs[0].margin.equivalent);
}

/* Separation without size: +0.2 % peak RSS, every smell run above every
 * baseline run (Cliff's delta 1), is no cost worth reporting. */
static void a_sub_percent_difference_that_separates_perfectly_is_no_cost(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.002);
    for (size_t r = 0; r < N; r++) { /* noise of 0.01 %: the arms do not overlap */
        s.base[r * COLS] = 100.0 * (1 + (NOISE_A[r] - 1) / 20);
        s.smell[r * COLS] = 100.2 * (1 + (NOISE_B[r] - 1) / 20);
    }
    assert_int_equal(judge(&s), STATS_VERDICT_NO_COST);
    assert_true(s.costs[0].margin.equivalent);
    assert_true(s.costs[0].margin.lo > 0.001);
}

static void a_larger_threshold_or_a_changed_accuracy_changes_the_verdict(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.025);
    s.min_cost[0] = 0.03;
    assert_int_equal(judge(&s), STATS_VERDICT_NO_COST);
    make_study(&s, 0.025);
    for (size_t r = 0; r < N; r++)
        s.smell[r * COLS + 1] = 0.65;
    assert_int_equal(judge(&s), STATS_VERDICT_VISIBLE);
    make_study(&s, 0.025);
    s.smell_arm = 0;
    s.arms[0].n_runs = 4; /* fewer than min_runs */
    assert_int_equal(judge(&s), STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(s.judged.reason, STATS_REASON_TOO_FEW_RUNS);
}

/* The one-sided test is Welch's t-test on log values shifted by log(1 + t):
 * the same numbers as the two-sided stats_welch_test (checked against SciPy
 * in test_stats) halved. */
static void the_margin_test_is_welch_on_log_values(void **state)
{
    (void)state;
    const double x[] = {104.1, 101.9, 105.3, 103.0, 102.2, 106.0, 103.7};
    const double y[] = {100.0, 99.1, 101.2, 100.7, 98.8, 100.3};
    double t = 0.02, lx[7], ly[6];
    for (size_t i = 0; i < 7; i++)
        lx[i] = log(x[i]);
    for (size_t i = 0; i < 6; i++)
        ly[i] = log(y[i]) + log1p(t);
    stats_welch w;
    hml_err err;
    assert_int_equal(stats_welch_test(lx, 7, ly, 6, &w, &err), HML_OK);
    stats_log_moments m;
    assert_true(stats_log_moments_of(x, 7, y, 6, &m));
    stats_cost_margin c;
    stats_cost_margin_test(&m, t, 0.05, &c);
    double one_sided = w.t > 0 ? w.p / 2 : 1 - w.p / 2;
    assert_close(c.p_over, one_sided, 1e-9);
    assert_close(c.p_under, 1 - one_sided, 1e-9);
    assert_close(c.df, w.df, 1e-9);
    assert_close(log1p(c.change), w.diff + log1p(t), 1e-12);
    /* no positive value, no relative test */
    const double zero[] = {0, 1, 2};
    assert_false(stats_log_moments_of(zero, 3, y, 6, &m));
}

static void runs_needed_shrink_the_interval_off_the_threshold(void **state)
{
    (void)state;
    study s;
    make_study(&s, 0.02);
    for (size_t r = 0; r < N; r++) /* +2.3 % with 1 % noise: the interval holds 2 % */
        s.smell[r * COLS] = 102.3 * (1 + 5 * (NOISE_B[r] - 1));
    assert_int_equal(judge(&s), STATS_VERDICT_INCONCLUSIVE);
    size_t n = stats_cost_margin_runs_needed(&s.costs[0].margin, &s.costs[0].lm, 0.05, 10000);
    assert_true(n > N);
    /* that many runs with the same spread put the interval above 2 % */
    stats_log_moments more = s.costs[0].lm;
    more.nx = more.ny = n;
    stats_cost_margin c;
    stats_cost_margin_test(&more, 0.02, 0.05, &c);
    assert_true(c.lo > 0.02);
}

static void min_cost_settings_parse_and_print(void **state)
{
    (void)state;
    stats_min_cost mc;
    hml_err err;
    stats_min_cost_default(&mc);
    assert_close(stats_min_cost_for(&mc, "wall_s"), 0.02, 0);
    assert_true(isnan(stats_min_cost_for(&mc, "accuracy")));
    assert_int_equal(stats_min_cost_parse(&mc, "5%", &err), HML_OK);
    assert_close(stats_min_cost_for(&mc, "peak_rss_bytes"), 0.05, 1e-15);
    assert_int_equal(stats_min_cost_parse(&mc, "memory=1 %, wall_s=3", &err), HML_OK);
    assert_close(stats_min_cost_for(&mc, "peak_rss_bytes"), 0.01, 1e-15);
    assert_close(stats_min_cost_for(&mc, "gpu_mem_bytes"), 0.01, 1e-15);
    assert_close(stats_min_cost_for(&mc, "wall_s"), 0.03, 1e-15);
    assert_close(stats_min_cost_for(&mc, "cpu_s"), 0.05, 1e-15);
    char text[256];
    stats_min_cost_format(&mc, text, sizeof text);
    assert_string_equal(text, "time=5%,memory=1%,energy=5%,wall_s=3%");
    stats_min_cost back;
    stats_min_cost_default(&back);
    assert_int_equal(stats_min_cost_parse(&back, text, &err), HML_OK);
    assert_memory_equal(&back, &mc, sizeof mc);
    /* bad items change nothing and name themselves */
    const char *bad[] = {"", "0%", "-1%", "95%", "2%%", "nan", "rss=1%", "memory=", "=2%",
                         "2% 3%"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        stats_min_cost before = mc;
        assert_int_equal(stats_min_cost_parse(&mc, bad[i], &err), HML_EUSAGE);
        assert_memory_equal(&before, &mc, sizeof mc);
        assert_non_null(strstr(err.msg, "--min-cost"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(just_over_the_threshold_is_a_hidden_cost),
        cmocka_unit_test(at_the_threshold_is_inconclusive),
        cmocka_unit_test(just_under_the_threshold_is_no_cost),
        cmocka_unit_test(a_sub_percent_difference_that_separates_perfectly_is_no_cost),
        cmocka_unit_test(a_larger_threshold_or_a_changed_accuracy_changes_the_verdict),
        cmocka_unit_test(the_margin_test_is_welch_on_log_values),
        cmocka_unit_test(runs_needed_shrink_the_interval_off_the_threshold),
        cmocka_unit_test(min_cost_settings_parse_and_print),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
