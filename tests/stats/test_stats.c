/* The statistics room against reference values. Every number below was
 * computed once, outside hmlcost, by tests/stats/make_reference.py with SciPy
 * 1.10.1 / statsmodels 0.13.5; the comment by each names the exact call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "stats/bootstrap.h"
#include "stats/cliff.h"
#include "stats/describe.h"
#include "stats/holm.h"
#include "stats/mann_whitney.h"
#include "stats/warnings.h"
#include "stats/welch.h"

#include "assert_close.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* relative tolerance for p-values and statistics that SciPy and GSL compute
 * by different algorithms */
#define assert_rel(actual, expected, rel) assert_close(actual, expected, fabs(expected) * (rel))

/* Sample A: no ties, 10 vs 10 (smell vs baseline energy, kJ). */
static const double a_smell[] = {61.2, 63.5, 60.8, 64.1, 62.7, 59.9, 65.3, 62.2, 63.9, 61.7};
static const double a_base[] = {55.1, 57.3, 54.8, 58.2, 56.4, 60.1, 55.9, 57.8, 53.9, 56.6};
/* Sample B: many ties, 8 vs 7. */
static const double b_x[] = {3, 5, 5, 7, 7, 7, 9, 12};
static const double b_y[] = {1, 3, 3, 5, 5, 7, 8};
/* Sample C: 30 vs 28 integers with ties (numpy default_rng(7), rounded normals). */
static const double c_x[] = {11, 11, 10, 9, 10, 9, 11, 13, 10, 9, 11, 11, 11, 9, 10,
                             12, 8, 10, 7, 8, 7, 10, 8, 11, 11, 10, 5, 9, 10, 11};
static const double c_y[] = {6, 9, 8, 8, 12, 8, 9, 11, 8, 9, 10, 10, 7, 10,
                             12, 6, 11, 10, 8, 14, 11, 7, 10, 11, 9, 11, 9, 11};
/* Accuracy, 0..1. */
static const double acc_smell[] = {0.712, 0.708, 0.715, 0.711, 0.709,
                                   0.713, 0.710, 0.714, 0.712, 0.707};
static const double acc_base[] = {0.713, 0.710, 0.716, 0.709, 0.712,
                                  0.714, 0.711, 0.713, 0.708, 0.712};

static void describe_matches_numpy(void **state)
{
    (void)state;
    stats_summary s;
    hml_err err;
    assert_int_equal(stats_describe(a_smell, N(a_smell), 0.95, &s, &err), HML_OK);
    assert_int_equal(s.n, 10);
    assert_close(s.mean, 62.53000000000001, 1e-12);    /* numpy mean */
    assert_close(s.sd, 1.6819631387161837, 1e-12);     /* np.std(ddof=1) */
    assert_close(s.median, 62.45, 1e-12);              /* np.median */
    assert_close(s.q1, 61.325, 1e-12);                 /* np.percentile(x, 25) */
    assert_close(s.q3, 63.8, 1e-12);                   /* np.percentile(x, 75) */
    assert_close(s.mad, 1.3499999999999979, 1e-12);    /* median_abs_deviation(scale=1) */
    assert_close(s.ci_lo, 61.32679605316172, 1e-9);    /* stats.t.interval(0.95, 9, ...) */
    assert_close(s.ci_hi, 63.733203946838294, 1e-9);
    assert_close(s.min, 59.9, 0);
    assert_close(s.max, 65.3, 0);
    assert_close(s.cv, 1.6819631387161837 / 62.53000000000001, 1e-12);
    /* no value lies beyond 1.5 IQR, so the whiskers reach the extremes */
    assert_close(s.whisker_lo, 59.9, 0);
    assert_close(s.whisker_hi, 65.3, 0);
}

