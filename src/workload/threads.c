#include "workload/threads.h"

#include <errno.h>
#include <hwloc.h>
#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

int threads_logical_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int threads_physical_cores(void)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return threads_logical_cpus();
    /* Only cores and PUs matter: skipping caches, memory and I/O keeps
     * this a few milliseconds on large machines. */
    hwloc_topology_set_all_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_type_filter(topo, HWLOC_OBJ_CORE, HWLOC_TYPE_FILTER_KEEP_ALL);
    hwloc_topology_set_type_filter(topo, HWLOC_OBJ_PU, HWLOC_TYPE_FILTER_KEEP_ALL);
    int cores = -1;
    if (hwloc_topology_load(topo) == 0)
        cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    hwloc_topology_destroy(topo);
    return cores > 0 ? cores : threads_logical_cpus();
}

hml_status threads_choose(int requested, thread_choice *out, hml_err *err)
{
    if (requested > 0) {
        out->threads = requested;
        out->source = "--threads";
        return HML_OK;
    }
    const char *env = getenv("OMP_NUM_THREADS");
    if (env && *env) {
        /* OpenMP allows a list ("4,2") for nested levels: the first entry
         * is the outer team. */
        errno = 0;
        char *end = NULL;
        long n = strtol(env, &end, 10);
        if (errno || end == env || (*end && *end != ',') || n < 1 || n > THREADS_MAX)
            return hml_fail(err, HML_EUSAGE, "OMP_NUM_THREADS: '%s' is not a thread count in [1, %d]",
                            env, THREADS_MAX);
        out->threads = (int)n;
        out->source = "OMP_NUM_THREADS";
        return HML_OK;
    }
    out->threads = threads_physical_cores();
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
