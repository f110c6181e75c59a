#include "runner/schedule.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

hml_status schedule_build(const plan *p, schedule_slot **out, size_t *count, hml_err *err)
{
    *out = NULL;
    *count = 0;
    size_t arms = p->arm_count, runs = (size_t)p->runs;
    if (arms == 0 || p->runs < 1)
        return hml_fail(err, HML_EUSAGE, "nothing to schedule");
    schedule_slot *slots = calloc(arms * runs, sizeof *slots);
    size_t *perm = calloc(arms, sizeof *perm);
    long *next_index = calloc(arms, sizeof *next_index);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!slots || !perm || !next_index || !rng) {
        free(slots);
        free(perm);
        free(next_index);
        if (rng)
            gsl_rng_free(rng);
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    gsl_rng_set(rng, (unsigned long)p->seed);
    size_t n = 0;
    switch (p->order) {
    case PLAN_ORDER_BLOCKED:
        for (size_t a = 0; a < arms; a++)
            for (size_t r = 0; r < runs; r++)
                slots[n++] = (schedule_slot){.arm = a};
        break;
    case PLAN_ORDER_RANDOM:
        for (size_t a = 0; a < arms; a++)
            for (size_t r = 0; r < runs; r++)
                slots[n++] = (schedule_slot){.arm = a};
        gsl_ran_shuffle(rng, slots, n, sizeof *slots);
        break;
    case PLAN_ORDER_INTERLEAVED:
    default:
        for (size_t r = 0; r < runs; r++) {
            for (size_t a = 0; a < arms; a++)
                perm[a] = a;
            gsl_ran_shuffle(rng, perm, arms, sizeof *perm);
            for (size_t a = 0; a < arms; a++)
                slots[n++] = (schedule_slot){.arm = perm[a]};
        }
        break;
    }
    for (size_t i = 0; i < n; i++)
        slots[i].index = next_index[slots[i].arm]++;
    gsl_rng_free(rng);
    free(perm);
    free(next_index);
    *out = slots;
    *count = n;
    return HML_OK;
}
