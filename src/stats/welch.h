/* Welch's t-test, two one-sided tests (TOST) for equivalence, and the power
 * of Welch's test. x is the treatment (smell), y the control (baseline);
 * differences are mean(x) - mean(y). */
#ifndef HMLCOST_STATS_WELCH_H
#define HMLCOST_STATS_WELCH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct stats_welch {
    double diff; /* mean(x) - mean(y) */
    double se;   /* sqrt(var(x)/nx + var(y)/ny) */
    double t;    /* diff / se */
    double df;   /* Welch-Satterthwaite degrees of freedom */
    double p;    /* two-sided */
} stats_welch;

/* Welch's unequal-variances t-test (nx, ny >= 2), as
 * scipy.stats.ttest_ind(x, y, equal_var=False). When both samples have zero
 * variance, se = 0: p = 1 if the means are equal, else 0 (the difference is
 * exact), and t, df are infinite / NaN. */
hml_status stats_welch_test(const double *x, size_t nx, const double *y, size_t ny,
                            stats_welch *out, hml_err *err);

typedef struct stats_tost {
    double diff;         /* mean(x) - mean(y) */
    double margin;       /* equivalence region (-margin, +margin) */
    double p_lower;      /* H0: diff <= -margin, Welch one-sided */
    double p_upper;      /* H0: diff >= +margin, Welch one-sided */
    double p;            /* max(p_lower, p_upper) */
    double ci_lo, ci_hi; /* the (1 - 2 alpha) Welch interval of diff */
    bool equivalent;     /* p < alpha */
} stats_tost;

/* Two one-sided Welch tests at level alpha, as two calls of
 * scipy.stats.ttest_ind(x + margin, y, equal_var=False, alternative='greater')
 * and ttest_ind(x - margin, y, equal_var=False, alternative='less').
 * With zero variance in both samples the difference is exact: equivalent iff
 * |diff| < margin. */
hml_status stats_tost_test(const double *x, size_t nx, const double *y, size_t ny, double margin,
                           double alpha, stats_tost *out, hml_err *err);

/* The same two tests from an estimated difference, its standard error and
 * the t distribution's degrees of freedom (e.g. a difference combined over
 * nodes, stats/stratified_change.h); se = 0: exact. */
void stats_tost_of(double diff, double se, double df, double margin, double alpha,
                   stats_tost *out);

/* Power of a two-sided Welch test at level alpha to detect a true difference
 * `diff` when the samples have standard deviations sx, sy and sizes nx, ny:
 * P(|T| > t_crit) with T ~ t(df) + diff/se, i.e. the noncentral t replaced by a
 * shifted central t (accurate to about 0.02 for n >= 5 per arm; checked
 * against statsmodels' exact noncentral-t power in tests/stats). NaN when
 * sx = sy = 0. */
double stats_welch_power(double diff, double sx, double sy, size_t nx, size_t ny, double alpha);

/* The smallest equal n per arm (>= 2) at which stats_welch_power reaches
 * `power`; 0 when not reached by max_n. */
size_t stats_welch_n_for_power(double diff, double sx, double sy, double alpha, double power,
                               size_t max_n);

#endif
