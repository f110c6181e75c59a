/* Descriptive statistics of one sample (one arm, one metric). */
#ifndef HMLCOST_STATS_DESCRIBE_H
#define HMLCOST_STATS_DESCRIBE_H

#include <stddef.h>

#include "common/error.h"

typedef struct stats_summary {
    size_t n;
    double mean;
    double sd;     /* sample standard deviation (n - 1); NaN when n < 2 */
    double median;
    double mad;    /* raw median absolute deviation from the median (not scaled) */
    double min, max;
    double q1, q3; /* quartiles, linear interpolation between order statistics
                      (R type 7, numpy's default) */
    double whisker_lo, whisker_hi; /* Tukey: most extreme values within 1.5 IQR of the box */
    double ci_lo, ci_hi; /* confidence interval of the mean from Student's t (n - 1 df);
                            NaN when n < 2 */
    double cv;     /* sd / |mean|; NaN when the mean is 0 or n < 2 */
} stats_summary;

/* Describes x[0..n) (any order; x is not modified). level is the confidence
 * level of the mean's interval, e.g. 0.95. n == 0 gives n = 0 and NaN
 * everywhere. Fails only when memory runs out or a value is not finite. */
hml_status stats_describe(const double *x, size_t n, double level, stats_summary *out,
                          hml_err *err);

/* Copies x into a new sorted array (caller frees); NULL when out of memory. */
double *stats_sorted_copy(const double *x, size_t n);

#endif
