/* A stand-in for libcudnn.so.9: FAKE_CUDNN_VERSION (cudnnGetVersion, e.g.
 * 91400), FAKE_CUDNN_CUDART (cudnnGetCudartVersion: 12090 = a cuDNN built
 * for CUDA 12, which has the same soname), FAKE_CUDNN_CNN_CHECK
 * (cudnnCnnVersionCheck's status: 1002 = a sub-library of another version).
 * Every other function hmlcost calls exists and fails (3000, not
 * supported); with FAKE_CUDNN_PARTIAL only the version queries exist. */
#include <stddef.h>

#include "nn/cuda/gpu_symbols.h"

#ifndef FAKE_CUDNN_VERSION
#define FAKE_CUDNN_VERSION 91400
#endif
#ifndef FAKE_CUDNN_CUDART
#define FAKE_CUDNN_CUDART 13000
#endif
#ifndef FAKE_CUDNN_CNN_CHECK
#define FAKE_CUDNN_CNN_CHECK 0
#endif

#ifndef FAKE_CUDNN_PARTIAL
/* The list's names, less the ones defined below, as failing functions. */
#define cudnnGetVersion unused_cudnnGetVersion
#define cudnnGetCudartVersion unused_cudnnGetCudartVersion
#define cudnnGraphVersionCheck unused_cudnnGraphVersionCheck
#define cudnnOpsVersionCheck unused_cudnnOpsVersionCheck
#define cudnnCnnVersionCheck unused_cudnnCnnVersionCheck
#define cudnnGetErrorString unused_cudnnGetErrorString
#define FAKE_FAILING(name) int name(void); int name(void) { return 3000; }
GPU_CUDNN_SYMBOLS(FAKE_FAILING)
#undef cudnnGetVersion
#undef cudnnGetCudartVersion
#undef cudnnGraphVersionCheck
#undef cudnnOpsVersionCheck
#undef cudnnCnnVersionCheck
#undef cudnnGetErrorString
#endif

size_t cudnnGetVersion(void);
size_t cudnnGetCudartVersion(void);
int cudnnGraphVersionCheck(void);
int cudnnOpsVersionCheck(void);
int cudnnCnnVersionCheck(void);
const char *cudnnGetErrorString(int status);

size_t cudnnGetVersion(void) { return FAKE_CUDNN_VERSION; }
size_t cudnnGetCudartVersion(void) { return FAKE_CUDNN_CUDART; }
int cudnnGraphVersionCheck(void) { return 0; }
int cudnnOpsVersionCheck(void) { return 0; }
int cudnnCnnVersionCheck(void) { return FAKE_CUDNN_CNN_CHECK; }

const char *cudnnGetErrorString(int status)
{
    switch (status) {
    case 0: return "CUDNN_STATUS_SUCCESS";
    case 1002: return "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH";
    case 3000: return "CUDNN_STATUS_NOT_SUPPORTED";
    default: return "CUDNN_STATUS_UNKNOWN";
    }
}
