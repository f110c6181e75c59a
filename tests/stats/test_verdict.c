/* The verdict rule on constructed test results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>

#include "stats/verdict.h"

static stats_verdict_input base_input(const stats_cost_test *costs, size_t n)
{
    return (stats_verdict_input){.ok_smell = 10, .ok_baseline = 10, .min_runs = 5, .alpha = 0.05,
                                 .accuracy_known = true, .accuracy_equivalent = true,
                                 .accuracy_diff = -0.001, .accuracy_margin = 0.01,
                                 .costs = costs, .n_costs = n};
}

static void clear_cost_with_same_accuracy_is_hidden(void **state)
{
    (void)state;
    stats_cost_test costs[] = {{.p_holm = 0.0002, .delta = 1.0}, {.p_holm = 0.6, .delta = 0.1}};
    stats_verdict_input in = base_input(costs, 2);
    stats_verdict_reason why;
    bool worse[2];
    assert_int_equal(stats_decide(&in, &why, worse), STATS_VERDICT_HIDDEN_COST);
    assert_int_equal(why, STATS_REASON_COST_HIDDEN);
    assert_true(worse[0]);
    assert_false(worse[1]);
    assert_string_equal(stats_verdict_name(STATS_VERDICT_HIDDEN_COST), "HIDDEN COST");
}

static void accuracy_drop_is_visible(void **state)
{
    (void)state;
    stats_cost_test costs[] = {{.p_holm = 0.0002, .delta = 1.0}};
    stats_verdict_input in = base_input(costs, 1);
    in.accuracy_equivalent = false;
    in.accuracy_diff = -0.05;
    stats_verdict_reason why;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_VISIBLE);
    assert_int_equal(why, STATS_REASON_ACCURACY_CHANGED);
}

static void nothing_worse_is_no_cost(void **state)
{
    (void)state;
    /* significant but better (negative delta), and worse (a medium effect)
     * but not significant */
    stats_cost_test costs[] = {{.p_holm = 0.001, .delta = -0.9}, {.p_holm = 0.2, .delta = 0.4}};
    stats_verdict_input in = base_input(costs, 2);
    stats_verdict_reason why;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_NO_COST);
    assert_int_equal(why, STATS_REASON_NOTHING_WORSE);
    /* significant, worse, but a negligible effect */
    stats_cost_test tiny[] = {{.p_holm = 0.01, .delta = 0.1}};
    in = base_input(tiny, 1);
    assert_int_equal(stats_decide(&in, NULL, NULL), STATS_VERDICT_NO_COST);
}

/* 5 runs per arm, 16 tests: complete separation (delta 1) gives an exact
 * two-sided p of 2/252 = 0.0079, 0.127 after Holm. That is no evidence of
 * "no cost": the verdict says the data cannot tell. */
static void a_large_unconfirmed_cost_is_inconclusive(void **state)
{
    (void)state;
    stats_cost_test costs[] = {{.p_holm = 0.127, .delta = 1.0}, {.p_holm = 1.0, .delta = -0.2}};
    stats_verdict_input in = base_input(costs, 2);
    stats_verdict_reason why;
    bool worse[2] = {true, true};
    assert_int_equal(stats_decide(&in, &why, worse), STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(why, STATS_REASON_UNCONFIRMED);
    assert_false(worse[0]);
    assert_false(worse[1]);
    /* the same effect, confirmed: a hidden cost */
    costs[0].p_holm = 0.01;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_HIDDEN_COST);
    /* a large effect in the cheaper direction is no reason to doubt "no cost" */
    costs[0].p_holm = 0.127;
    costs[0].delta = -1.0;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_NO_COST);
}

static void too_few_runs_is_inconclusive(void **state)
{
    (void)state;
    stats_cost_test costs[] = {{.p_holm = 0.0002, .delta = 1.0}};
    stats_verdict_input in = base_input(costs, 1);
    in.ok_smell = 3;
    stats_verdict_reason why;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(why, STATS_REASON_TOO_FEW_RUNS);
    in = base_input(costs, 0);
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(why, STATS_REASON_NO_COST_METRICS);
}

static void noisy_or_missing_accuracy_is_inconclusive(void **state)
{
    (void)state;
    stats_cost_test costs[] = {{.p_holm = 0.0002, .delta = 1.0}};
    stats_verdict_input in = base_input(costs, 1);
    in.accuracy_equivalent = false; /* |diff| 0.1 pp < margin, but TOST fails */
    stats_verdict_reason why;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(why, STATS_REASON_ACCURACY_UNCLEAR);
    in = base_input(costs, 1);
    in.accuracy_known = false;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(why, STATS_REASON_NO_ACCURACY);
    /* without accuracy and without a cost there is still nothing worse */
    stats_cost_test none[] = {{.p_holm = 0.9, .delta = 0.0}};
    in = base_input(none, 1);
    in.accuracy_known = false;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_NO_COST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clear_cost_with_same_accuracy_is_hidden),
        cmocka_unit_test(accuracy_drop_is_visible),
        cmocka_unit_test(nothing_worse_is_no_cost),
        cmocka_unit_test(a_large_unconfirmed_cost_is_inconclusive),
        cmocka_unit_test(too_few_runs_is_inconclusive),
        cmocka_unit_test(noisy_or_missing_accuracy_is_inconclusive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
