/* A stand-in for libcublas.so.13: cublasGetProperty answers
 * FAKE_CUBLAS_MAJOR.FAKE_CUBLAS_MINOR.0; every other function hmlcost calls
 * exists and fails (3, CUBLAS_STATUS_ALLOC_FAILED), unless
 * FAKE_CUBLAS_PARTIAL: then only cublasGetProperty exists. */
#include "nn/cuda/gpu_symbols.h"

#ifndef FAKE_CUBLAS_MAJOR
#define FAKE_CUBLAS_MAJOR 13
#endif
#ifndef FAKE_CUBLAS_MINOR
#define FAKE_CUBLAS_MINOR 0
#endif

#ifndef FAKE_CUBLAS_PARTIAL
#define cublasGetProperty unused_cublasGetProperty
#define FAKE_FAILING(name) int name(void); int name(void) { return 3; }
GPU_CUBLAS_SYMBOLS(FAKE_FAILING)
#undef cublasGetProperty
#endif

int cublasGetProperty(int type, int *value);

int cublasGetProperty(int type, int *value)
{
    switch (type) {
    case 0: *value = FAKE_CUBLAS_MAJOR; return 0;
    case 1: *value = FAKE_CUBLAS_MINOR; return 0;
    case 2: *value = 0; return 0;
    default: return 7; /* CUBLAS_STATUS_INVALID_VALUE */
    }
}
