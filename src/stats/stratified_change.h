/* The change of a cost between two arms whose runs come from several nodes,
 * estimated within each node and then combined, so that a node faster than
 * another counts neither for nor against the smell (the verdict's margin
 * tests read it as they read Welch's estimate; stats/cost_margin.h).
 *
 * On the log scale, per node k holding both arms: d_k = mean(log x) -
 * mean(log y) over the node's runs. Each arm's variance s2 is pooled within
 * nodes (the squared deviations from each node's own mean, over
 * sum (n_k - 1) degrees of freedom), so the node-to-node differences stay
 * out of it. The nodes are combined by inverse-variance weighting, w_k =
 * 1 / (s2_x / nx_k + s2_y / ny_k): the minimum-variance combination of
 * the d_k. The weights use the pooled variances rather than each node's
 * own, because a node's 3-5 runs estimate a variance too roughly to weigh
 * by (a node whose few runs happen to agree would take most of the weight,
 * and a node with one run of an arm has no variance at all); with noise
 * that is a share of the cost, the share is the same on nodes of one
 * hardware (the mixed-hardware warning says when it is not). Then
 * d = sum w_k d_k / W, se^2 = s2_x A + s2_y B with A = sum (w_k/W)^2 / nx_k,
 * B = sum (w_k/W)^2 / ny_k (= 1 / W), and the Welch-Satterthwaite degrees
 * of freedom of that sum of two variance estimates:
 * df = se^4 / ((s2_x A)^2 / df_x + (s2_y B)^2 / df_y).
 * With one node this is Welch's test on that node's runs. When both arms
 * are constant within every node the weights are 1 / (1/nx_k + 1/ny_k)
 * and the change is exact (se = 0).
 *
 * The same combination on the values themselves (not their logs) gives a
 * difference of means within nodes: accuracy's equivalence test reads it,
 * as a change of accuracy is in percentage points, not a share. */
#ifndef HMLCOST_STATS_STRATIFIED_CHANGE_H
#define HMLCOST_STATS_STRATIFIED_CHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "stats/cost_margin.h"

typedef enum stats_strata_result {
    STATS_STRATA_COMBINED,     /* *out holds the combined estimate */
    STATS_STRATA_NONE_SHARED,  /* no node holds both arms: nothing to compare within a node */
    STATS_STRATA_UNESTIMABLE,  /* a value not finite and positive, or an arm without two
                                  runs on one of the shared nodes (no within-node spread) */
} stats_strata_result;

/* x (smell) and y (baseline) with each value's node (any labels). Nodes
 * holding only one arm are left out. *result says whether *out holds an
 * estimate; *strata receives the nodes combined (0 unless combined). Fails
 * only when out of memory. */
hml_status stats_stratified_log_change(const double *x, const size_t *x_node, size_t nx,
                                       const double *y, const size_t *y_node, size_t ny,
                                       stats_strata_result *result, stats_log_change *out,
                                       size_t *strata, hml_err *err);

/* The same on the values themselves: out->d is the combined difference of
 * the nodes' means (x minus y), se and df as above; a value not finite
 * makes it unestimable. */
hml_status stats_stratified_mean_diff(const double *x, const size_t *x_node, size_t nx,
                                      const double *y, const size_t *y_node, size_t ny,
                                      stats_strata_result *result, stats_log_change *out,
                                      size_t *strata, hml_err *err);

/* Do the values of x and y come from more than one node? */
bool stats_from_several_nodes(const size_t *x_node, size_t nx, const size_t *y_node, size_t ny);

/* The nodes holding both x and y, in the order x first names them, into
 * shared (room for nx); returns how many. */
size_t stats_shared_nodes(const size_t *x_node, size_t nx, const size_t *y_node, size_t ny,
                          size_t *shared);

#endif
