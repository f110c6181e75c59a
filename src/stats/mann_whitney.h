/* Mann-Whitney U test (Wilcoxon rank-sum), two-sided. */
#ifndef HMLCOST_STATS_MANN_WHITNEY_H
#define HMLCOST_STATS_MANN_WHITNEY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* Both samples at most this size: exact p-value; above: normal approximation. */
#define STATS_MWU_EXACT_MAX_N 25

typedef struct stats_mwu {
    double u;    /* U of the first sample: R1 - n1 (n1 + 1) / 2, R1 its rank sum (midranks) */
    double p;    /* two-sided p-value */
    double z;    /* standardized statistic of the normal approximation; NaN when exact */
    bool exact;  /* p from the exact permutation distribution */
    bool ties;   /* the pooled sample has ties */
} stats_mwu;

/* Tests x against y (nx, ny >= 1).
 * Exact (nx, ny <= 25): the permutation distribution of x's rank sum over the
 * pooled midranks, ties included, counted by a dynamic programme over the
 * pooled multiset of ranks (every one of the C(nx+ny, nx) ways to pick x's
 * ranks is equally likely under H0). p = min(1, 2 min(P(R <= r), P(R >= r))),
 * as scipy.stats.permutation_test(..., n_resamples=inf) computes it; without
 * ties this equals scipy.stats.mannwhitneyu(method='exact').
 * Approximation: z = (max(U1, U2) - nx ny / 2 - 0.5) / sigma with the tie
 * correction sigma^2 = nx ny / 12 ((N + 1) - sum(t^3 - t) / (N (N - 1))),
 * p = 2 (1 - Phi(z)), as scipy.stats.mannwhitneyu(method='asymptotic').
 * When every value is tied, p = 1. */
hml_status stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
                              stats_mwu *out, hml_err *err);

#endif
