/* The cuda backend's GPU context, one per process and made once, as a
 * framework's is: the libraries' function table, the cuDNN and cuBLAS
 * handles, the one stream every operation is enqueued on, the options the
 * first model set it up with, and the record of what was chosen and how
 * long the set-up took (cuda_details.h). Never torn down. */
#ifndef HMLCOST_NN_CUDA_CUDA_CONTEXT_H
#define HMLCOST_NN_CUDA_CUDA_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <cuda_runtime_api.h>

#include "common/error.h"
#include "nn/cuda/conv_algos.h"
#include "nn/cuda/cuda_api.h"
#include "nn/cuda/cuda_config.h"
#include "nn/cuda/cuda_details.h"
#include "nn/cuda/cuda_profile.h"

/* nn_cuda_config with the defaults filled in. */
typedef struct cuda_options {
    bool tf32, graphs, fused, profile;
    bool wgrad_own;  /* conv1's gradients by our kernel (own_grad.h) */
    bool pool_fused; /* pooling backward fused with ReLU + bias (own_grad.h) */
    nn_cuda_bias_grad bias_grad;
    conv_algo_policy algo;
    conv_algo_pins pins;
} cuda_options;

typedef struct cuda_context {
    bool probed, usable, ready;
    char unusable[1024];
    cuda_api api;
    cudnnHandle_t cudnn;
    cublasHandle_t cublas;
    cudaStream_t stream;
    void *cublas_workspace;
    cudnnActivationDescriptor_t relu;
    nn_cuda_config config; /* as the first model asked */
    cuda_options opt;
    const conv_algo_table *table; /* policy table and one fits this GPU */
    /* What happened, for the result JSON and the report: the device, the
     * set-up steps' wall times in order, the algorithms of the first plan
     * of the full batch, notes (cuda_details.h). */
    cuda_details det;
    bool recorded; /* det.records holds the first full-batch plan's choices */
    cuda_profile prof;
} cuda_context;

/* The process's context (not yet set up until cuda_context_init). */
cuda_context *cuda_context_of_process(void);

/* Whether a GPU and its libraries can be used here; probed once, the
 * answer (and why not) kept. */
hml_status cuda_context_available(cuda_context *cx, hml_err *err);

/* Sets the context up for models with these options, once; a later model
 * with other options is refused (HML_EUSAGE): one process, one set of
 * choices, as the result's "cuda" record describes them. */
hml_status cuda_context_init(cuda_context *cx, const nn_cuda_config *config, hml_err *err);

/* Seconds on a monotonic clock. */
double cuda_wall_now(void);
/* Records a set-up step's duration (label: a string literal). */
void cuda_timing_add(cuda_context *cx, const char *label, double seconds);
/* cudaMalloc, adding the bytes to *total. */
hml_status cuda_device_alloc(void **ptr, size_t bytes, size_t *total, hml_err *err);

#endif
