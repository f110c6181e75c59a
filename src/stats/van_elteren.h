/* Van Elteren's stratified Wilcoxon-Mann-Whitney test, two-sided: x against
 * y when each value comes from a stratum (a node), so that differences
 * between strata do not count as differences between x and y. */
#ifndef HMLCOST_STATS_VAN_ELTEREN_H
#define HMLCOST_STATS_VAN_ELTEREN_H

#include <stddef.h>

#include "common/error.h"

typedef struct stats_van_elteren {
    double z;       /* standardized statistic (> 0: x ranks higher) */
    double p;       /* two-sided p-value, normal approximation */
    size_t strata;  /* strata holding both samples: the ones that count */
} stats_van_elteren;

/* Ranks (midranks) within each stratum; with W_k the rank sum of x in
 * stratum k (n_k values of x, m_k of y, N_k = n_k + m_k), the statistic is
 * T = sum W_k / (N_k + 1), E T = sum n_k / 2, Var T = sum n_k m_k / (12
 * (N_k + 1)^2) ((N_k + 1) - sum(t^3 - t) / (N_k (N_k - 1))) (ties
 * corrected), z = (T - E T) / sqrt(Var T), p = 2 (1 - Phi(|z|)), without
 * continuity correction. Strata lacking x or y are left out. One stratum:
 * scipy.stats.mannwhitneyu(method='asymptotic', use_continuity=False). Fails (HML_EUSAGE) when no
 * stratum holds both samples; p = 1 when every stratum is all ties. */
hml_status stats_van_elteren_test(const double *x, const size_t *x_stratum, size_t nx,
                             const double *y, const size_t *y_stratum, size_t ny,
                             stats_van_elteren *out, hml_err *err);

#endif
