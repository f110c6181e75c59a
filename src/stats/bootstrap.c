#include "stats/bootstrap.h"

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "stats/gsl_quiet.h"

static double resampled_mean(const gsl_rng *rng, const double *v, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[gsl_rng_uniform_int(rng, n)];
    return sum / (double)n;
}

static void percentile_interval(double *values, size_t n, double level, double *lo, double *hi)
{
    gsl_sort(values, 1, n);
    *lo = gsl_stats_quantile_from_sorted_data(values, 1, n, (1 - level) / 2);
    *hi = gsl_stats_quantile_from_sorted_data(values, 1, n, (1 + level) / 2);
}

hml_status stats_bootstrap_means(const double *x, size_t nx, const double *y, size_t ny,
                                 size_t resamples, unsigned long seed, double level,
                                 stats_bootstrap *out, hml_err *err)
{
    stats_gsl_quiet();
    if (nx == 0 || ny == 0)
        return hml_fail(err, HML_EUSAGE, "bootstrap: a sample is empty");
    if (resamples < 100)
        return hml_fail(err, HML_EUSAGE, "bootstrap: %zu resamples is too few (at least 100)",
                        resamples);
    if (!(level > 0 && level < 1))
        return hml_fail(err, HML_EUSAGE, "bootstrap: confidence level %g is not in (0, 1)", level);
    double mx = gsl_stats_mean(x, 1, nx), my = gsl_stats_mean(y, 1, ny);
    *out = (stats_bootstrap){.diff = mx - my, .ratio = my != 0 ? mx / my : NAN,
                             .resamples = resamples, .ratio_lo = NAN, .ratio_hi = NAN};
    double *diffs = malloc(resamples * sizeof *diffs);
    double *ratios = malloc(resamples * sizeof *ratios);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!diffs || !ratios || !rng) {
        free(diffs);
        free(ratios);
        if (rng)
            gsl_rng_free(rng);
        return hml_fail(err, HML_ESYSTEM, "bootstrap: out of memory");
    }
    gsl_rng_set(rng, seed);
    size_t n_ratios = 0;
    for (size_t b = 0; b < resamples; b++) {
        double bx = resampled_mean(rng, x, nx);
        double by = resampled_mean(rng, y, ny);
        diffs[b] = bx - by;
        if (by != 0)
            ratios[n_ratios++] = bx / by;
    }
    percentile_interval(diffs, resamples, level, &out->diff_lo, &out->diff_hi);
    if (my != 0 && n_ratios * 2 > resamples)
        percentile_interval(ratios, n_ratios, level, &out->ratio_lo, &out->ratio_hi);
    free(diffs);
    free(ratios);
    gsl_rng_free(rng);
    return HML_OK;
}
