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

/* p_over_holm small: above the smallest cost of interest; p_under small:
 * below it; neither: the interval straddles it. */
static const stats_cost_test ABOVE = {.p_over_holm = 0.0002, .p_under = 0.9998};
static const stats_cost_test BELOW = {.p_over_holm = 1.0, .p_under = 0.001};
static const stats_cost_test UNCLEAR = {.p_over_holm = 0.4, .p_under = 0.3};

static void a_cost_above_its_threshold_with_same_accuracy_is_hidden(void **state)
{
    (void)state;
    stats_cost_test costs[] = {ABOVE, BELOW};
    stats_verdict_input in = base_input(costs, 2);
    stats_verdict_reason why;
    bool above[2];
    assert_int_equal(stats_decide(&in, &why, above), STATS_VERDICT_HIDDEN_COST);
    assert_int_equal(why, STATS_REASON_COST_HIDDEN);
    assert_true(above[0]);
    assert_false(above[1]);
    assert_string_equal(stats_verdict_name(STATS_VERDICT_HIDDEN_COST), "HIDDEN COST");
}

static void accuracy_drop_is_visible(void **state)
{
    (void)state;
    stats_cost_test costs[] = {ABOVE};
    stats_verdict_input in = base_input(costs, 1);
    in.accuracy_equivalent = false;
    in.accuracy_diff = -0.05;
    stats_verdict_reason why;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_VISIBLE);
    assert_int_equal(why, STATS_REASON_ACCURACY_CHANGED);
}

static void every_cost_below_its_threshold_is_no_cost(void **state)
{
    (void)state;
    stats_cost_test costs[] = {BELOW, BELOW};
    stats_verdict_input in = base_input(costs, 2);
    stats_verdict_reason why;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_NO_COST);
    assert_int_equal(why, STATS_REASON_NOTHING_WORSE);
}

/* "No cost" is a claim too: one cost whose interval holds the threshold
 * leaves the verdict open, however clearly the others are below. */
static void a_cost_straddling_its_threshold_is_inconclusive(void **state)
{
    (void)state;
    stats_cost_test costs[] = {BELOW, UNCLEAR};
    stats_verdict_input in = base_input(costs, 2);
    stats_verdict_reason why;
    bool above[2] = {true, true};
    assert_int_equal(stats_decide(&in, &why, above), STATS_VERDICT_INCONCLUSIVE);
    assert_int_equal(why, STATS_REASON_COST_UNCLEAR);
    assert_false(above[0]);
    assert_false(above[1]);
    /* one cost above decides it, whatever the unclear one does */
    costs[0] = ABOVE;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_HIDDEN_COST);
    /* the classes at alpha: p exactly alpha is not significant */
    stats_cost_test edge = {.p_over_holm = 0.05, .p_under = 0.05};
    assert_int_equal(stats_cost_classify(&edge, 0.05), STATS_COST_UNCLEAR);
    edge.p_under = 0.0499;
    assert_int_equal(stats_cost_classify(&edge, 0.05), STATS_COST_BELOW);
    edge.p_over_holm = 0.0499;
    assert_int_equal(stats_cost_classify(&edge, 0.05), STATS_COST_ABOVE);
}

static void too_few_runs_is_inconclusive(void **state)
{
    (void)state;
    stats_cost_test costs[] = {ABOVE};
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
    stats_cost_test costs[] = {ABOVE};
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
    stats_cost_test none[] = {BELOW};
    in = base_input(none, 1);
    in.accuracy_known = false;
    assert_int_equal(stats_decide(&in, &why, NULL), STATS_VERDICT_NO_COST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_cost_above_its_threshold_with_same_accuracy_is_hidden),
        cmocka_unit_test(accuracy_drop_is_visible),
        cmocka_unit_test(every_cost_below_its_threshold_is_no_cost),
        cmocka_unit_test(a_cost_straddling_its_threshold_is_inconclusive),
        cmocka_unit_test(too_few_runs_is_inconclusive),
        cmocka_unit_test(noisy_or_missing_accuracy_is_inconclusive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
