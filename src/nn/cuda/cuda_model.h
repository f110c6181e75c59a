/* A model of the cuda backend: parameters, gradients and the optimizer's
 * moments in one device block, in the canonical layout itself (conv weights
 * (O, I, KH, KW) are cuDNN's NCHW filters; dense weights (O, I) row-major
 * are read by cuBLAS, column-major, as their transpose), so import/export
 * is one copy and the optimizer one kernel over NN_PARAM_COUNT floats; the
 * data sets kept on the device; and one plan per batch size seen
 * (cuda_plan.h). */
#ifndef HMLCOST_NN_CUDA_CUDA_MODEL_H
#define HMLCOST_NN_CUDA_CUDA_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/backend.h"
#include "nn/cuda/cuda_context.h"
#include "nn/cuda/cuda_kernels.h"
#include "nn/model_spec.h"

enum {
    MAX_PLANS = 8,
    /* Partial sums of the bias-gradient kernels (more for cuda_wgrad_small). */
    BIAS_PARTIAL_FLOATS = 8192,
};

typedef struct cuda_conv {
    cudnnFilterDescriptor_t w_desc;
    cudnnConvolutionDescriptor_t fwd_desc, bwd_data_desc, bwd_filter_desc;
    cudnnConvolutionFwdAlgo_t fwd_algo;
    cudnnConvolutionBwdDataAlgo_t bwd_data_algo;
    cudnnConvolutionBwdFilterAlgo_t bwd_filter_algo;
} cuda_conv;

/* What depends on the batch size n: descriptors, the cuDNN algorithms,
 * activations and their gradients, a workspace and the CUDA graphs of one
 * training step and one evaluation step. */
typedef struct cuda_plan {
    int n;
    cudnnTensorDescriptor_t act_desc[NN_LAYER_COUNT + 1]; /* (n, c, h, w) of act[i] */
    cudnnTensorDescriptor_t bias_desc[NN_LAYER_COUNT];    /* (1, c, 1, 1): conv, fused only */
    cuda_conv conv[NN_LAYER_COUNT];                       /* conv layers only */
    cudnnPoolingDescriptor_t pool_desc[NN_LAYER_COUNT];   /* pooling layers only */
    float *bias_partial;     /* partial sums of our bias/weight-gradient kernels */
    size_t bias_partial_floats; /* BIAS_PARTIAL_FLOATS, or more for cuda_wgrad_small */
    bool wgrad_own[NN_LAYER_COUNT];  /* conv layers whose gradients cuda_wgrad_small makes */
    bool pool_fused[NN_LAYER_COUNT]; /* pooling layers run by cuda_pool_relu_bias_backward */
    bool unfused[NN_LAYER_COUNT];    /* cuDNN refused the fused call for this layer */
    float *act[NN_LAYER_COUNT + 1];  /* act[0] = x (n, 3, 32, 32); act[i + 1] = layer i's output */
    float *dact[NN_LAYER_COUNT + 1]; /* dL/dact[i]; dact[0] unused (conv1's input is data) */
    int32_t *labels;         /* (n) */
    void *workspace;
    size_t workspace_bytes;
    cudaGraphExec_t graph[2]; /* [0] evaluation step, [1] training step */
    int eager_runs[2];
    bool graph_failed[2];
    size_t bytes;
} cuda_plan;

typedef struct cuda_model {
    cuda_context *cx;
    nn_model_config cfg;
    float *block;                    /* params | grads | moment1 | moment2 */
    float *params, *grads, *moment1, *moment2;
    cuda_step_state *state;          /* device */
    float *losses;                   /* device: a call's per-batch losses */
    size_t losses_cap;
    uint32_t *order;                 /* device: a train_batches call's order slice */
    size_t order_cap;
    uint8_t *data[2];                /* device: NN_DATA_TRAIN / NN_DATA_TEST records */
    size_t data_count[2];
    int plan_count;
    cuda_plan *plans[MAX_PLANS];
    size_t bytes;
} cuda_model;

static inline const float *param_ptr(const cuda_model *m, int tensor)
{
    return m->params + nn_param_specs()[tensor].offset;
}
static inline float *grad_ptr(const cuda_model *m, int tensor)
{
    return m->grads + nn_param_specs()[tensor].offset;
}

#endif
