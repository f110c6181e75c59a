#include "workload/threads.h"

#include <omp.h>
#include <stdlib.h>

#include "common/thread_count.h"

hml_status threads_choose(int requested, const host_info *host, thread_choice *out,
                          hml_err *err)
{
    if (requested > 0) {
        out->threads = requested;
        out->source = "--threads";
        return HML_OK;
    }
    const char *env = getenv("OMP_NUM_THREADS");
    if (env && *env) {
        /* A list ("4,2") is one count per nesting level: the first is the outer team. */
        long levels[THREAD_COUNT_MAX_LEVELS];
        if (thread_count_parse(env, true, false, levels) == 0 || levels[0] > THREADS_MAX)
            return hml_fail(err, HML_EUSAGE, "OMP_NUM_THREADS: '%s' is not a thread count in [1, %d]",
                            env, THREADS_MAX);
        out->threads = (int)levels[0];
        out->source = "OMP_NUM_THREADS";
        return HML_OK;
    }
    long cores = host_default_threads(host);
    out->threads = (int)(cores > THREADS_MAX ? THREADS_MAX : cores);
    out->source = "physical cores";
    return HML_OK;
}

int threads_apply(int n)
{
    omp_set_num_threads(n);
    int team = 0;
#pragma omp parallel
    {
#pragma omp single
        team = omp_get_num_threads();
    }
    return team;
}
