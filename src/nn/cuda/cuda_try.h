/* Error checks of the cuda backend's calls: a failed call returns from the
 * calling function with HML_ESYSTEM and the library's own message in err.
 * cuDNN's and cuBLAS's messages come through the context's function table
 * (cuda_context.h), passed as the first argument. */
#ifndef HMLCOST_NN_CUDA_CUDA_TRY_H
#define HMLCOST_NN_CUDA_CUDA_TRY_H

#include <cuda_runtime_api.h>

#include "common/error.h"

#define CUDA_TRY(what, call)                                                                    \
    do {                                                                                        \
        cudaError_t rc_ = (cudaError_t)(call);                                                  \
        if (rc_ != cudaSuccess)                                                                 \
            return hml_fail(err, HML_ESYSTEM, "cuda: %s: %s", (what), cudaGetErrorString(rc_)); \
    } while (0)

#define CUDNN_TRY(cx, what, call)                                                               \
    do {                                                                                        \
        cudnnStatus_t st_ = (call);                                                             \
        if (st_ != CUDNN_STATUS_SUCCESS)                                                        \
            return hml_fail(err, HML_ESYSTEM, "cudnn: %s: %s", (what),                          \
                            (cx)->api.cudnnGetErrorString(st_));                                \
    } while (0)

#define CUBLAS_TRY(cx, what, call)                                                              \
    do {                                                                                        \
        cublasStatus_t st_ = (call);                                                            \
        if (st_ != CUBLAS_STATUS_SUCCESS)                                                       \
            return hml_fail(err, HML_ESYSTEM, "cublas: %s: %s", (what),                         \
                            (cx)->api.cublasGetStatusString(st_));                              \
    } while (0)

#endif
