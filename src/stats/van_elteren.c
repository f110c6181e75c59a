#include "stats/van_elteren.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "stats/gsl_quiet.h"

typedef struct tagged {
    double v;
    bool is_x;
} tagged;

static int by_value(const void *pa, const void *pb)
{
    double a = ((const tagged *)pa)->v, b = ((const tagged *)pb)->v;
    return (a > b) - (a < b);
}

/* One stratum's share of T, E T and Var T; *used false when it lacks x or y. */
static void stratum_terms(tagged *v, size_t n, double *t, double *mean, double *var, bool *used)
{
    size_t nx = 0;
    for (size_t i = 0; i < n; i++)
        nx += v[i].is_x;
    size_t ny = n - nx;
    *used = nx > 0 && ny > 0;
    if (!*used)
        return;
    qsort(v, n, sizeof *v, by_value);
    double w = 0, ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].v == v[i].v)
            j++;
        double midrank = (i + 1 + j) / 2.0, t_len = (double)(j - i);
        ties += t_len * t_len * t_len - t_len;
        for (size_t k = i; k < j; k++)
            if (v[k].is_x)
                w += midrank;
        i = j;
    }
    double dn = (double)n, scale = dn + 1;
    *t = w / scale;
    *mean = nx / 2.0;
    *var = (double)nx * (double)ny / (12 * scale * scale) * (scale - ties / (dn * (dn - 1)));
}

hml_status stats_van_elteren_test(const double *x, const size_t *x_stratum, size_t nx,
                             const double *y, const size_t *y_stratum, size_t ny,
                             stats_van_elteren *out, hml_err *err)
{
    stats_gsl_quiet();
    *out = (stats_van_elteren){.z = NAN, .p = NAN};
    size_t n = nx + ny, strata = 0;
    for (size_t i = 0; i < nx; i++)
        strata = x_stratum[i] + 1 > strata ? x_stratum[i] + 1 : strata;
    for (size_t i = 0; i < ny; i++)
        strata = y_stratum[i] + 1 > strata ? y_stratum[i] + 1 : strata;
    tagged *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return hml_fail(err, HML_ESYSTEM, "van elteren: out of memory");
    double t = 0, mean = 0, var = 0;
    for (size_t s = 0; s < strata; s++) {
        size_t k = 0;
        for (size_t i = 0; i < nx; i++)
            if (x_stratum[i] == s)
                v[k++] = (tagged){x[i], true};
        for (size_t i = 0; i < ny; i++)
            if (y_stratum[i] == s)
                v[k++] = (tagged){y[i], false};
        double ts = 0, ms = 0, vs = 0;
        bool used = false;
        stratum_terms(v, k, &ts, &ms, &vs, &used);
        if (!used)
            continue;
        out->strata++;
        t += ts;
        mean += ms;
        var += vs;
    }
    free(v);
    if (out->strata == 0)
        return hml_fail(err, HML_EUSAGE, "van elteren: no stratum holds both samples");
    if (!(var > 0)) { /* every stratum all ties: no evidence either way */
        out->z = 0;
        out->p = 1;
        return HML_OK;
    }
    out->z = (t - mean) / sqrt(var);
    double two = 2 * gsl_cdf_ugaussian_Q(fabs(out->z));
    out->p = two < 1 ? two : 1;
    return HML_OK;
}
