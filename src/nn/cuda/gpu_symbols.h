/* The functions the cuda backend calls in each run-time-loaded library, as
 * X-macro lists of names. One list serves two readers:
 *   - gpu_libs.c (plain C, no CUDA headers) checks every name resolves, so a
 *     library that lacks one is reported before any GPU work starts;
 *   - cuda_api.c (with the CUDA headers) turns each name into a pointer of
 *     the header's exact type: `__typeof__(&name) name;`.
 * cuBLAS is listed by its real exported names (cublas_v2.h maps cublasCreate
 * to cublasCreate_v2 with a macro). */
#ifndef HMLCOST_NN_CUDA_GPU_SYMBOLS_H
#define HMLCOST_NN_CUDA_GPU_SYMBOLS_H

/* libcuda.so.1 (the driver): only the probe calls it; cudart (linked
 * statically) loads the same object by the same soname later. */
#define GPU_DRIVER_SYMBOLS(X)                                                                   \
    X(cuInit)                                                                                   \
    X(cuDriverGetVersion)                                                                       \
    X(cuDeviceGetCount)                                                                         \
    X(cuGetErrorName)

/* libcudnn.so.9: version queries, then the legacy (v7-style) API. */
#define GPU_CUDNN_SYMBOLS(X)                                                                    \
    X(cudnnGetVersion)                                                                          \
    X(cudnnGetCudartVersion)                                                                    \
    X(cudnnGraphVersionCheck)                                                                   \
    X(cudnnOpsVersionCheck)                                                                     \
    X(cudnnCnnVersionCheck)                                                                     \
    X(cudnnGetErrorString)                                                                      \
    X(cudnnCreate)                                                                              \
    X(cudnnDestroy)                                                                             \
    X(cudnnSetStream)                                                                           \
    X(cudnnCreateTensorDescriptor)                                                              \
    X(cudnnSetTensor4dDescriptor)                                                               \
    X(cudnnDestroyTensorDescriptor)                                                             \
    X(cudnnCreateFilterDescriptor)                                                              \
    X(cudnnSetFilter4dDescriptor)                                                               \
    X(cudnnDestroyFilterDescriptor)                                                             \
    X(cudnnCreateConvolutionDescriptor)                                                         \
    X(cudnnSetConvolution2dDescriptor)                                                          \
    X(cudnnSetConvolutionMathType)                                                              \
    X(cudnnDestroyConvolutionDescriptor)                                                        \
    X(cudnnGetConvolutionForwardAlgorithm_v7)                                                   \
    X(cudnnGetConvolutionBackwardDataAlgorithm_v7)                                              \
    X(cudnnGetConvolutionBackwardFilterAlgorithm_v7)                                            \
    X(cudnnGetConvolutionForwardWorkspaceSize)                                                  \
    X(cudnnGetConvolutionBackwardDataWorkspaceSize)                                             \
    X(cudnnGetConvolutionBackwardFilterWorkspaceSize)                                           \
    X(cudnnConvolutionForward)                                                                  \
    X(cudnnConvolutionBackwardData)                                                             \
    X(cudnnConvolutionBackwardFilter)                                                           \
    X(cudnnCreatePoolingDescriptor)                                                             \
    X(cudnnSetPooling2dDescriptor)                                                              \
    X(cudnnDestroyPoolingDescriptor)                                                            \
    X(cudnnPoolingForward)                                                                      \
    X(cudnnPoolingBackward)

/* libcublas.so.13 (which pulls in libcublasLt.so.13 by DT_NEEDED). */
#define GPU_CUBLAS_SYMBOLS(X)                                                                   \
    X(cublasGetProperty)                                                                        \
    X(cublasGetStatusString)                                                                    \
    X(cublasCreate_v2)                                                                          \
    X(cublasDestroy_v2)                                                                         \
    X(cublasSetStream_v2)                                                                       \
    X(cublasSetWorkspace_v2)                                                                    \
    X(cublasSetMathMode)                                                                        \
    X(cublasSgemm_v2)

/* libcublasLt.so.13: only its version is read (cuBLAS calls it itself). */
#define GPU_CUBLASLT_SYMBOLS(X) X(cublasLtGetVersion)

#endif