static void describe_edge_cases(void **state)
{
    (void)state;
    stats_summary s;
    hml_err err;
    assert_int_equal(stats_describe(NULL, 0, 0.95, &s, &err), HML_OK);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean));
    const double one[] = {4.0};
    assert_int_equal(stats_describe(one, 1, 0.95, &s, &err), HML_OK);
    assert_close(s.mean, 4.0, 0);
    assert_true(isnan(s.sd) && isnan(s.ci_lo));
    const double outlier[] = {1, 2, 3, 4, 100};
    assert_int_equal(stats_describe(outlier, 5, 0.95, &s, &err), HML_OK);
    assert_close(s.whisker_hi, 4, 0); /* 100 is beyond q3 + 1.5 IQR = 4 + 3 */
    const double bad[] = {1, NAN};
    assert_int_equal(stats_describe(bad, 2, 0.95, &s, &err), HML_EUSAGE);
}

static void mann_whitney_exact_without_ties_matches_scipy(void **state)
{
    (void)state;
    stats_mwu r;
    hml_err err;
    assert_int_equal(stats_mann_whitney(a_smell, 10, a_base, 10, &r, &err), HML_OK);
    /* scipy.stats.mannwhitneyu(a_smell, a_base, method='exact') */
    assert_close(r.u, 99.0, 0);
    assert_rel(r.p, 2.165017644893806e-05, 1e-9);
    assert_true(r.exact);
    assert_false(r.ties);
    /* swapping the samples gives U2 = n1 n2 - U1 and the same p */
    assert_int_equal(stats_mann_whitney(a_base, 10, a_smell, 10, &r, &err), HML_OK);
    assert_close(r.u, 1.0, 0);
    assert_rel(r.p, 2.165017644893806e-05, 1e-9);
}

static void mann_whitney_exact_with_ties_matches_permutation_test(void **state)
{
    (void)state;
    stats_mwu r;
    hml_err err;
    assert_int_equal(stats_mann_whitney(b_x, N(b_x), b_y, N(b_y), &r, &err), HML_OK);
    /* scipy.stats.permutation_test((b_x, b_y), U, permutation_type='independent',
     * n_resamples=np.inf, alternative='two-sided'), also by brute force over all
     * C(15, 8) splits: 0.15073815073815075 */
    assert_close(r.u, 40.5, 0);
    assert_rel(r.p, 0.15073815073815075, 1e-12);
    assert_true(r.exact);
    assert_true(r.ties);
}

/* Brute force: every way to choose which nx of the pooled values are "x". */
static double brute_force_p(const double *x, size_t nx, const double *y, size_t ny)
{
    size_t n = nx + ny;
    double pooled[16], rank[16];
    for (size_t i = 0; i < n; i++)
        pooled[i] = i < nx ? x[i] : y[i - nx];
    for (size_t i = 0; i < n; i++) {
        double below = 0, equal = 0;
        for (size_t j = 0; j < n; j++) {
            below += pooled[j] < pooled[i];
            equal += pooled[j] == pooled[i];
        }
        rank[i] = below + (equal + 1) / 2;
    }
    double observed = 0;
    for (size_t i = 0; i < nx; i++)
        observed += rank[i];
    double le = 0, ge = 0, all = 0;
    for (unsigned mask = 0; mask < (1u << n); mask++) {
        if ((size_t)__builtin_popcount(mask) != nx)
            continue;
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            if (mask & (1u << i))
                sum += rank[i];
        all++;
        le += sum <= observed + 1e-9;
        ge += sum >= observed - 1e-9;
    }
    return fmin(1, 2 * fmin(le, ge) / all);
}

static void mann_whitney_exact_agrees_with_brute_force_on_random_ties(void **state)
{
    (void)state;
    srand(12345);
    for (int trial = 0; trial < 60; trial++) {
        size_t nx = 2 + (size_t)(rand() % 7), ny = 2 + (size_t)(rand() % 6);
        double x[8], y[8];
        int levels = 2 + rand() % 5; /* few distinct values: many ties */
        for (size_t i = 0; i < nx; i++)
            x[i] = rand() % levels;
        for (size_t i = 0; i < ny; i++)
            y[i] = rand() % levels + (trial % 3 == 0 ? 1 : 0);
        stats_mwu r;
        hml_err err;
        assert_int_equal(stats_mann_whitney(x, nx, y, ny, &r, &err), HML_OK);
        assert_close(r.p, brute_force_p(x, nx, y, ny), 1e-12);
    }
}

