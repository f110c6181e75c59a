#include "stats/bootstrap.h"

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "stats/gsl_quiet.h"
#include "stats/stratified_change.h"

static double resampled_mean(const gsl_rng *rng, const double *v, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[gsl_rng_uniform_int(rng, n)];
    return sum / (double)n;
}

static void percentile_interval(double *values, size_t n, double level, double *lo, double *hi)
{
    gsl_sort(values, 1, n);
    *lo = gsl_stats_quantile_from_sorted_data(values, 1, n, (1 - level) / 2);
    *hi = gsl_stats_quantile_from_sorted_data(values, 1, n, (1 + level) / 2);
}

static hml_status check_request(size_t nx, size_t ny, size_t resamples, double level,
                                hml_err *err)
{
    if (nx == 0 || ny == 0)
        return hml_fail(err, HML_EUSAGE, "bootstrap: a sample is empty");
    if (resamples < 100)
        return hml_fail(err, HML_EUSAGE, "bootstrap: %zu resamples is too few (at least 100)",
                        resamples);
    if (!(level > 0 && level < 1))
        return hml_fail(err, HML_EUSAGE, "bootstrap: confidence level %g is not in (0, 1)", level);
    return HML_OK;
}

/* The resampled statistics' scratch room and generator. */
typedef struct resampling {
    double *diffs, *ratios;
    size_t n_ratios;
    gsl_rng *rng;
} resampling;

static hml_status resampling_begin(resampling *r, size_t resamples, unsigned long seed,
                                   hml_err *err)
{
    *r = (resampling){.diffs = malloc(resamples * sizeof *r->diffs),
                      .ratios = malloc(resamples * sizeof *r->ratios),
                      .rng = gsl_rng_alloc(gsl_rng_mt19937)};
    if (!r->diffs || !r->ratios || !r->rng) {
        free(r->diffs);
        free(r->ratios);
        if (r->rng)
            gsl_rng_free(r->rng);
        return hml_fail(err, HML_ESYSTEM, "bootstrap: out of memory");
    }
    gsl_rng_set(r->rng, seed);
    return HML_OK;
}

static void resampling_add(resampling *r, size_t b, double bx, double by)
{
    r->diffs[b] = bx - by;
    if (by != 0)
        r->ratios[r->n_ratios++] = bx / by;
}

/* The intervals from the resampled statistics; frees the room. */
static void resampling_end(resampling *r, size_t resamples, double level, stats_bootstrap *out)
{
    percentile_interval(r->diffs, resamples, level, &out->diff_lo, &out->diff_hi);
    if (!isnan(out->ratio) && r->n_ratios * 2 > resamples)
        percentile_interval(r->ratios, r->n_ratios, level, &out->ratio_lo, &out->ratio_hi);
    free(r->diffs);
    free(r->ratios);
    gsl_rng_free(r->rng);
}

hml_status stats_bootstrap_means(const double *x, size_t nx, const double *y, size_t ny,
                                 size_t resamples, unsigned long seed, double level,
                                 stats_bootstrap *out, hml_err *err)
{
    stats_gsl_quiet();
    hml_status st = check_request(nx, ny, resamples, level, err);
    if (st != HML_OK)
        return st;
    double mx = gsl_stats_mean(x, 1, nx), my = gsl_stats_mean(y, 1, ny);
    *out = (stats_bootstrap){.diff = mx - my, .ratio = my != 0 ? mx / my : NAN,
                             .resamples = resamples, .ratio_lo = NAN, .ratio_hi = NAN};
    resampling r;
    if ((st = resampling_begin(&r, resamples, seed, err)) != HML_OK)
        return st;
    for (size_t b = 0; b < resamples; b++) {
        double bx = resampled_mean(r.rng, x, nx);
        double by = resampled_mean(r.rng, y, ny);
        resampling_add(&r, b, bx, by);
    }
    resampling_end(&r, resamples, level, out);
    return HML_OK;
}

