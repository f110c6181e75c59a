#include "stats/cost_margin.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

#include "stats/gsl_quiet.h"

bool stats_log_moments_of(const double *x, size_t nx, const double *y, size_t ny,
                          stats_log_moments *out)
{
    if (nx < 2 || ny < 2)
        return false;
    const double *v[2] = {x, y};
    size_t n[2] = {nx, ny};
    double mean[2], var[2];
    for (int s = 0; s < 2; s++) {
        /* Welford: stable for the near-constant arms the tests meet */
        double m = 0, m2 = 0;
        for (size_t i = 0; i < n[s]; i++) {
            if (!(isfinite(v[s][i]) && v[s][i] > 0))
                return false;
            double l = log(v[s][i]), step = l - m;
            m += step / (double)(i + 1);
            m2 += step * (l - m);
        }
        mean[s] = m;
        var[s] = m2 / (double)(n[s] - 1);
    }
    *out = (stats_log_moments){.mean_x = mean[0], .var_x = var[0], .mean_y = mean[1],
                               .var_y = var[1], .nx = nx, .ny = ny};
    return true;
}

static double welch_df(const stats_log_moments *m)
{
    double a = m->var_x / (double)m->nx, b = m->var_y / (double)m->ny;
    return (a + b) * (a + b) /
           (a * a / (double)(m->nx - 1) + b * b / (double)(m->ny - 1));
}

void stats_log_change_of(const stats_log_moments *m, stats_log_change *out)
{
    double se = sqrt(m->var_x / (double)m->nx + m->var_y / (double)m->ny);
    *out = (stats_log_change){.d = m->mean_x - m->mean_y, .se = se,
                              .df = se > 0 ? welch_df(m) : NAN,
                              .runs_per_arm = 0.5 * (double)(m->nx + m->ny)};
}

void stats_cost_margin_of(const stats_log_change *c, double t, double alpha,
                          stats_cost_margin *out)
{
    stats_gsl_quiet();
    double d = c->d, se = c->se;
    double up = log1p(t), down = log1p(-t);
    *out = (stats_cost_margin){.margin = t, .change = expm1(d), .se = se};
    if (!(se > 0)) {
        out->df = NAN;
        out->lo = out->hi = out->change;
        out->p_over = d > up ? 0 : 1;
        out->p_under = d < up ? 0 : 1;
        out->p_above_minus = d > down ? 0 : 1;
    } else {
        out->df = c->df;
        double q = gsl_cdf_tdist_Qinv(alpha, out->df);
        out->lo = expm1(d - q * se);
        out->hi = expm1(d + q * se);
        out->p_over = gsl_cdf_tdist_Q((d - up) / se, out->df);
        out->p_under = gsl_cdf_tdist_P((d - up) / se, out->df);
        out->p_above_minus = gsl_cdf_tdist_Q((d - down) / se, out->df);
    }
    out->equivalent = out->p_under < alpha && out->p_above_minus < alpha;
}

void stats_cost_margin_test(const stats_log_moments *m, double t, double alpha,
                            stats_cost_margin *out)
{
    stats_log_change c;
    stats_log_change_of(m, &c);
    stats_cost_margin_of(&c, t, alpha, out);
}

size_t stats_cost_margin_runs_needed(const stats_cost_margin *c, const stats_log_moments *m,
                                     double alpha, size_t max_n)
{
    return stats_cost_margin_runs_needed_at(c, 0.5 * (double)(m->nx + m->ny), alpha, max_n);
}

size_t stats_cost_margin_runs_needed_at(const stats_cost_margin *c, double runs_per_arm,
                                        double alpha, size_t max_n)
{
    if (!(c->se > 0))
        return 0;
    double gap = fabs(log1p(c->change) - log1p(c->margin));
    double half = gsl_cdf_tdist_Qinv(alpha, c->df) * c->se;
    if (half < gap)
        return 0;
    if (!(gap > 0))
        return 0;
    double n = ceil(runs_per_arm * (half / gap) * (half / gap));
    return n <= (double)max_n ? (size_t)n : 0;
}