static void mann_whitney_normal_approximation_matches_scipy(void **state)
{
    (void)state;
    stats_mwu r;
    hml_err err;
    assert_int_equal(stats_mann_whitney(c_x, N(c_x), c_y, N(c_y), &r, &err), HML_OK);
    /* scipy.stats.mannwhitneyu(c_x, c_y, method='asymptotic', use_continuity=True) */
    assert_false(r.exact);
    assert_close(r.u, 466.0, 0);
    assert_rel(r.p, 0.47072042691846117, 1e-9);
}

static void mann_whitney_all_tied_and_empty(void **state)
{
    (void)state;
    const double same[] = {5, 5, 5};
    stats_mwu r;
    hml_err err;
    assert_int_equal(stats_mann_whitney(same, 3, same, 3, &r, &err), HML_OK);
    assert_close(r.p, 1, 0);
    assert_int_equal(stats_mann_whitney(same, 0, same, 3, &r, &err), HML_EUSAGE);
}

static void welch_matches_scipy(void **state)
{
    (void)state;
    stats_welch w;
    hml_err err;
    assert_int_equal(stats_welch_test(a_smell, 10, a_base, 10, &w, &err), HML_OK);
    /* scipy.stats.ttest_ind(a_smell, a_base, equal_var=False) */
    assert_rel(w.t, 7.538021082798379, 1e-12);
    assert_rel(w.p, 5.906976578818907e-07, 1e-7);
    assert_int_equal(stats_welch_test(b_x, N(b_x), b_y, N(b_y), &w, &err), HML_OK);
    assert_rel(w.t, 1.7195924412003685, 1e-12);
    assert_rel(w.p, 0.10922291890384367, 1e-9);
}

static void welch_with_zero_variance(void **state)
{
    (void)state;
    const double x[] = {0.7, 0.7, 0.7}, y[] = {0.6, 0.6, 0.6};
    stats_welch w;
    hml_err err;
    assert_int_equal(stats_welch_test(x, 3, y, 3, &w, &err), HML_OK);
    assert_close(w.p, 0, 0);
    assert_int_equal(stats_welch_test(x, 3, x, 3, &w, &err), HML_OK);
    assert_close(w.p, 1, 0);
    assert_int_equal(stats_welch_test(x, 1, y, 3, &w, &err), HML_EUSAGE);
}

static void tost_matches_two_one_sided_scipy_tests(void **state)
{
    (void)state;
    stats_tost t;
    hml_err err;
    assert_int_equal(stats_tost_test(acc_smell, 10, acc_base, 10, 0.01, 0.05, &t, &err), HML_OK);
    /* ttest_ind(x + 0.01, y, equal_var=False, alternative='greater').pvalue and
     * ttest_ind(x - 0.01, y, equal_var=False, alternative='less').pvalue */
    assert_rel(t.p_lower, 7.364148324227412e-08, 1e-6);
    assert_rel(t.p_upper, 9.299999381762503e-09, 1e-6);
    assert_true(t.equivalent);
    assert_true(t.ci_lo > -0.01 && t.ci_hi < 0.01);
    /* energy A differs by ~6 kJ: not equivalent within 1 kJ */
    assert_int_equal(stats_tost_test(a_smell, 10, a_base, 10, 1.0, 0.05, &t, &err), HML_OK);
    assert_rel(t.p_lower, 3.1864818008912556e-08, 1e-6);
    assert_rel(t.p_upper, 0.9999966040662057, 1e-9);
    assert_false(t.equivalent);
}

static void tost_with_identical_accuracy(void **state)
{
    (void)state;
    /* a fixed seed on a deterministic backend: every run has the same accuracy */
    const double x[] = {0.71, 0.71, 0.71, 0.71}, y[] = {0.71, 0.71, 0.71};
    stats_tost t;
    hml_err err;
    assert_int_equal(stats_tost_test(x, 4, y, 3, 0.01, 0.05, &t, &err), HML_OK);
    assert_true(t.equivalent);
    const double z[] = {0.69, 0.69, 0.69};
    assert_int_equal(stats_tost_test(x, 4, z, 3, 0.01, 0.05, &t, &err), HML_OK);
    assert_false(t.equivalent); /* exactly 2 pp apart */
}