/* One node holding both arms: its runs of each arm, one after the other in
 * the grouped copies, and its weight. */
typedef struct node_group {
    size_t x_at, nx, y_at, ny;
    double weight;
} node_group;

/* The values on node k, in order, appended to dst at *at; returns how many. */
static size_t gather(const double *v, const size_t *node, size_t n, size_t k, double *dst,
                     size_t *at)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (node[i] != k)
            continue;
        dst[(*at)++] = v[i];
        c++;
    }
    return c;
}

/* The node-weighted means of both arms, from each group's means mx[j], my[j]. */
static void weighted_means(const node_group *g, size_t k, const double *mx, const double *my,
                           double *bx, double *by)
{
    double w = 0, sx = 0, sy = 0;
    for (size_t j = 0; j < k; j++) {
        w += g[j].weight;
        sx += g[j].weight * mx[j];
        sy += g[j].weight * my[j];
    }
    *bx = sx / w;
    *by = sy / w;
}

hml_status stats_bootstrap_means_by_node(const double *x, const size_t *x_node, size_t nx,
                                         const double *y, const size_t *y_node, size_t ny,
                                         size_t resamples, unsigned long seed, double level,
                                         stats_bootstrap *out, size_t *strata, hml_err *err)
{
    stats_gsl_quiet();
    *strata = 0;
    hml_status st = check_request(nx, ny, resamples, level, err);
    if (st != HML_OK)
        return st;
    size_t *shared = malloc(nx * sizeof *shared);
    double *gx = malloc(nx * sizeof *gx), *gy = malloc(ny * sizeof *gy);
    node_group *g = malloc(nx * sizeof *g);
    double *mx = malloc(nx * sizeof *mx), *my = malloc(nx * sizeof *my);
    if (!shared || !gx || !gy || !g || !mx || !my) {
        st = hml_fail(err, HML_ESYSTEM, "bootstrap: out of memory");
        goto done;
    }
    size_t k = stats_shared_nodes(x_node, nx, y_node, ny, shared), ax = 0, ay = 0;
    if (k == 0)
        goto done;
    for (size_t j = 0; j < k; j++) {
        g[j].x_at = ax;
        g[j].nx = gather(x, x_node, nx, shared[j], gx, &ax);
        g[j].y_at = ay;
        g[j].ny = gather(y, y_node, ny, shared[j], gy, &ay);
        /* 1 / (1/nx + 1/ny): fixed by the design, so a resample (which
         * keeps each node's runs per arm) has the weights of the sample */
        g[j].weight = (double)(g[j].nx * g[j].ny) / (double)(g[j].nx + g[j].ny);
        mx[j] = gsl_stats_mean(gx + g[j].x_at, 1, g[j].nx);
        my[j] = gsl_stats_mean(gy + g[j].y_at, 1, g[j].ny);
    }
    double bx, by;
    weighted_means(g, k, mx, my, &bx, &by);
    *out = (stats_bootstrap){.diff = bx - by, .ratio = by != 0 ? bx / by : NAN,
                             .resamples = resamples, .ratio_lo = NAN, .ratio_hi = NAN};
    resampling r;
    if ((st = resampling_begin(&r, resamples, seed, err)) != HML_OK)
        goto done;
    for (size_t b = 0; b < resamples; b++) {
        for (size_t j = 0; j < k; j++) {
            mx[j] = resampled_mean(r.rng, gx + g[j].x_at, g[j].nx);
            my[j] = resampled_mean(r.rng, gy + g[j].y_at, g[j].ny);
        }
        weighted_means(g, k, mx, my, &bx, &by);
        resampling_add(&r, b, bx, by);
    }
    resampling_end(&r, resamples, level, out);
    *strata = k;
done:
    free(shared);
    free(gx);
    free(gy);
    free(g);
    free(mx);
    free(my);
    return st;
}
