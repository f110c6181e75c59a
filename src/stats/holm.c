#include "stats/holm.h"

#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>

hml_status stats_holm(const double *p, size_t m, double *adjusted, hml_err *err)
{
    if (m == 0)
        return HML_OK;
    size_t *order = malloc(m * sizeof *order);
    double *copy = malloc(m * sizeof *copy);
    if (!order || !copy) {
        free(order);
        free(copy);
        return hml_fail(err, HML_ESYSTEM, "holm: out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        if (!(p[i] >= 0 && p[i] <= 1)) {
            free(order);
            free(copy);
            return hml_fail(err, HML_EINTERNAL, "holm: p-value %zu is %g, not in [0, 1]", i, p[i]);
        }
        copy[i] = p[i];
    }
    gsl_sort_index(order, copy, 1, m);
    double running = 0;
    for (size_t j = 0; j < m; j++) {
        double a = fmin(1, (double)(m - j) * copy[order[j]]);
        running = fmax(running, a);
        adjusted[order[j]] = running;
    }
    free(order);
    free(copy);
    return HML_OK;
}
