#include "stats/mann_whitney.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>

#include "stats/gsl_quiet.h"

/* Midranks of the pooled sample, doubled so that they are integers:
 * twice_rank[i] for pooled value i (x first, then y). Also returns the tie
 * term sum(t^3 - t) over groups of tied values. */
static hml_status pooled_twice_ranks(const double *x, size_t nx, const double *y, size_t ny,
                                     long *twice_rank, double *tie_term, hml_err *err)
{
    size_t n = nx + ny;
    double *pooled = malloc(n * sizeof *pooled);
    size_t *order = malloc(n * sizeof *order);
    if (!pooled || !order) {
        free(pooled);
        free(order);
        return hml_fail(err, HML_ESYSTEM, "mann-whitney: out of memory");
    }
    for (size_t i = 0; i < nx; i++)
        pooled[i] = x[i];
    for (size_t i = 0; i < ny; i++)
        pooled[nx + i] = y[i];
    gsl_sort_index(order, pooled, 1, n);
    *tie_term = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && pooled[order[j]] == pooled[order[i]])
            j++;
        /* positions i..j-1 (1-based ranks i+1..j) share the midrank (i+1+j)/2 */
        long twice = (long)(i + 1 + j);
        for (size_t k = i; k < j; k++)
            twice_rank[order[k]] = twice;
        double t = (double)(j - i);
        *tie_term += t * t * t - t;
        i = j;
    }
    free(pooled);
    free(order);
    return HML_OK;
}

/* Exact two-sided p for x's doubled rank sum `observed`. ways[k][s]: the
 * number of k-subsets of the pooled ranks seen so far whose doubled sum is s.
 * Counts are at most C(50, 25) < 2^53, so doubles hold them exactly. */
static hml_status exact_p(const long *twice_rank, size_t n, size_t nx, long observed, double *p,
                          hml_err *err)
{
    long total = 0;
    for (size_t i = 0; i < n; i++)
        total += twice_rank[i];
    size_t width = (size_t)total + 1;
    double *ways = calloc((nx + 1) * width, sizeof *ways);
    if (!ways)
        return hml_fail(err, HML_ESYSTEM, "mann-whitney: out of memory");
    ways[0] = 1;
    for (size_t i = 0; i < n; i++) {
        size_t r = (size_t)twice_rank[i];
        size_t kmax = i + 1 < nx ? i + 1 : nx;
        for (size_t k = kmax; k >= 1; k--)
            for (size_t s = width; s-- > r;)
                ways[k * width + s] += ways[(k - 1) * width + s - r];
    }
    double all = 0, le = 0, ge = 0;
    for (size_t s = 0; s < width; s++) {
        double w = ways[nx * width + s];
        all += w;
        if ((long)s <= observed)
            le += w;
        if ((long)s >= observed)
            ge += w;
    }
    free(ways);
    double two = 2 * fmin(le, ge) / all;
    *p = two < 1 ? two : 1;
    return HML_OK;
}

hml_status stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
                              stats_mwu *out, hml_err *err)
{
    stats_gsl_quiet();
    if (nx == 0 || ny == 0)
        return hml_fail(err, HML_EUSAGE, "mann-whitney: a sample is empty");
    size_t n = nx + ny;
    long *twice_rank = malloc(n * sizeof *twice_rank);
    if (!twice_rank)
        return hml_fail(err, HML_ESYSTEM, "mann-whitney: out of memory");
    double tie_term = 0;
    hml_status st = pooled_twice_ranks(x, nx, y, ny, twice_rank, &tie_term, err);
    if (st != HML_OK) {
        free(twice_rank);
        return st;
    }
    long twice_r1 = 0;
    for (size_t i = 0; i < nx; i++)
        twice_r1 += twice_rank[i];
    double dnx = (double)nx, dny = (double)ny, dn = (double)n;
    *out = (stats_mwu){.u = twice_r1 / 2.0 - dnx * (dnx + 1) / 2, .z = NAN, .ties = tie_term > 0};
    if (tie_term == dn * dn * dn - dn) { /* one group: every value tied */
        out->p = 1;
        out->exact = nx <= STATS_MWU_EXACT_MAX_N && ny <= STATS_MWU_EXACT_MAX_N;
    } else if (nx <= STATS_MWU_EXACT_MAX_N && ny <= STATS_MWU_EXACT_MAX_N) {
        out->exact = true;
        st = exact_p(twice_rank, n, nx, twice_r1, &out->p, err);
    } else {
        double u_big = fmax(out->u, dnx * dny - out->u);
        double var = dnx * dny / 12 * ((dn + 1) - tie_term / (dn * (dn - 1)));
        out->z = (u_big - dnx * dny / 2 - 0.5) / sqrt(var);
        double two = 2 * gsl_cdf_ugaussian_Q(out->z);
        out->p = two < 1 ? two : 1;
    }
    free(twice_rank);
    return st;
}
