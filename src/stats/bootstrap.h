/* Bootstrap confidence intervals for the difference and the ratio of two
 * means (treatment x over control y). */
#ifndef HMLCOST_STATS_BOOTSTRAP_H
#define HMLCOST_STATS_BOOTSTRAP_H

#include <stddef.h>

#include "common/error.h"

#define STATS_BOOTSTRAP_DEFAULT_RESAMPLES 10000
#define STATS_BOOTSTRAP_DEFAULT_SEED 20240101UL

typedef struct stats_bootstrap {
    double diff, diff_lo, diff_hi;    /* mean(x) - mean(y) and its interval */
    double ratio, ratio_lo, ratio_hi; /* mean(x) / mean(y); NaN when mean(y) is 0 */
    size_t resamples;
} stats_bootstrap;

/* Percentile interval at `level` (e.g. 0.95) from `resamples` stratified
 * resamples: each resample draws nx values from x and ny from y with
 * replacement. The generator is GSL's MT19937 seeded with `seed`, so the same
 * data and seed give the same interval on every machine. The interval bounds
 * are the (1-level)/2 and (1+level)/2 quantiles of the resampled statistics,
 * interpolated linearly (numpy's percentile). Resamples whose mean(y) is 0 are
 * dropped from the ratio; if more than half are, the ratio interval is NaN. */
hml_status stats_bootstrap_means(const double *x, size_t nx, const double *y, size_t ny,
                                 size_t resamples, unsigned long seed, double level,
                                 stats_bootstrap *out, hml_err *err);

/* The same when each value comes from a node (any labels), so that a node
 * faster than another counts neither for nor against x: each resample
 * draws, on every node holding both samples, as many values of x and of y
 * from that node's own as it holds, with replacement; nodes holding one
 * sample only are left out. The statistics compare node-weighted means,
 * mean_x = sum w_k mean(x on k) / W and likewise mean_y: the means each
 * sample would have with the same mix of nodes. w_k = 1 / (1/nx_k +
 * 1/ny_k), the inverse-variance weight of node k's difference of means
 * when the runs' variance is the same on every node and in both samples:
 * the verdict's weights (stats/stratified_change.h) with its two pooled
 * variances taken equal. Unlike those, these are defined for any values
 * (zeros, shares, one run of a sample on a node) and are fixed by how many
 * runs each node holds, which a resample keeps: the interval reflects the
 * runs' spread, not weights re-estimated per resample. On one node they
 * are the means of the runs. *strata receives the nodes combined; 0 (and
 * *out untouched) when no node holds both samples. */
hml_status stats_bootstrap_means_by_node(const double *x, const size_t *x_node, size_t nx,
                                         const double *y, const size_t *y_node, size_t ny,
                                         size_t resamples, unsigned long seed, double level,
                                         stats_bootstrap *out, size_t *strata, hml_err *err);

#endif
