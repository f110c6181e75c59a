/* How many compute threads the workload uses and where that number came
 * from: --threads, else $OMP_NUM_THREADS (read as the OpenMP runtime reads
 * it), else one per physical core this process may use (the host module's
 * host_default_threads). */
#ifndef HMLCOST_WORKLOAD_THREADS_H
#define HMLCOST_WORKLOAD_THREADS_H

#include "common/error.h"
#include "common/host.h"

typedef struct thread_choice {
    int threads;
    const char *source; /* "--threads", "OMP_NUM_THREADS", "physical cores" */
} thread_choice;

enum { THREADS_MAX = 4096 };

/* requested: --threads (0 when not given). A malformed $OMP_NUM_THREADS,
 * or one above THREADS_MAX, is a usage error naming it. */
hml_status threads_choose(int requested, const host_info *host, thread_choice *out,
                          hml_err *err);

/* The size of an OpenMP team after omp_set_num_threads(n): what oneDNN
 * will actually run with. */
int threads_apply(int n);

#endif
