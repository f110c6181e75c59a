#include "stats/warnings.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "stats/describe.h"
#include "stats/gsl_quiet.h"

/* The median of x and the scale that turns x - median into a modified
 * z-score: MAD / 0.6745, or 1.253314 * MeanAD when MAD is 0. */
static hml_status center_and_scale(const double *x, size_t n, double *median, double *scale,
                                   hml_err *err)
{
    stats_gsl_quiet();
    double *s = stats_sorted_copy(x, n);
    double *work = malloc((n ? n : 1) * sizeof *work);
    if (!s || !work) {
        free(s);
        free(work);
        return hml_fail(err, HML_ESYSTEM, "warnings: out of memory");
    }
    *median = gsl_stats_median_from_sorted_data(s, 1, n);
    double mad = gsl_stats_mad0(s, 1, n, work);
    if (mad > 0) {
        *scale = mad / 0.6745;
    } else {
        double mean_ad = 0;
        for (size_t i = 0; i < n; i++)
            mean_ad += fabs(s[i] - *median);
        *scale = 1.253314 * mean_ad / (double)n;
    }
    free(s);
    free(work);
    return HML_OK;
}

hml_status stats_modified_z(const double *x, size_t n, double *z, hml_err *err)
{
    if (n == 0)
        return HML_OK;
    double median, scale;
    hml_status st = center_and_scale(x, n, &median, &scale, err);
    if (st != HML_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        z[i] = scale > 0 ? (x[i] - median) / scale : 0;
    return HML_OK;
}

hml_status stats_count_outliers(const double *x, size_t n, double threshold, size_t *count,
                                hml_err *err)
{
    *count = 0;
    if (n == 0)
        return HML_OK;
    double *z = malloc(n * sizeof *z);
    if (!z)
        return hml_fail(err, HML_ESYSTEM, "warnings: out of memory");
    hml_status st = stats_modified_z(x, n, z, err);
    for (size_t i = 0; st == HML_OK && i < n; i++)
        if (fabs(z[i]) > threshold)
            (*count)++;
    free(z);
    return st;
}

hml_status stats_first_run_effect(const double *x_in_run_order, size_t n, bool *effect,
                                  hml_err *err)
{
    *effect = false;
    if (n < 4)
        return HML_OK;
    double median, scale;
    hml_status st = center_and_scale(x_in_run_order + 1, n - 1, &median, &scale, err);
    if (st != HML_OK)
        return st;
    double first = x_in_run_order[0];
    if (first > median)
        *effect = scale > 0 ? (first - median) / scale > STATS_OUTLIER_Z : true;
    return HML_OK;
}
