/* Typed pointers to the cuDNN and cuBLAS functions the cuda backend calls,
 * resolved with dlsym from the libraries gpu_libs.c probed (never linked):
 * each member has exactly its header's type, `api->cudnnCreate(&h)`. */
#ifndef HMLCOST_NN_CUDA_CUDA_API_H
#define HMLCOST_NN_CUDA_CUDA_API_H

#include <cublas_v2.h>
#include <cudnn.h>

#include "common/error.h"
#include "nn/cuda/gpu_libs.h"
#include "nn/cuda/gpu_symbols.h"

#define CUDA_API_MEMBER(name) __typeof__(&name) name;
typedef struct cuda_api {
    GPU_CUDNN_SYMBOLS(CUDA_API_MEMBER)
    GPU_CUBLAS_SYMBOLS(CUDA_API_MEMBER)
} cuda_api;
#undef CUDA_API_MEMBER

/* What this build needs from the libraries (CUDART_VERSION's major, cuDNN
 * 9.0 or later within 9, cuBLAS of CUDA's major). */
gpu_libs_need cuda_api_need(void);

/* Fills api from libs' handles; fails (HML_ESYSTEM) when libs->fail is set
 * or a symbol is missing. */
hml_status cuda_api_resolve(const gpu_libs *libs, cuda_api *api, hml_err *err);

#endif
