/* The cpu backend (oneDNN) beyond the common interface: diagnostics that
 * only make sense for it. */
#ifndef HMLCOST_NN_CPU_BACKEND_H
#define HMLCOST_NN_CPU_BACKEND_H

#include <stddef.h>

#include "nn/backend.h"

/* One line per layer naming the oneDNN implementations picked for batch n
 * (prepared on demand), e.g. "conv2 n=64 fwd=brgconv:avx512_core ...". */
hml_status nn_cpu_describe_kernels(nn_model *model, int n, char *buf, size_t size, hml_err *err);

#endif
