#include "stats/describe.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/gsl_quiet.h"

double *stats_sorted_copy(const double *x, size_t n)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, x, n * sizeof *s);
    gsl_sort(s, 1, n);
    return s;
}

hml_status stats_describe(const double *x, size_t n, double level, stats_summary *out,
                          hml_err *err)
{
    stats_gsl_quiet();
    const double nan = NAN;
    *out = (stats_summary){.n = n, .mean = nan, .sd = nan, .median = nan, .mad = nan,
                           .min = nan, .max = nan, .q1 = nan, .q3 = nan, .whisker_lo = nan,
                           .whisker_hi = nan, .ci_lo = nan, .ci_hi = nan, .cv = nan};
    if (n == 0)
        return HML_OK;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return hml_fail(err, HML_EUSAGE, "value %zu of %zu is not a finite number", i + 1, n);
    double *s = stats_sorted_copy(x, n);
    double *work = malloc(n * sizeof *work);
    if (!s || !work) {
        free(s);
        free(work);
        return hml_fail(err, HML_ESYSTEM, "describe: out of memory");
    }
    out->mean = gsl_stats_mean(s, 1, n);
    out->min = s[0];
    out->max = s[n - 1];
    out->median = gsl_stats_median_from_sorted_data(s, 1, n);
    out->q1 = gsl_stats_quantile_from_sorted_data(s, 1, n, 0.25);
    out->q3 = gsl_stats_quantile_from_sorted_data(s, 1, n, 0.75);
    out->mad = gsl_stats_mad0(s, 1, n, work);
    double iqr = out->q3 - out->q1;
    out->whisker_lo = out->whisker_hi = out->median;
    for (size_t i = 0; i < n; i++)
        if (s[i] >= out->q1 - 1.5 * iqr) {
            out->whisker_lo = s[i];
            break;
        }
    for (size_t i = n; i-- > 0;)
        if (s[i] <= out->q3 + 1.5 * iqr) {
            out->whisker_hi = s[i];
            break;
        }
    if (n >= 2) {
        out->sd = gsl_stats_sd_m(s, 1, n, out->mean);
        double t = gsl_cdf_tdist_Pinv(0.5 + level / 2, (double)(n - 1));
        double half = t * out->sd / sqrt((double)n);
        out->ci_lo = out->mean - half;
        out->ci_hi = out->mean + half;
        if (out->mean != 0)
            out->cv = out->sd / fabs(out->mean);
    }
    free(s);
    free(work);
    return HML_OK;
}
