#include "nn/cuda/cuda_api.h"

#include <dlfcn.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

gpu_libs_need cuda_api_need(void)
{
    /* The legacy convolution API we call exists in every 9.x; the sonames
     * carry the majors. CUBLAS_VER_MAJOR is CUDA's major (13). */
    return (gpu_libs_need){
        .cuda_major = CUDART_VERSION / 1000,
        .cudnn_major = CUDNN_MAJOR,
        .cudnn_min = CUDNN_MAJOR * 10000L,
        .cublas_major = CUBLAS_VER_MAJOR,
    };
}

hml_status cuda_api_resolve(const gpu_libs *libs, cuda_api *api, hml_err *err)
{
    if (libs->fail != GPU_OK)
        return hml_fail(err, HML_ESYSTEM, "%s", libs->reason);
    /* POSIX: a dlsym result converts to a function pointer. */
#define RESOLVE(id, name)                                                                       \
    api->name = (__typeof__(api->name))(uintptr_t)dlsym(libs->lib[id].handle, #name);           \
    if (!api->name)                                                                             \
        return hml_fail(err, HML_ESYSTEM, "%s lacks %s", libs->lib[id].soname, #name);
#define RESOLVE_CUDNN(name) RESOLVE(GPU_LIB_CUDNN, name)
#define RESOLVE_CUBLAS(name) RESOLVE(GPU_LIB_CUBLAS, name)
    GPU_CUDNN_SYMBOLS(RESOLVE_CUDNN)
    GPU_CUBLAS_SYMBOLS(RESOLVE_CUBLAS)
#undef RESOLVE
#undef RESOLVE_CUDNN
#undef RESOLVE_CUBLAS
    return HML_OK;
}
