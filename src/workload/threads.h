/* How many compute threads the workload uses and where that number came
 * from: --threads, else $OMP_NUM_THREADS (as any OpenMP program would), else
 * the physical cores this process may run on (hwloc). */
#ifndef HMLCOST_WORKLOAD_THREADS_H
#define HMLCOST_WORKLOAD_THREADS_H

#include "common/error.h"

typedef struct thread_choice {
    int threads;
    const char *source; /* "--threads", "OMP_NUM_THREADS", "physical cores" */
} thread_choice;

enum { THREADS_MAX = 4096 };

/* requested: --threads (0 when not given). A malformed $OMP_NUM_THREADS
 * is a usage error naming it. */
hml_status threads_choose(int requested, thread_choice *out, hml_err *err);

/* Physical cores in this process's CPU set (>= 1). */
int threads_physical_cores(void);

/* Logical CPUs this process may run on (sched_getaffinity). */
int threads_logical_cpus(void);

/* The size of an OpenMP team after omp_set_num_threads(n): what oneDNN
 * will actually run with. */
int threads_apply(int n);

#endif
