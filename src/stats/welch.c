#include "stats/welch.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

#include "stats/gsl_quiet.h"

typedef struct welch_parts {
    double diff, se, df;
} welch_parts;

static hml_status welch_parts_of(const double *x, size_t nx, const double *y, size_t ny,
                                 welch_parts *w, hml_err *err)
{
    stats_gsl_quiet();
    if (nx < 2 || ny < 2)
        return hml_fail(err, HML_EUSAGE, "welch: need at least 2 values per sample (have %zu, %zu)",
                        nx, ny);
    double mx = gsl_stats_mean(x, 1, nx), my = gsl_stats_mean(y, 1, ny);
    double vx = gsl_stats_variance_m(x, 1, nx, mx) / (double)nx;
    double vy = gsl_stats_variance_m(y, 1, ny, my) / (double)ny;
    w->diff = mx - my;
    w->se = sqrt(vx + vy);
    double denom = vx * vx / (double)(nx - 1) + vy * vy / (double)(ny - 1);
    w->df = denom > 0 ? (vx + vy) * (vx + vy) / denom : NAN;
    return HML_OK;
}

hml_status stats_welch_test(const double *x, size_t nx, const double *y, size_t ny,
                            stats_welch *out, hml_err *err)
{
    welch_parts w;
    hml_status st = welch_parts_of(x, nx, y, ny, &w, err);
    if (st != HML_OK)
        return st;
    *out = (stats_welch){.diff = w.diff, .se = w.se, .df = w.df};
    if (w.se == 0) {
        out->t = w.diff == 0 ? NAN : copysign(INFINITY, w.diff);
        out->p = w.diff == 0 ? 1 : 0;
        return HML_OK;
    }
    out->t = w.diff / w.se;
    out->p = fmin(1, 2 * gsl_cdf_tdist_Q(fabs(out->t), w.df));
    return HML_OK;
}

void stats_tost_of(double diff, double se, double df, double margin, double alpha,
                   stats_tost *out)
{
    stats_gsl_quiet();
    *out = (stats_tost){.diff = diff, .margin = margin};
    if (!(se > 0)) {
        out->p_lower = diff > -margin ? 0 : 1;
        out->p_upper = diff < margin ? 0 : 1;
        out->ci_lo = out->ci_hi = diff;
    } else {
        out->p_lower = gsl_cdf_tdist_Q((diff + margin) / se, df);
        out->p_upper = gsl_cdf_tdist_P((diff - margin) / se, df);
        double t = gsl_cdf_tdist_Pinv(1 - alpha, df);
        out->ci_lo = diff - t * se;
        out->ci_hi = diff + t * se;
    }
    out->p = fmax(out->p_lower, out->p_upper);
    out->equivalent = out->p < alpha;
}

hml_status stats_tost_test(const double *x, size_t nx, const double *y, size_t ny, double margin,
                           double alpha, stats_tost *out, hml_err *err)
{
    welch_parts w;
    hml_status st = welch_parts_of(x, nx, y, ny, &w, err);
    if (st != HML_OK)
        return st;
    stats_tost_of(w.diff, w.se, w.df, margin, alpha, out);
    return HML_OK;
}

static double welch_df(double vx, double vy, size_t nx, size_t ny)
{
    double denom = vx * vx / (double)(nx - 1) + vy * vy / (double)(ny - 1);
    return (vx + vy) * (vx + vy) / denom;
}

double stats_welch_power(double diff, double sx, double sy, size_t nx, size_t ny, double alpha)
{
    stats_gsl_quiet();
    if (nx < 2 || ny < 2)
        return NAN;
    double vx = sx * sx / (double)nx, vy = sy * sy / (double)ny;
    if (!(vx + vy > 0))
        return NAN;
    double df = welch_df(vx, vy, nx, ny);
    double shift = fabs(diff) / sqrt(vx + vy);
    double crit = gsl_cdf_tdist_Pinv(1 - alpha / 2, df);
    return gsl_cdf_tdist_Q(crit - shift, df) + gsl_cdf_tdist_P(-crit - shift, df);
}

size_t stats_welch_n_for_power(double diff, double sx, double sy, double alpha, double power,
                               size_t max_n)
{
    /* Power grows with n: bisect on [2, max_n]. */
    double top = stats_welch_power(diff, sx, sy, max_n, max_n, alpha);
    if (max_n < 2 || isnan(top) || top < power)
        return 0;
    size_t lo = 2, hi = max_n; /* invariant: power(hi) >= power */
    if (stats_welch_power(diff, sx, sy, lo, lo, alpha) >= power)
        return lo;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (stats_welch_power(diff, sx, sy, mid, mid, alpha) >= power)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}
