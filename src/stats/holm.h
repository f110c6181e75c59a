/* Holm's step-down correction for multiple tests (Holm 1979). */
#ifndef HMLCOST_STATS_HOLM_H
#define HMLCOST_STATS_HOLM_H

#include <stddef.h>

#include "common/error.h"

/* adjusted[i] = max over j <= rank(i) of min(1, (m - j + 1) p_(j)), p_(j) the
 * j-th smallest p-value: the adjusted p-values of
 * statsmodels.stats.multitest.multipletests(p, method='holm'). Tied p-values
 * get the same adjusted value. Rejecting H_i when adjusted[i] < alpha keeps
 * the family-wise error rate at alpha under any dependence between the tests.
 * p and adjusted may be the same array; every p must lie in [0, 1]. */
hml_status stats_holm(const double *p, size_t m, double *adjusted, hml_err *err);

#endif
