/* The checks behind the report's warnings, as hyperfine and pyperf give them:
 * outliers, high variance, a first-run effect. */
#ifndef HMLCOST_STATS_WARNINGS_H
#define HMLCOST_STATS_WARNINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define STATS_OUTLIER_Z 3.5 /* Iglewicz & Hoaglin's cut-off for the modified z-score */
#define STATS_HIGH_CV 0.10  /* coefficient of variation above which we warn */

/* Modified z-scores z[i] = 0.6745 (x[i] - median) / MAD. When MAD is 0 (more
 * than half the values equal) the mean absolute deviation from the median,
 * scaled by 1.253314, takes its place; when that is 0 too, every z is 0. */
hml_status stats_modified_z(const double *x, size_t n, double *z, hml_err *err);

/* Number of values whose |modified z| exceeds threshold (e.g. STATS_OUTLIER_Z). */
hml_status stats_count_outliers(const double *x, size_t n, double threshold, size_t *count,
                                hml_err *err);

/* A first-run effect: with x in the order the runs were made (n >= 4), the
 * first value lies above the others and is an outlier among them: its
 * modified z-score against x[1..n) exceeds STATS_OUTLIER_Z. */
hml_status stats_first_run_effect(const double *x_in_run_order, size_t n, bool *effect,
                                  hml_err *err);

#endif
