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

#endif