static void cliff_delta_by_definition(void **state)
{
    (void)state;
    /* sum(sign(x_i - y_j)) / (nx ny), computed in make_reference.py */
    assert_close(stats_cliff_delta(b_x, N(b_x), b_y, N(b_y)), 0.44642857142857145, 1e-15);
    assert_close(stats_cliff_delta(a_smell, 10, a_base, 10), 0.98, 1e-15); /* U = 99 of 100 */
    assert_close(stats_cliff_delta(a_base, 10, a_smell, 10), -0.98, 1e-15);
    assert_int_equal(stats_cliff_magnitude(0.146), STATS_NEGLIGIBLE);
    assert_int_equal(stats_cliff_magnitude(0.147), STATS_SMALL);
    assert_int_equal(stats_cliff_magnitude(-0.32), STATS_SMALL);
    assert_int_equal(stats_cliff_magnitude(0.33), STATS_MEDIUM);
    assert_int_equal(stats_cliff_magnitude(0.473), STATS_MEDIUM);
    assert_int_equal(stats_cliff_magnitude(0.474), STATS_LARGE);
    assert_string_equal(stats_magnitude_name(STATS_LARGE), "large");
}

static void bootstrap_agrees_with_scipy_within_monte_carlo_error(void **state)
{
    (void)state;
    stats_bootstrap b;
    hml_err err;
    assert_int_equal(stats_bootstrap_means(a_smell, 10, a_base, 10, 10000, 1, 0.95, &b, &err),
                     HML_OK);
    assert_close(b.diff, 62.53 - 56.61, 1e-9);
    /* scipy.stats.bootstrap((a_smell, a_base), mean diff / mean ratio,
     * method='percentile', n_resamples=10000, random_state=1): another
     * generator, so agreement within Monte Carlo error (a few % of the width) */
    assert_close(b.diff_lo, 4.410000000000011, 0.08);
    assert_close(b.diff_hi, 7.390250000000011, 0.08);
    assert_close(b.ratio_lo, 1.0768962510897995, 0.0015);
    assert_close(b.ratio_hi, 1.1325434272073607, 0.0015);
    /* seeded: the same seed gives the same interval, another seed another */
    stats_bootstrap again, other;
    assert_int_equal(stats_bootstrap_means(a_smell, 10, a_base, 10, 10000, 1, 0.95, &again, &err),
                     HML_OK);
    assert_close(again.diff_lo, b.diff_lo, 0);
    assert_close(again.ratio_hi, b.ratio_hi, 0);
    assert_int_equal(stats_bootstrap_means(a_smell, 10, a_base, 10, 10000, 2, 0.95, &other, &err),
                     HML_OK);
    assert_true(other.diff_lo != b.diff_lo || other.diff_hi != b.diff_hi);
}

static void bootstrap_ratio_undefined_for_zero_baseline(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3}, zero[] = {0, 0, 0};
    stats_bootstrap b;
    hml_err err;
    assert_int_equal(stats_bootstrap_means(x, 3, zero, 3, 1000, 1, 0.95, &b, &err), HML_OK);
    assert_true(isnan(b.ratio) && isnan(b.ratio_lo) && isnan(b.ratio_hi));
    assert_close(b.diff, 2, 1e-12);
    assert_int_equal(stats_bootstrap_means(x, 3, zero, 3, 10, 1, 0.95, &b, &err), HML_EUSAGE);
}

static void holm_matches_statsmodels(void **state)
{
    (void)state;
    const double p[] = {0.01, 0.04, 0.03, 0.005, 0.2, 0.04};
    /* statsmodels.stats.multitest.multipletests(p, method='holm')[1] */
    const double expected[] = {0.05, 0.12, 0.12, 0.03, 0.2, 0.12};
    double adj[6];
    hml_err err;
    assert_int_equal(stats_holm(p, 6, adj, &err), HML_OK);
    for (size_t i = 0; i < 6; i++)
        assert_close(adj[i], expected[i], 1e-15);
    const double bad[] = {0.5, NAN};
    assert_int_equal(stats_holm(bad, 2, adj, &err), HML_EINTERNAL);
}

