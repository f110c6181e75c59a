/* Is a smell's cost larger than the smallest cost of interest? Tests on the
 * relative change of a cost metric against a margin, the way TOST tests
 * accuracy against its margin.
 *
 * The change is the ratio of geometric means minus one, exp(d) - 1 with
 * d = mean(log x) - mean(log y) (x: smell, y: baseline), so a margin of t is
 * log(1 + t) on the log scale and Welch's t-test applies there: costs are
 * positive and their noise is multiplicative (a busy machine slows a run by
 * a share, not by seconds). */
#ifndef HMLCOST_STATS_COST_MARGIN_H
#define HMLCOST_STATS_COST_MARGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* What the log values of the two arms say: their means, variances, sizes. */
typedef struct stats_log_moments {
    double mean_x, var_x, mean_y, var_y;
    size_t nx, ny;
} stats_log_moments;

typedef struct stats_cost_margin {
    double margin;        /* t, the smallest cost of interest (0.02 = 2 %) */
    double change;        /* exp(d) - 1 */
    double lo, hi;        /* the (1 - 2 alpha) Welch interval of the change */
    double p_over;        /* one-sided, H0: change <= +t (a cost above t is claimed) */
    double p_under;       /* one-sided, H0: change >= +t (below t is claimed) */
    double p_above_minus; /* one-sided, H0: change <= -t */
    bool equivalent;      /* p_under and p_above_minus < alpha: within +-t (TOST) */
    double se, df;        /* of d; se = 0: both arms constant, the change is exact */
} stats_cost_margin;

/* The estimate the tests read: d, the change on the log scale, its standard
 * error and the t distribution's degrees of freedom. From two arms' moments
 * (Welch), or combined over nodes (stats/stratified_change.h). */
typedef struct stats_log_change {
    double d, se, df;    /* se = 0: exact (df NaN) */
    double runs_per_arm; /* the runs behind it, per arm on average */
} stats_log_change;

/* The moments of log(x) and log(y); false when a value is not finite and
 * positive or an arm has fewer than 2 values. */
bool stats_log_moments_of(const double *x, size_t nx, const double *y, size_t ny,
                          stats_log_moments *out);

/* Welch's estimate from the moments: d = mean_x - mean_y, se^2 = var_x / nx +
 * var_y / ny, Welch-Satterthwaite df. */
void stats_log_change_of(const stats_log_moments *m, stats_log_change *out);

/* The tests at level alpha against margin t in (0, 0.9]. With se = 0 the
 * change is exact: each p is 0 when the claim holds, else 1. */
void stats_cost_margin_of(const stats_log_change *c, double t, double alpha,
                          stats_cost_margin *out);

/* stats_cost_margin_of on Welch's estimate from the moments. */
void stats_cost_margin_test(const stats_log_moments *m, double t, double alpha,
                            stats_cost_margin *out);

/* Runs per arm at which the interval would no longer hold the margin
 * (assuming the spread stays as measured: the half-width shrinks as
 * 1/sqrt(n)); 0 when the interval already excludes it or no n up to
 * max_n would do. */
size_t stats_cost_margin_runs_needed(const stats_cost_margin *c, const stats_log_moments *m,
                                     double alpha, size_t max_n);

/* The same from the runs per arm behind the estimate now. */
size_t stats_cost_margin_runs_needed_at(const stats_cost_margin *c, double runs_per_arm,
                                        double alpha, size_t max_n);

#endif
