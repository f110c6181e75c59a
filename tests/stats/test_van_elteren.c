/* Van Elteren's stratified test against values worked by hand from its
 * formula (one stratum: the Mann-Whitney normal approximation without
 * continuity correction), and on strata whose levels differ. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>

#include "stats/mann_whitney.h"
#include "stats/van_elteren.h"

#include "assert_close.h"

/* x = {4, 5, 6} against y = {1, 2, 3}: W = 15, E W = 10.5, Var W = 5.25,
 * z = 4.5 / sqrt(5.25) = 1.963961, p = erfc(z / sqrt 2) = 0.0495346. */
static void one_stratum_is_the_plain_normal_approximation(void **state)
{
    (void)state;
    const double x[] = {4, 5, 6}, y[] = {1, 2, 3};
    const size_t sx[] = {0, 0, 0}, sy[] = {0, 0, 0};
    stats_van_elteren r;
    hml_err err;
    assert_int_equal(stats_van_elteren_test(x, sx, 3, y, sy, 3, &r, &err), HML_OK);
    assert_int_equal(r.strata, 1);
    assert_close(r.z, 1.9639610121, 1e-9);
    assert_close(r.p, 0.0495346134, 1e-9);
    /* swapped: the sign turns, p stays */
    assert_int_equal(stats_van_elteren_test(y, sy, 3, x, sx, 3, &r, &err), HML_OK);
    assert_close(r.z, -1.9639610121, 1e-9);
}

/* Two strata ten apart, x 0.1 above y in each: within each stratum x ranks
 * 2, 4, 6 (W = 12); T = 24 / 7, E T = 3, Var T = 10.5 / 49, z = 3 /
 * sqrt(10.5) = 0.9258201, p = 0.3545395. The strata's levels do not enter. */
static void strata_levels_do_not_count(void **state)
{
    (void)state;
    const double x[] = {1.1, 2.1, 3.1, 11.1, 12.1, 13.1}, y[] = {1, 2, 3, 11, 12, 13};
    const size_t sx[] = {0, 0, 0, 1, 1, 1}, sy[] = {0, 0, 0, 1, 1, 1};
    stats_van_elteren r;
    hml_err err;
    assert_int_equal(stats_van_elteren_test(x, sx, 6, y, sy, 6, &r, &err), HML_OK);
    assert_int_equal(r.strata, 2);
    assert_close(r.z, 0.9258200998, 1e-9);
    assert_close(r.p, 0.3545394798, 1e-9);
}

/* Four nodes far apart, x above y on every node: the stratified test sees
 * it (z = 18 / sqrt 21, p = 8.5683e-5); pooled, the nodes' spread hides most
 * of it. */
static void a_shift_on_every_node_beats_the_spread_between_nodes(void **state)
{
    (void)state;
    double x[12], y[12];
    size_t sx[12], sy[12];
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < 3; i++) {
            x[3 * k + i] = 10.0 * k + 4 + i;
            y[3 * k + i] = 10.0 * k + 1 + i;
            sx[3 * k + i] = sy[3 * k + i] = k;
        }
    stats_van_elteren r;
    stats_mwu pooled;
    hml_err err;
    assert_int_equal(stats_van_elteren_test(x, sx, 12, y, sy, 12, &r, &err), HML_OK);
    assert_close(r.p, 8.568298011e-05, 1e-12);
    assert_int_equal(stats_mann_whitney(x, 12, y, 12, &pooled, &err), HML_OK);
    assert_true(pooled.p > 0.1);
}

static void strata_without_both_samples_are_left_out(void **state)
{
    (void)state;
    /* stratum 1 has only x, stratum 2 only y: the result is stratum 0's */
    const double x[] = {4, 5, 6, 100}, y[] = {1, 2, 3, -100};
    const size_t sx[] = {0, 0, 0, 1}, sy[] = {0, 0, 0, 2};
    stats_van_elteren r;
    hml_err err;
    assert_int_equal(stats_van_elteren_test(x, sx, 4, y, sy, 4, &r, &err), HML_OK);
    assert_int_equal(r.strata, 1);
    assert_close(r.p, 0.0495346134, 1e-9);
    /* no stratum with both: refused */
    const size_t apart[] = {1, 1, 1, 1};
    assert_int_equal(stats_van_elteren_test(x, sx, 3, y, apart, 3, &r, &err), HML_EUSAGE);
    /* all tied: no evidence */
    const double same[] = {2, 2, 2};
    assert_int_equal(stats_van_elteren_test(same, sx, 3, same, sy, 3, &r, &err), HML_OK);
    assert_close(r.p, 1, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_stratum_is_the_plain_normal_approximation),
        cmocka_unit_test(strata_levels_do_not_count),
        cmocka_unit_test(a_shift_on_every_node_beats_the_spread_between_nodes),
        cmocka_unit_test(strata_without_both_samples_are_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