static void welch_power_close_to_noncentral_t(void **state)
{
    (void)state;
    /* statsmodels TTestIndPower().power(effect_size=d, nobs1=n, ratio=1,
     * alpha=0.05) (exact noncentral t); ours approximates within 0.02 */
    assert_close(stats_welch_power(0.8, 1, 1, 10, 10, 0.05), 0.3950692121136683, 0.02);
    assert_close(stats_welch_power(1.5, 1, 1, 10, 10, 0.05), 0.8869702022546845, 0.02);
    assert_close(stats_welch_power(1.0, 2, 2, 20, 20, 0.05), 0.33793902869253206, 0.02);
    assert_close(stats_welch_power(4.0, 2, 2, 5, 5, 0.05), 0.7905423780177139, 0.02);
    /* TTestIndPower().solve_power(effect_size=0.8, power=0.8) = 25.52 per arm */
    size_t n = stats_welch_n_for_power(0.8, 1, 1, 0.05, 0.8, 10000);
    assert_true(n >= 25 && n <= 27);
    assert_true(isnan(stats_welch_power(1, 0, 0, 10, 10, 0.05)));
    assert_int_equal(stats_welch_n_for_power(0.0001, 1, 1, 0.05, 0.8, 1000), 0);
}

static void outliers_and_first_run(void **state)
{
    (void)state;
    const double times[] = {14.9, 10.1, 10.0, 10.2, 9.9, 10.1, 10.0, 10.3};
    size_t count = 0;
    hml_err err;
    assert_int_equal(stats_count_outliers(times, N(times), STATS_OUTLIER_Z, &count, &err), HML_OK);
    assert_int_equal(count, 1);
    bool first = false;
    assert_int_equal(stats_first_run_effect(times, N(times), &first, &err), HML_OK);
    assert_true(first);
    const double later[] = {10.1, 10.0, 14.9, 10.2, 9.9, 10.1, 10.0, 10.3};
    assert_int_equal(stats_first_run_effect(later, N(later), &first, &err), HML_OK);
    assert_false(first);
    /* modified z by hand: median 10.1, MAD 0.1 -> z(14.9) = 0.6745 * 4.8 / 0.1 */
    double z[8];
    assert_int_equal(stats_modified_z(later, 8, z, &err), HML_OK);
    assert_close(z[2], 0.6745 * 4.8 / 0.1, 1e-9);
    /* MAD 0: falls back to the mean absolute deviation */
    const double flat[] = {5, 5, 5, 5, 9};
    assert_int_equal(stats_count_outliers(flat, 5, STATS_OUTLIER_Z, &count, &err), HML_OK);
    assert_int_equal(count, 1);
    const double same[] = {5, 5, 5, 5};
    assert_int_equal(stats_count_outliers(same, 4, STATS_OUTLIER_Z, &count, &err), HML_OK);
    assert_int_equal(count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(describe_matches_numpy),
        cmocka_unit_test(describe_edge_cases),
        cmocka_unit_test(mann_whitney_exact_without_ties_matches_scipy),
        cmocka_unit_test(mann_whitney_exact_with_ties_matches_permutation_test),
        cmocka_unit_test(mann_whitney_exact_agrees_with_brute_force_on_random_ties),
        cmocka_unit_test(mann_whitney_normal_approximation_matches_scipy),
        cmocka_unit_test(mann_whitney_all_tied_and_empty),
        cmocka_unit_test(welch_matches_scipy),
        cmocka_unit_test(welch_with_zero_variance),
        cmocka_unit_test(tost_matches_two_one_sided_scipy_tests),
        cmocka_unit_test(tost_with_identical_accuracy),
        cmocka_unit_test(cliff_delta_by_definition),
        cmocka_unit_test(bootstrap_agrees_with_scipy_within_monte_carlo_error),
        cmocka_unit_test(bootstrap_ratio_undefined_for_zero_baseline),
        cmocka_unit_test(holm_matches_statsmodels),
        cmocka_unit_test(welch_power_close_to_noncentral_t),
        cmocka_unit_test(outliers_and_first_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
