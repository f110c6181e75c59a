#include "stats/cliff.h"

#include <math.h>

double stats_cliff_delta(const double *x, size_t nx, const double *y, size_t ny)
{
    if (nx == 0 || ny == 0)
        return NAN;
    /* nx ny is at most a few hundred here (runs per arm), so the direct count
     * is clearer than a sort-and-merge. */
    long more = 0, less = 0;
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++) {
            if (x[i] > y[j])
                more++;
            else if (x[i] < y[j])
                less++;
        }
    return (double)(more - less) / ((double)nx * (double)ny);
}

stats_magnitude stats_cliff_magnitude(double delta)
{
    double a = fabs(delta);
    if (a < 0.147)
        return STATS_NEGLIGIBLE;
    if (a < 0.33)
        return STATS_SMALL;
    if (a < 0.474)
        return STATS_MEDIUM;
    return STATS_LARGE;
}

const char *stats_magnitude_name(stats_magnitude m)
{
    switch (m) {
    case STATS_NEGLIGIBLE: return "negligible";
    case STATS_SMALL: return "small";
    case STATS_MEDIUM: return "medium";
    case STATS_LARGE: return "large";
    }
    return "?";
}
