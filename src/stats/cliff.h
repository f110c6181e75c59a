/* Cliff's delta: a rank effect size that needs no distributional assumption. */
#ifndef HMLCOST_STATS_CLIFF_H
#define HMLCOST_STATS_CLIFF_H

#include <stddef.h>

typedef enum stats_magnitude {
    STATS_NEGLIGIBLE, /* |delta| < 0.147 */
    STATS_SMALL,      /* < 0.33 */
    STATS_MEDIUM,     /* < 0.474 */
    STATS_LARGE,      /* otherwise (Romano et al. 2006 thresholds) */
} stats_magnitude;

/* delta = (#{x_i > y_j} - #{x_i < y_j}) / (nx ny), in [-1, 1]: positive when x
 * tends to be larger. NaN when a sample is empty. */
double stats_cliff_delta(const double *x, size_t nx, const double *y, size_t ny);

stats_magnitude stats_cliff_magnitude(double delta);
const char *stats_magnitude_name(stats_magnitude m);

#endif
