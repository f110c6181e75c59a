/* The cost-margin test on its own (stats/cost_margin.h): the moments of the
 * log values, Welch's test of the change against the smallest cost of
 * interest, the interval that agrees with the one-sided tests, the exact
 * answer of constant arms, and the runs a straddling interval would need.
 * The reference p-value was computed outside the project (the Welch
 * statistic and degrees of freedom in plain Python, the t tail by Simpson
 * integration of the density). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>

#include "stats/cost_margin.h"
#include "assert_close.h"

static const double smell[] = {1.10, 1.12, 1.15, 1.11, 1.13};
static const double base[] = {1.00, 1.01, 0.99, 1.02, 1.00};

static void moments_are_those_of_the_logs(void **state)
{
    (void)state;
    const double x[] = {M_E, M_E * M_E * M_E};
    const double y[] = {1, M_E * M_E};
    stats_log_moments m;
    assert_true(stats_log_moments_of(x, 2, y, 2, &m));
    assert_close(m.mean_x, 2, 1e-12);
    assert_close(m.var_x, 2, 1e-12);
    assert_close(m.mean_y, 1, 1e-12);
    assert_close(m.var_y, 2, 1e-12);
    assert_int_equal(m.nx, 2);
    assert_int_equal(m.ny, 2);
    /* Costs are positive and finite; an arm needs two values. */
    const double zero[] = {1, 0}, nan_[] = {1, NAN}, neg[] = {1, -1};
    assert_false(stats_log_moments_of(zero, 2, y, 2, &m));
    assert_false(stats_log_moments_of(x, 2, nan_, 2, &m));
    assert_false(stats_log_moments_of(neg, 2, y, 2, &m));
    assert_false(stats_log_moments_of(x, 1, y, 2, &m));
}

static void welch_on_logs_matches_the_reference(void **state)
{
    (void)state;
    stats_log_moments m;
    assert_true(stats_log_moments_of(smell, 5, base, 5, &m));
    stats_cost_margin c;
    stats_cost_margin_test(&m, 0.08, 0.05, &c);
    assert_close(c.change, 0.11745655148611603, 1e-12);
    assert_close(c.se, 0.00917459324210603, 1e-12);
    assert_close(c.df, 6.949798817839678, 1e-9);
    assert_close(c.p_over, 0.0037957663149568916, 1e-7);
    assert_close(c.p_over + c.p_under, 1, 1e-12);
    assert_true(c.margin == 0.08);
    assert_false(c.equivalent);
}

/* The (1 - 2 alpha) interval and the one-sided tests at alpha tell the same
 * story: the interval lies above t exactly when p_over < alpha, below t
 * exactly when p_under < alpha, and within +-t exactly when equivalent. */
static void the_interval_agrees_with_the_tests(void **state)
{
    (void)state;
    const double alpha = 0.05;
    for (int shift = -30; shift <= 30; shift += 3) {
        double x[5];
        for (int i = 0; i < 5; i++)
            x[i] = base[i] * (1 + shift / 100.0) * (1 + 0.01 * (i % 2));
        stats_log_moments m;
        assert_true(stats_log_moments_of(x, 5, base, 5, &m));
        for (double t = 0.02; t < 0.3; t += 0.07) {
            stats_cost_margin c;
            stats_cost_margin_test(&m, t, alpha, &c);
            assert_true(c.lo <= c.change && c.change <= c.hi);
            assert_int_equal(c.lo > t, c.p_over < alpha);
            assert_int_equal(c.hi < t, c.p_under < alpha);
            assert_int_equal(c.lo > -t && c.hi < t, c.equivalent);
        }
    }
}

static void constant_arms_give_an_exact_answer(void **state)
{
    (void)state;
    const double x[] = {1.1, 1.1, 1.1}, y[] = {1.0, 1.0, 1.0};
    stats_log_moments m;
    assert_true(stats_log_moments_of(x, 3, y, 3, &m));
    stats_cost_margin c;
    stats_cost_margin_test(&m, 0.05, 0.05, &c);
    assert_true(c.se == 0);
    assert_close(c.change, 0.1, 1e-12);
    assert_true(c.lo == c.change && c.hi == c.change);
    assert_true(c.p_over == 0 && c.p_under == 1);
    assert_false(c.equivalent);
    assert_int_equal(stats_cost_margin_runs_needed(&c, &m, 0.05, 1000), 0);

    stats_cost_margin_test(&m, 0.2, 0.05, &c);
    assert_true(c.p_over == 1 && c.p_under == 0 && c.p_above_minus == 0);
    assert_true(c.equivalent);
}

/* An interval that straddles the margin: more runs would decide it, and at
 * that many runs (the spread as measured) the half-width no longer reaches
 * the margin. An interval clear of the margin needs none. */
static void runs_needed_would_decide_a_straddling_interval(void **state)
{
    (void)state;
    const double x[] = {1.02, 1.09, 1.01, 1.10, 1.04};
    stats_log_moments m;
    assert_true(stats_log_moments_of(x, 5, base, 5, &m));
    stats_cost_margin c;
    stats_cost_margin_test(&m, 0.02, 0.05, &c);
    assert_true(c.lo < 0.02 && c.hi > 0.02);
    size_t n = stats_cost_margin_runs_needed(&c, &m, 0.05, 100000);
    assert_true(n > 5);
    stats_log_moments more = m;
    more.nx = more.ny = n;
    stats_cost_margin d;
    stats_cost_margin_test(&more, 0.02, 0.05, &d);
    assert_true(d.lo > 0.02 || d.hi < 0.02);
    assert_int_equal(stats_cost_margin_runs_needed(&c, &m, 0.05, n - 1), 0); /* beyond max_n */

    stats_log_moments clear;
    assert_true(stats_log_moments_of(smell, 5, base, 5, &clear));
    stats_cost_margin_test(&clear, 0.02, 0.05, &c);
    assert_true(c.lo > 0.02);
    assert_int_equal(stats_cost_margin_runs_needed(&c, &clear, 0.05, 100000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(moments_are_those_of_the_logs),
        cmocka_unit_test(welch_on_logs_matches_the_reference),
        cmocka_unit_test(the_interval_agrees_with_the_tests),
        cmocka_unit_test(constant_arms_give_an_exact_answer),
        cmocka_unit_test(runs_needed_would_decide_a_straddling_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
