#include "stats/stratified_change.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* One node's runs of one arm, on the log scale or the values' own. */
typedef struct arm_part {
    size_t n;
    double mean, ss; /* ss: squared deviations from the node's own mean */
} arm_part;

static bool holds(const size_t *node, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++)
        if (node[i] == k)
            return true;
    return false;
}

/* Welford over the values on node k (their logs when on_log); false when
 * one is not finite (or, on the log scale, not positive). */
static bool part_of(const double *v, const size_t *node, size_t n, size_t k, bool on_log,
                    arm_part *out)
{
    *out = (arm_part){0};
    for (size_t i = 0; i < n; i++) {
        if (node[i] != k)
            continue;
        if (!isfinite(v[i]) || (on_log && !(v[i] > 0)))
            return false;
        double l = on_log ? log(v[i]) : v[i], step = l - out->mean;
        out->n++;
        out->mean += step / (double)out->n;
        out->ss += step * (l - out->mean);
    }
    return true;
}

/* A node's inverse-variance weight; when both arms are constant within
 * every node, the weight equal variances would give. */
static double node_weight(const arm_part *x, const arm_part *y, double s2_x, double s2_y)
{
    double a = 1 / (double)x->n, b = 1 / (double)y->n;
    return s2_x + s2_y > 0 ? 1 / (s2_x * a + s2_y * b) : 1 / (a + b);
}

/* The estimate over the shared nodes; px, py: room for k parts each. */
static stats_strata_result combine(const double *x, const size_t *x_node, size_t nx,
                                   const double *y, const size_t *y_node, size_t ny,
                                   const size_t *shared, size_t k, bool on_log, arm_part *px,
                                   arm_part *py, stats_log_change *out)
{
    double ss_x = 0, ss_y = 0, df_x = 0, df_y = 0;
    for (size_t j = 0; j < k; j++) {
        if (!part_of(x, x_node, nx, shared[j], on_log, &px[j]) ||
            !part_of(y, y_node, ny, shared[j], on_log, &py[j]))
            return STATS_STRATA_UNESTIMABLE;
        ss_x += px[j].ss;
        ss_y += py[j].ss;
        df_x += (double)(px[j].n - 1);
        df_y += (double)(py[j].n - 1);
    }
    if (df_x < 1 || df_y < 1)
        return STATS_STRATA_UNESTIMABLE;
    double s2_x = ss_x / df_x, s2_y = ss_y / df_y;
    double wsum = 0, dsum = 0, runs = 0;
    for (size_t j = 0; j < k; j++) {
        double w = node_weight(&px[j], &py[j], s2_x, s2_y);
        wsum += w;
        dsum += w * (px[j].mean - py[j].mean);
        runs += (double)(px[j].n + py[j].n);
    }
    double sa = 0, sb = 0;
    for (size_t j = 0; j < k; j++) {
        double share = node_weight(&px[j], &py[j], s2_x, s2_y) / wsum;
        sa += share * share / (double)px[j].n;
        sb += share * share / (double)py[j].n;
    }
    double vx = s2_x * sa, vy = s2_y * sb;
    double se = sqrt(vx + vy);
    *out = (stats_log_change){.d = dsum / wsum, .se = se,
                              .df = se > 0 ? (vx + vy) * (vx + vy) /
                                                 (vx * vx / df_x + vy * vy / df_y)
                                           : NAN,
                              .runs_per_arm = 0.5 * runs};
    return STATS_STRATA_COMBINED;
}

/* The estimate on either scale (stats_stratified_log_change, stats_stratified_mean_diff). */
static hml_status stratified_diff(const double *x, const size_t *x_node, size_t nx,
                                  const double *y, const size_t *y_node, size_t ny, bool on_log,
                                  stats_strata_result *result, stats_log_change *out,
                                  size_t *strata, hml_err *err)
{
    *strata = 0;
    size_t cap = nx ? nx : 1;
    size_t *shared = malloc(cap * sizeof *shared);
    arm_part *px = malloc(cap * sizeof *px), *py = malloc(cap * sizeof *py);
    if (!shared || !px || !py) {
        free(shared);
        free(px);
        free(py);
        return hml_fail(err, HML_ESYSTEM, "stratified change: out of memory");
    }
    size_t k = stats_shared_nodes(x_node, nx, y_node, ny, shared);
    *result = k ? combine(x, x_node, nx, y, y_node, ny, shared, k, on_log, px, py, out)
                : STATS_STRATA_NONE_SHARED;
    if (*result == STATS_STRATA_COMBINED)
        *strata = k;
    free(shared);
    free(px);
    free(py);
    return HML_OK;
}

size_t stats_shared_nodes(const size_t *x_node, size_t nx, const size_t *y_node, size_t ny,
                          size_t *shared)
{
    size_t k = 0;
    for (size_t i = 0; i < nx; i++)
        if (!holds(shared, k, x_node[i]) && holds(y_node, ny, x_node[i]))
            shared[k++] = x_node[i];
    return k;
}

bool stats_from_several_nodes(const size_t *x_node, size_t nx, const size_t *y_node, size_t ny)
{
    const size_t *first = nx ? x_node : y_node;
    for (size_t i = 0; i < nx; i++)
        if (x_node[i] != first[0])
            return true;
    for (size_t i = 0; i < ny; i++)
        if (y_node[i] != first[0])
            return true;
    return false;
}

hml_status stats_stratified_log_change(const double *x, const size_t *x_node, size_t nx,
                                       const double *y, const size_t *y_node, size_t ny,
                                       stats_strata_result *result, stats_log_change *out,
                                       size_t *strata, hml_err *err)
{
    return stratified_diff(x, x_node, nx, y, y_node, ny, true, result, out, strata, err);
}

hml_status stats_stratified_mean_diff(const double *x, const size_t *x_node, size_t nx,
                                      const double *y, const size_t *y_node, size_t ny,
                                      stats_strata_result *result, stats_log_change *out,
                                      size_t *strata, hml_err *err)
{
    return stratified_diff(x, x_node, nx, y, y_node, ny, false, result, out, strata, err);
}
