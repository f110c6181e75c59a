/* The cuda backend: the reference CNN (model_spec.h) on one NVIDIA GPU.
 *
 * cuDNN (legacy API) runs the convolutions forward, backward-data and
 * backward-filter and the max-pooling; cuBLAS's sgemm the dense layers; our
 * kernels (cuda_kernels.cu) bias + ReLU, the loss, the optimizer and the
 * uint8 -> float normalisation of images kept on the device. Everything is
 * enqueued on one stream; the host waits once per call, not per layer.
 *
 * Parameters, gradients and the optimizer's moments live on the device in
 * the canonical layout itself: conv weights (O, I, KH, KW) are cuDNN's NCHW
 * filters, dense weights (O, I) row-major are read by cuBLAS (column-major)
 * as their transpose. So import/export is one copy and the optimizer one
 * kernel over NN_PARAM_COUNT floats.
 *
 * A "plan" holds what depends on the batch size n: descriptors, the cuDNN
 * algorithms, activations and their gradients, a workspace and the CUDA
 * graphs of one training step and one evaluation step. The first step of a
 * plan runs eagerly (cuDNN and cuBLAS load their kernels lazily, which a
 * capture must not see); the next ones replay the graph captured then.
 *
 * Determinism: only algorithms cuDNN reports deterministic are used; our
 * reductions have a fixed order; cuBLAS is deterministic on one stream.
 *
 * Knobs (environment, read once): HMLCOST_CUDA_TF32=1 lets cuDNN and cuBLAS
 * use TF32 tensor cores (PyTorch's default for convolutions); otherwise
 * every product is plain fp32 FMA, like the cpu backend. HMLCOST_CUDA_GRAPHS=0
 * launches every step eagerly. */
#include "nn/backend.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "data/dataset.h"
#include "nn/cuda/cuda_api.h"
#include "nn/cuda/cuda_kernels.h"
#include "nn/model_spec.h"

enum {
    MAX_PLANS = 8,
    LAYERS = NN_LAYER_COUNT,
    CUBLAS_WORKSPACE_BYTES = 32 << 20,
};
static const size_t conv_workspace_limit = (size_t)1 << 30;

/* The process's GPU context, made once (as a framework's): the libraries'
 * function table, the handles and the one stream. Never torn down. */
typedef struct cuda_context {
    bool probed, usable, ready;
    char unusable[1024];
    cuda_api api;
    cudnnHandle_t cudnn;
    cublasHandle_t cublas;
    cudaStream_t stream;
    void *cublas_workspace;
    bool tf32, graphs;
    char device_name[256];
} cuda_context;

static cuda_context ctx;

typedef struct cuda_conv {
    cudnnFilterDescriptor_t w_desc;
    cudnnConvolutionDescriptor_t fwd_desc, bwd_data_desc, bwd_filter_desc;
    cudnnConvolutionFwdAlgo_t fwd_algo;
    cudnnConvolutionBwdDataAlgo_t bwd_data_algo;
    cudnnConvolutionBwdFilterAlgo_t bwd_filter_algo;
} cuda_conv;

typedef struct cuda_plan {
    int n;
    cudnnTensorDescriptor_t act_desc[LAYERS + 1]; /* (n, c, h, w) of act[i] */
    cuda_conv conv[LAYERS];                       /* conv layers only */
    cudnnPoolingDescriptor_t pool_desc[LAYERS];   /* pooling layers only */
    float *act[LAYERS + 1];  /* act[0] = x (n, 3, 32, 32); act[i + 1] = layer i's output */
    float *dact[LAYERS + 1]; /* dL/dact[i]; dact[0] unused (conv1's input is data) */
    int32_t *labels;         /* (n) */
    void *workspace;
    size_t workspace_bytes;
    cudaGraphExec_t graph[2]; /* [0] evaluation step, [1] training step */
    int eager_runs[2];
    bool graph_failed[2];
    size_t bytes;
} cuda_plan;

typedef struct cuda_model {
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

static cuda_model *as_cuda(nn_model *m) { return (cuda_model *)m; }

#define CUDA_TRY(what, call)                                                                    \
    do {                                                                                        \
        cudaError_t rc_ = (cudaError_t)(call);                                                  \
        if (rc_ != cudaSuccess)                                                                 \
            return hml_fail(err, HML_ESYSTEM, "cuda: %s: %s", (what), cudaGetErrorString(rc_)); \
    } while (0)

#define CUDNN_TRY(what, call)                                                                   \
    do {                                                                                        \
        cudnnStatus_t st_ = (call);                                                             \
        if (st_ != CUDNN_STATUS_SUCCESS)                                                        \
            return hml_fail(err, HML_ESYSTEM, "cudnn: %s: %s", (what),                          \
                            ctx.api.cudnnGetErrorString(st_));                                  \
    } while (0)

#define CUBLAS_TRY(what, call)                                                                  \
    do {                                                                                        \
        cublasStatus_t st_ = (call);                                                            \
        if (st_ != CUBLAS_STATUS_SUCCESS)                                                       \
            return hml_fail(err, HML_ESYSTEM, "cublas: %s: %s", (what),                         \
                            ctx.api.cublasGetStatusString(st_));                                \
    } while (0)

static bool env_flag(const char *name, bool fallback)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    return strcmp(v, "0") != 0;
}

/* ---- availability and the context ---------------------------------------------------- */

static hml_status cuda_available(hml_err *err)
{
    if (!ctx.probed) {
        ctx.probed = true;
        gpu_libs_need need = cuda_api_need();
        const gpu_libs *libs = gpu_libs_probe_once(&need);
        hml_err why = {0};
        int count = 0;
        cudaError_t rc;
        if (libs->fail != GPU_OK) {
            snprintf(ctx.unusable, sizeof ctx.unusable, "Cannot use some GPU libraries: %.980s",
                     libs->reason);
        } else if (cuda_api_resolve(libs, &ctx.api, &why) != HML_OK) {
            snprintf(ctx.unusable, sizeof ctx.unusable, "%s", why.msg);
        } else if ((rc = cudaGetDeviceCount(&count)) != cudaSuccess || count < 1) {
            /* The driver checked out, but the (static) CUDA runtime disagrees. */
            snprintf(ctx.unusable, sizeof ctx.unusable, "CUDA runtime %d.%d: %s",
                     CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10,
                     rc != cudaSuccess ? cudaGetErrorString(rc) : "no CUDA device");
            cudaGetLastError();
        } else {
            ctx.usable = true;
        }
    }
    if (!ctx.usable)
        return hml_fail(err, HML_ESYSTEM, "%s", ctx.unusable);
    return HML_OK;
}

static hml_status context_init(hml_err *err)
{
    if (ctx.ready)
        return HML_OK;
    if (cuda_available(err) != HML_OK)
        return err->status;
    ctx.tf32 = env_flag("HMLCOST_CUDA_TF32", false);
    ctx.graphs = env_flag("HMLCOST_CUDA_GRAPHS", true);
    struct cudaDeviceProp prop;
    CUDA_TRY("cudaSetDevice", cudaSetDevice(0));
    CUDA_TRY("cudaGetDeviceProperties", cudaGetDeviceProperties(&prop, 0));
    snprintf(ctx.device_name, sizeof ctx.device_name, "%s", prop.name);
    CUDA_TRY("cudaStreamCreate", cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking));
    CUDNN_TRY("cudnnCreate", ctx.api.cudnnCreate(&ctx.cudnn));
    CUDNN_TRY("cudnnSetStream", ctx.api.cudnnSetStream(ctx.cudnn, ctx.stream));
    CUBLAS_TRY("cublasCreate", ctx.api.cublasCreate_v2(&ctx.cublas));
    CUBLAS_TRY("cublasSetStream", ctx.api.cublasSetStream_v2(ctx.cublas, ctx.stream));
    /* A workspace of our own: cuBLAS then never allocates, also not while
     * a CUDA graph is being captured. */
    CUDA_TRY("cudaMalloc", cudaMalloc(&ctx.cublas_workspace, CUBLAS_WORKSPACE_BYTES));
    CUBLAS_TRY("cublasSetWorkspace",
               ctx.api.cublasSetWorkspace_v2(ctx.cublas, ctx.cublas_workspace,
                                             CUBLAS_WORKSPACE_BYTES));
    CUBLAS_TRY("cublasSetMathMode",
               ctx.api.cublasSetMathMode(ctx.cublas, ctx.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                              : CUBLAS_DEFAULT_MATH));
    CUDA_TRY("normalisation constants",
             cuda_set_normalisation(data_channel_mean, data_channel_std));
    ctx.ready = true;
    return HML_OK;
}

static void cuda_describe(char *buf, size_t size)
{
    gpu_libs_need need = cuda_api_need();
    const gpu_libs *libs = gpu_libs_probe_once(&need);
    const char *version = libs->lib[GPU_LIB_CUDNN].version;
    snprintf(buf, size, "cudnn-%s%s", version[0] ? version : "unavailable",
             env_flag("HMLCOST_CUDA_TF32", false) ? "+tf32" : "");
}

/* ---- plans ----------------------------------------------------------------------------- */

static hml_status device_alloc(void **ptr, size_t bytes, size_t *total, hml_err *err)
{
    cudaError_t rc = cudaMalloc(ptr, bytes);
    if (rc != cudaSuccess) {
        *ptr = NULL;
        return hml_fail(err, HML_ESYSTEM, "cuda: cudaMalloc of %zu bytes: %s", bytes,
                        cudaGetErrorString(rc));
    }
    *total += bytes;
    return HML_OK;
}

static size_t act_floats(const nn_layer_spec *layers, int i, int n)
{
    /* act[0] is the input; act[i + 1] layer i's output. */
    if (i == 0)
        return (size_t)n * NN_INPUT_SIZE;
    const nn_layer_spec *l = &layers[i - 1];
    return (size_t)n * (size_t)l->out_c * (size_t)l->out_h * (size_t)l->out_w;
}

static void plan_destroy(cuda_plan *p)
{
    if (!p)
        return;
    const nn_layer_spec *layers = nn_layer_specs();
    for (int g = 0; g < 2; g++)
        if (p->graph[g])
            cudaGraphExecDestroy(p->graph[g]);
    for (int i = 0; i <= LAYERS; i++) {
        if (p->act_desc[i])
            ctx.api.cudnnDestroyTensorDescriptor(p->act_desc[i]);
        cudaFree(p->act[i]);
        cudaFree(p->dact[i]);
    }
    for (int i = 0; i < LAYERS; i++) {
        if (layers[i].kind == NN_LAYER_CONV) {
            cuda_conv *c = &p->conv[i];
            if (c->w_desc)
                ctx.api.cudnnDestroyFilterDescriptor(c->w_desc);
            if (c->fwd_desc)
                ctx.api.cudnnDestroyConvolutionDescriptor(c->fwd_desc);
            if (c->bwd_data_desc)
                ctx.api.cudnnDestroyConvolutionDescriptor(c->bwd_data_desc);
            if (c->bwd_filter_desc)
                ctx.api.cudnnDestroyConvolutionDescriptor(c->bwd_filter_desc);
        }
        if (p->pool_desc[i])
            ctx.api.cudnnDestroyPoolingDescriptor(p->pool_desc[i]);
    }
    cudaFree(p->labels);
    cudaFree(p->workspace);
    free(p);
}

/* Whether an algorithm's math suits the mode: plain fp32 excludes tensor ops. */
static bool math_allowed(cudnnMathType_t math)
{
    return ctx.tf32 || (math != CUDNN_TENSOR_OP_MATH && math != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
}

static hml_status conv_descriptor(cudnnConvolutionDescriptor_t *desc, const nn_layer_spec *l,
                                  hml_err *err)
{
    CUDNN_TRY("cudnnCreateConvolutionDescriptor", ctx.api.cudnnCreateConvolutionDescriptor(desc));
    CUDNN_TRY("cudnnSetConvolution2dDescriptor",
              ctx.api.cudnnSetConvolution2dDescriptor(*desc, l->pad, l->pad, l->stride, l->stride,
                                                      1, 1,
                                                      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CUDNN_TRY("cudnnSetConvolutionMathType",
              ctx.api.cudnnSetConvolutionMathType(*desc, ctx.tf32 ? CUDNN_DEFAULT_MATH
                                                                  : CUDNN_FMA_MATH));
    return HML_OK;
}

/* The fastest deterministic algorithm cuDNN's heuristics offer for each
 * direction of conv layer i (sorted by expected time; no benchmarking, so
 * building a model stays quick). */
static hml_status conv_choose(cuda_plan *p, int i, const nn_layer_spec *l, hml_err *err)
{
    cuda_conv *c = &p->conv[i];
    cudnnTensorDescriptor_t x = p->act_desc[i], y = p->act_desc[i + 1];
    size_t bytes = 0;
    int got = 0;
    bool found = false;

    cudnnConvolutionFwdAlgoPerf_t fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    CUDNN_TRY("cudnnGetConvolutionForwardAlgorithm_v7",
              ctx.api.cudnnGetConvolutionForwardAlgorithm_v7(
                  ctx.cudnn, x, c->w_desc, c->fwd_desc, y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got,
                  fwd));
    for (int k = 0; k < got && !found; k++) {
        if (fwd[k].status != CUDNN_STATUS_SUCCESS || fwd[k].determinism != CUDNN_DETERMINISTIC ||
            fwd[k].memory > conv_workspace_limit || !math_allowed(fwd[k].mathType))
            continue;
        c->fwd_algo = fwd[k].algo;
        if (ctx.tf32)
            CUDNN_TRY("cudnnSetConvolutionMathType",
                      ctx.api.cudnnSetConvolutionMathType(c->fwd_desc, fwd[k].mathType));
        found = true;
    }
    if (!found)
        return hml_fail(err, HML_ESYSTEM, "cudnn: no deterministic forward algorithm for %s",
                        l->name);
    CUDNN_TRY("cudnnGetConvolutionForwardWorkspaceSize",
              ctx.api.cudnnGetConvolutionForwardWorkspaceSize(ctx.cudnn, x, c->w_desc, c->fwd_desc,
                                                              y, c->fwd_algo, &bytes));
    if (bytes > p->workspace_bytes)
        p->workspace_bytes = bytes;

    cudnnConvolutionBwdFilterAlgoPerf_t bwf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    found = false;
    CUDNN_TRY("cudnnGetConvolutionBackwardFilterAlgorithm_v7",
              ctx.api.cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                  ctx.cudnn, x, y, c->bwd_filter_desc, c->w_desc,
                  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got, bwf));
    for (int k = 0; k < got && !found; k++) {
        if (bwf[k].status != CUDNN_STATUS_SUCCESS || bwf[k].determinism != CUDNN_DETERMINISTIC ||
            bwf[k].memory > conv_workspace_limit || !math_allowed(bwf[k].mathType))
            continue;
        c->bwd_filter_algo = bwf[k].algo;
        if (ctx.tf32)
            CUDNN_TRY("cudnnSetConvolutionMathType",
                      ctx.api.cudnnSetConvolutionMathType(c->bwd_filter_desc, bwf[k].mathType));
        found = true;
    }
    if (!found)
        return hml_fail(err, HML_ESYSTEM,
                        "cudnn: no deterministic backward-filter algorithm for %s", l->name);
    CUDNN_TRY("cudnnGetConvolutionBackwardFilterWorkspaceSize",
              ctx.api.cudnnGetConvolutionBackwardFilterWorkspaceSize(
                  ctx.cudnn, x, y, c->bwd_filter_desc, c->w_desc, c->bwd_filter_algo, &bytes));
    if (bytes > p->workspace_bytes)
        p->workspace_bytes = bytes;

    if (i == 0)
        return HML_OK; /* conv1's input is data: no backward-data */
    cudnnConvolutionBwdDataAlgoPerf_t bwd[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    found = false;
    CUDNN_TRY("cudnnGetConvolutionBackwardDataAlgorithm_v7",
              ctx.api.cudnnGetConvolutionBackwardDataAlgorithm_v7(
                  ctx.cudnn, c->w_desc, y, c->bwd_data_desc, x,
                  CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, bwd));
    for (int k = 0; k < got && !found; k++) {
        if (bwd[k].status != CUDNN_STATUS_SUCCESS || bwd[k].determinism != CUDNN_DETERMINISTIC ||
            bwd[k].memory > conv_workspace_limit || !math_allowed(bwd[k].mathType))
            continue;
        c->bwd_data_algo = bwd[k].algo;
        if (ctx.tf32)
            CUDNN_TRY("cudnnSetConvolutionMathType",
                      ctx.api.cudnnSetConvolutionMathType(c->bwd_data_desc, bwd[k].mathType));
        found = true;
    }
    if (!found)
        return hml_fail(err, HML_ESYSTEM, "cudnn: no deterministic backward-data algorithm for %s",
                        l->name);
    CUDNN_TRY("cudnnGetConvolutionBackwardDataWorkspaceSize",
              ctx.api.cudnnGetConvolutionBackwardDataWorkspaceSize(
                  ctx.cudnn, c->w_desc, y, c->bwd_data_desc, x, c->bwd_data_algo, &bytes));
    if (bytes > p->workspace_bytes)
        p->workspace_bytes = bytes;
    return HML_OK;
}

static hml_status plan_build(cuda_plan *p, int n, hml_err *err)
{
    const nn_layer_spec *layers = nn_layer_specs();
    p->n = n;
    for (int i = 0; i <= LAYERS; i++) {
        int c = NN_INPUT_C, h = NN_INPUT_H, w = NN_INPUT_W;
        if (i > 0) {
            c = layers[i - 1].out_c;
            h = layers[i - 1].out_h;
            w = layers[i - 1].out_w;
        }
        CUDNN_TRY("cudnnCreateTensorDescriptor", ctx.api.cudnnCreateTensorDescriptor(&p->act_desc[i]));
        CUDNN_TRY("cudnnSetTensor4dDescriptor",
                  ctx.api.cudnnSetTensor4dDescriptor(p->act_desc[i], CUDNN_TENSOR_NCHW,
                                                     CUDNN_DATA_FLOAT, n, c, h, w));
        size_t bytes = act_floats(layers, i, n) * sizeof(float);
        if (device_alloc((void **)&p->act[i], bytes, &p->bytes, err) != HML_OK)
            return err->status;
        if (i > 0 && device_alloc((void **)&p->dact[i], bytes, &p->bytes, err) != HML_OK)
            return err->status;
    }
    if (device_alloc((void **)&p->labels, (size_t)n * sizeof(int32_t), &p->bytes, err) != HML_OK)
        return err->status;
    for (int i = 0; i < LAYERS; i++) {
        const nn_layer_spec *l = &layers[i];
        if (l->kind == NN_LAYER_CONV) {
            cuda_conv *c = &p->conv[i];
            CUDNN_TRY("cudnnCreateFilterDescriptor", ctx.api.cudnnCreateFilterDescriptor(&c->w_desc));
            CUDNN_TRY("cudnnSetFilter4dDescriptor",
                      ctx.api.cudnnSetFilter4dDescriptor(c->w_desc, CUDNN_DATA_FLOAT,
                                                         CUDNN_TENSOR_NCHW, l->out_c, l->in_c,
                                                         l->kernel, l->kernel));
            if (conv_descriptor(&c->fwd_desc, l, err) != HML_OK ||
                conv_descriptor(&c->bwd_data_desc, l, err) != HML_OK ||
                conv_descriptor(&c->bwd_filter_desc, l, err) != HML_OK ||
                conv_choose(p, i, l, err) != HML_OK)
                return err->status;
        } else if (l->kind == NN_LAYER_MAXPOOL) {
            CUDNN_TRY("cudnnCreatePoolingDescriptor",
                      ctx.api.cudnnCreatePoolingDescriptor(&p->pool_desc[i]));
            CUDNN_TRY("cudnnSetPooling2dDescriptor",
                      ctx.api.cudnnSetPooling2dDescriptor(
                          p->pool_desc[i], CUDNN_POOLING_MAX_DETERMINISTIC, CUDNN_NOT_PROPAGATE_NAN,
                          l->kernel, l->kernel, l->pad, l->pad, l->stride, l->stride));
        }
    }
    if (p->workspace_bytes &&
        device_alloc(&p->workspace, p->workspace_bytes, &p->bytes, err) != HML_OK)
        return err->status;
    return HML_OK;
}

static hml_status plan_for(cuda_model *m, int n, cuda_plan **out, hml_err *err)
{
    if (n < 1 || n > m->cfg.batch)
        return hml_fail(err, HML_EUSAGE, "cuda: batch of %d images (the model takes 1..%d)", n,
                        m->cfg.batch);
    for (int i = 0; i < m->plan_count; i++)
        if (m->plans[i]->n == n) {
            *out = m->plans[i];
            return HML_OK;
        }
    if (m->plan_count == MAX_PLANS)
        return hml_fail(err, HML_EINTERNAL, "cuda: more than %d batch sizes", MAX_PLANS);
    cuda_plan *p = calloc(1, sizeof *p);
    if (!p)
        return hml_fail(err, HML_ESYSTEM, "cuda: out of memory");
    if (plan_build(p, n, err) != HML_OK) {
        plan_destroy(p);
        return err->status;
    }
    m->plans[m->plan_count++] = p;
    *out = p;
    return HML_OK;
}

/* ---- the step -------------------------------------------------------------------------- */

static const float one = 1.0f, zero = 0.0f;

static const float *param_ptr(const cuda_model *m, int tensor)
{
    return m->params + nn_param_specs()[tensor].offset;
}
static float *grad_ptr(const cuda_model *m, int tensor)
{
    return m->grads + nn_param_specs()[tensor].offset;
}

/* act[0] (and labels) -> act[LAYERS] = logits. */
static hml_status forward(cuda_model *m, cuda_plan *p, hml_err *err)
{
    const nn_layer_spec *layers = nn_layer_specs();
    const int n = p->n;
    for (int i = 0; i < LAYERS; i++) {
        const nn_layer_spec *l = &layers[i];
        const int spatial = l->out_h * l->out_w;
        if (l->kind == NN_LAYER_CONV) {
            const cuda_conv *c = &p->conv[i];
            CUDNN_TRY(l->name, ctx.api.cudnnConvolutionForward(
                                   ctx.cudnn, &one, p->act_desc[i], p->act[i], c->w_desc,
                                   param_ptr(m, l->weight_tensor), c->fwd_desc, c->fwd_algo,
                                   p->workspace, p->workspace_bytes, &zero, p->act_desc[i + 1],
                                   p->act[i + 1]));
        } else if (l->kind == NN_LAYER_MAXPOOL) {
            CUDNN_TRY(l->name, ctx.api.cudnnPoolingForward(ctx.cudnn, p->pool_desc[i], &one,
                                                           p->act_desc[i], p->act[i], &zero,
                                                           p->act_desc[i + 1], p->act[i + 1]));
            continue;
        } else {
            /* y (n, O) = x (n, I) W^T: column-major, y^T = op_T(W) x^T. */
            const int in = l->in_c * l->in_h * l->in_w, out_f = l->out_c;
            CUBLAS_TRY(l->name, ctx.api.cublasSgemm_v2(ctx.cublas, CUBLAS_OP_T, CUBLAS_OP_N, out_f,
                                                       n, in, &one, param_ptr(m, l->weight_tensor),
                                                       in, p->act[i], in, &zero, p->act[i + 1],
                                                       out_f));
        }
        CUDA_TRY(l->name, cuda_bias_act_forward(ctx.stream, p->act[i + 1],
                                                param_ptr(m, l->weight_tensor + 1), n, l->out_c,
                                                spatial, l->relu));
    }
    return HML_OK;
}

/* dact[LAYERS] = dL/dlogits -> grads (canonical). */
static hml_status backward(cuda_model *m, cuda_plan *p, hml_err *err)
{
    const nn_layer_spec *layers = nn_layer_specs();
    const int n = p->n;
    for (int i = LAYERS - 1; i >= 0; i--) {
        const nn_layer_spec *l = &layers[i];
        if (l->kind == NN_LAYER_MAXPOOL) {
            CUDNN_TRY(l->name, ctx.api.cudnnPoolingBackward(
                                   ctx.cudnn, p->pool_desc[i], &one, p->act_desc[i + 1],
                                   p->act[i + 1], p->act_desc[i + 1], p->dact[i + 1],
                                   p->act_desc[i], p->act[i], &zero, p->act_desc[i], p->dact[i]));
            continue;
        }
        /* Through the ReLU (in place) and the bias. */
        CUDA_TRY(l->name, cuda_relu_bias_backward(ctx.stream, p->dact[i + 1], p->act[i + 1],
                                                  grad_ptr(m, l->weight_tensor + 1), n, l->out_c,
                                                  l->out_h * l->out_w, l->relu));
        if (l->kind == NN_LAYER_CONV) {
            const cuda_conv *c = &p->conv[i];
            CUDNN_TRY(l->name, ctx.api.cudnnConvolutionBackwardFilter(
                                   ctx.cudnn, &one, p->act_desc[i], p->act[i], p->act_desc[i + 1],
                                   p->dact[i + 1], c->bwd_filter_desc, c->bwd_filter_algo,
                                   p->workspace, p->workspace_bytes, &zero, c->w_desc,
                                   grad_ptr(m, l->weight_tensor)));
            if (i > 0)
                CUDNN_TRY(l->name, ctx.api.cudnnConvolutionBackwardData(
                                       ctx.cudnn, &one, c->w_desc, param_ptr(m, l->weight_tensor),
                                       p->act_desc[i + 1], p->dact[i + 1], c->bwd_data_desc,
                                       c->bwd_data_algo, p->workspace, p->workspace_bytes, &zero,
                                       p->act_desc[i], p->dact[i]));
        } else {
            const int in = l->in_c * l->in_h * l->in_w, out_f = l->out_c;
            /* dW (O, I) = dy^T x: column-major, dW^T (I, O) = x^T dy. */
            CUBLAS_TRY(l->name, ctx.api.cublasSgemm_v2(ctx.cublas, CUBLAS_OP_N, CUBLAS_OP_T, in,
                                                       out_f, n, &one, p->act[i], in,
                                                       p->dact[i + 1], out_f, &zero,
                                                       grad_ptr(m, l->weight_tensor), in));
            /* dx (n, I) = dy W: column-major, dx^T = W^T dy^T. */
            if (i > 0)
                CUBLAS_TRY(l->name, ctx.api.cublasSgemm_v2(
                                        ctx.cublas, CUBLAS_OP_N, CUBLAS_OP_N, in, n, out_f, &one,
                                        param_ptr(m, l->weight_tensor), in, p->dact[i + 1], out_f,
                                        &zero, p->dact[i], in));
        }
    }
    return HML_OK;
}

static hml_status update(cuda_model *m, hml_err *err)
{
    const nn_optimizer_config *o = &m->cfg.optimizer;
    if (o->kind == NN_OPT_SGD)
        CUDA_TRY("sgd", cuda_sgd_update(ctx.stream, m->params, m->grads, m->moment1,
                                        NN_PARAM_COUNT, o->lr, o->momentum));
    else
        CUDA_TRY("adam", cuda_adam_update(ctx.stream, m->params, m->grads, m->moment1, m->moment2,
                                          NN_PARAM_COUNT, m->state, o->beta1, o->beta2, o->eps));
    return HML_OK;
}

/* One step on the plan's act[0]/labels: train (forward, loss, backward,
 * update) or evaluate (forward, loss into the state's sums); then the
 * state advances. */
static hml_status step_body(cuda_model *m, cuda_plan *p, bool train, hml_err *err)
{
    if (forward(m, p, err) != HML_OK)
        return err->status;
    CUDA_TRY("loss", cuda_softmax_xent(ctx.stream, p->act[LAYERS], p->labels, p->n, NN_CLASSES,
                                       train ? p->dact[LAYERS] : NULL, m->losses, m->state));
    if (train && (backward(m, p, err) != HML_OK || update(m, err) != HML_OK))
        return err->status;
    const nn_optimizer_config *o = &m->cfg.optimizer;
    CUDA_TRY("advance", cuda_step_advance(ctx.stream, m->state, train, o->lr, o->beta1, o->beta2));
    return HML_OK;
}

static hml_status capture(cuda_model *m, cuda_plan *p, bool train, hml_err *err)
{
    cudaGraph_t graph = NULL;
    CUDA_TRY("cudaStreamBeginCapture",
             cudaStreamBeginCapture(ctx.stream, cudaStreamCaptureModeThreadLocal));
    hml_err inner = {0};
    hml_status st = step_body(m, p, train, &inner);
    cudaError_t rc = cudaStreamEndCapture(ctx.stream, &graph);
    if (st == HML_OK && rc == cudaSuccess)
        rc = cudaGraphInstantiate(&p->graph[train], graph, 0);
    if (graph)
        cudaGraphDestroy(graph);
    if (st != HML_OK || rc != cudaSuccess) {
        /* Not capturable here (a library call refused): run this plan
         * eagerly from now on. Clear the sticky launch error, if any. */
        p->graph[train] = NULL;
        p->graph_failed[train] = true;
        cudaGetLastError();
    }
    return HML_OK;
}

/* Runs a step: eagerly the first time (the libraries load their kernels
 * then), from the captured graph afterwards. */
static hml_status run_step(cuda_model *m, cuda_plan *p, bool train, hml_err *err)
{
    if (ctx.graphs && !p->graph_failed[train] && p->eager_runs[train] > 0) {
        if (!p->graph[train] && capture(m, p, train, err) != HML_OK)
            return err->status;
        if (p->graph[train]) {
            CUDA_TRY("cudaGraphLaunch", cudaGraphLaunch(p->graph[train], ctx.stream));
            return HML_OK;
        }
    }
    p->eager_runs[train]++;
    return step_body(m, p, train, err);
}

static hml_status reset_batch_index(cuda_model *m, bool reset_eval_sums, hml_err *err)
{
    CUDA_TRY("cudaMemsetAsync", cudaMemsetAsync(&m->state->batch, 0, sizeof(int), ctx.stream));
    if (reset_eval_sums) {
        CUDA_TRY("cudaMemsetAsync",
                 cudaMemsetAsync(&m->state->correct, 0, sizeof(int), ctx.stream));
        CUDA_TRY("cudaMemsetAsync",
                 cudaMemsetAsync(&m->state->loss_sum, 0, sizeof(double), ctx.stream));
    }
    return HML_OK;
}

static hml_status upload_batch(cuda_plan *p, const float *x, const int32_t *labels, int n,
                               hml_err *err)
{
    CUDA_TRY("copy x", cudaMemcpyAsync(p->act[0], x, (size_t)n * NN_INPUT_SIZE * sizeof(float),
                                       cudaMemcpyHostToDevice, ctx.stream));
    CUDA_TRY("copy labels", cudaMemcpyAsync(p->labels, labels, (size_t)n * sizeof(int32_t),
                                            cudaMemcpyHostToDevice, ctx.stream));
    return HML_OK;
}

static hml_status check_labels(const int32_t *labels, int n, hml_err *err)
{
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= NN_CLASSES)
            return hml_fail(err, HML_EUSAGE, "cuda: label %d of image %d is not in 0..9",
                            labels[i], i);
    return HML_OK;
}

/* ---- the interface --------------------------------------------------------------------- */

static void cuda_destroy(nn_model *model)
{
    cuda_model *m = as_cuda(model);
    if (!m)
        return;
    if (ctx.ready)
        cudaStreamSynchronize(ctx.stream);
    for (int i = 0; i < m->plan_count; i++)
        plan_destroy(m->plans[i]);
    cudaFree(m->block);
    cudaFree(m->state);
    cudaFree(m->losses);
    cudaFree(m->order);
    cudaFree(m->data[0]);
    cudaFree(m->data[1]);
    free(m);
}

static void initial_state(const nn_optimizer_config *o, cuda_step_state *s)
{
    memset(s, 0, sizeof *s);
    /* Step 1's size, as nn_adam_update computes it. */
    double correction = sqrt(1.0 - pow(o->beta2, 1.0)) / (1.0 - pow(o->beta1, 1.0));
    s->adam_step = (float)(o->lr * correction);
}

static hml_status cuda_create(const nn_model_config *cfg, const float *initial_params,
                              nn_model **out, hml_err *err)
{
    *out = NULL;
    if (cfg->batch < 1)
        return hml_fail(err, HML_EUSAGE, "cuda: batch must be >= 1, not %d", cfg->batch);
    if (context_init(err) != HML_OK)
        return err->status;
    cuda_model *m = calloc(1, sizeof *m);
    if (!m)
        return hml_fail(err, HML_ESYSTEM, "cuda: out of memory");
    m->cfg = *cfg;
    hml_status st = HML_OK;
    const size_t param_bytes = (size_t)NN_PARAM_COUNT * sizeof(float);
    if ((st = device_alloc((void **)&m->block, 4 * param_bytes, &m->bytes, err)) != HML_OK)
        goto fail;
    m->params = m->block;
    m->grads = m->block + NN_PARAM_COUNT;
    m->moment1 = m->block + 2 * (size_t)NN_PARAM_COUNT;
    m->moment2 = m->block + 3 * (size_t)NN_PARAM_COUNT;
    cuda_step_state state;
    initial_state(&cfg->optimizer, &state);
    if ((st = device_alloc((void **)&m->state, sizeof state, &m->bytes, err)) != HML_OK ||
        (st = device_alloc((void **)&m->losses, sizeof(float), &m->bytes, err)) != HML_OK)
        goto fail;
    m->losses_cap = 1;
    {
        cudaError_t rc = cudaMemcpyAsync(m->params, initial_params, param_bytes,
                                         cudaMemcpyHostToDevice, ctx.stream);
        if (rc == cudaSuccess)
            rc = cudaMemsetAsync(m->grads, 0, 3 * param_bytes, ctx.stream);
        if (rc == cudaSuccess)
            rc = cudaMemcpyAsync(m->state, &state, sizeof state, cudaMemcpyHostToDevice,
                                 ctx.stream);
        if (rc == cudaSuccess)
            rc = cudaStreamSynchronize(ctx.stream);
        if (rc != cudaSuccess) {
            st = hml_fail(err, HML_ESYSTEM, "cuda: model upload: %s", cudaGetErrorString(rc));
            goto fail;
        }
    }
    cuda_plan *plan;
    if ((st = plan_for(m, cfg->batch, &plan, err)) != HML_OK)
        goto fail;
    *out = (nn_model *)m;
    return HML_OK;
fail:
    cuda_destroy((nn_model *)m);
    return st;
}

static hml_status cuda_prepare_batch(nn_model *model, int n, hml_err *err)
{
    cuda_plan *p;
    return plan_for(as_cuda(model), n, &p, err);
}

static hml_status cuda_train_step(nn_model *model, const float *x, const int32_t *labels, int n,
                                  float *loss, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_plan *p;
    if (check_labels(labels, n, err) != HML_OK || plan_for(m, n, &p, err) != HML_OK ||
        reset_batch_index(m, false, err) != HML_OK || upload_batch(p, x, labels, n, err) != HML_OK ||
        run_step(m, p, true, err) != HML_OK)
        return err->status;
    CUDA_TRY("copy loss", cudaMemcpyAsync(loss, m->losses, sizeof(float), cudaMemcpyDeviceToHost,
                                          ctx.stream));
    CUDA_TRY("train step", cudaStreamSynchronize(ctx.stream));
    return HML_OK;
}

static hml_status read_eval_sums(cuda_model *m, int *correct, double *loss_sum, hml_err *err)
{
    cuda_step_state s;
    CUDA_TRY("copy state", cudaMemcpyAsync(&s, m->state, sizeof s, cudaMemcpyDeviceToHost,
                                           ctx.stream));
    CUDA_TRY("evaluate", cudaStreamSynchronize(ctx.stream));
    *correct = s.correct;
    *loss_sum = s.loss_sum;
    return HML_OK;
}

static hml_status cuda_evaluate(nn_model *model, const float *x, const int32_t *labels, int n,
                                int *correct, double *loss_sum, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_plan *p;
    if (check_labels(labels, n, err) != HML_OK || plan_for(m, n, &p, err) != HML_OK ||
        reset_batch_index(m, true, err) != HML_OK || upload_batch(p, x, labels, n, err) != HML_OK ||
        run_step(m, p, false, err) != HML_OK)
        return err->status;
    return read_eval_sums(m, correct, loss_sum, err);
}

static hml_status cuda_gradients(nn_model *model, const float *x, const int32_t *labels, int n,
                                 float *logits, float *loss, float *grads, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_plan *p;
    if (check_labels(labels, n, err) != HML_OK || plan_for(m, n, &p, err) != HML_OK ||
        reset_batch_index(m, false, err) != HML_OK || upload_batch(p, x, labels, n, err) != HML_OK ||
        forward(m, p, err) != HML_OK)
        return err->status;
    CUDA_TRY("loss", cuda_softmax_xent(ctx.stream, p->act[LAYERS], p->labels, n, NN_CLASSES,
                                       p->dact[LAYERS], m->losses, m->state));
    if (backward(m, p, err) != HML_OK)
        return err->status;
    if (logits)
        CUDA_TRY("copy logits", cudaMemcpyAsync(logits, p->act[LAYERS],
                                                (size_t)n * NN_CLASSES * sizeof(float),
                                                cudaMemcpyDeviceToHost, ctx.stream));
    if (loss)
        CUDA_TRY("copy loss", cudaMemcpyAsync(loss, m->losses, sizeof(float),
                                              cudaMemcpyDeviceToHost, ctx.stream));
    if (grads)
        CUDA_TRY("copy grads", cudaMemcpyAsync(grads, m->grads,
                                               (size_t)NN_PARAM_COUNT * sizeof(float),
                                               cudaMemcpyDeviceToHost, ctx.stream));
    CUDA_TRY("gradients", cudaStreamSynchronize(ctx.stream));
    return HML_OK;
}

static hml_status cuda_get_params(nn_model *model, float *params, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    CUDA_TRY("copy params", cudaMemcpyAsync(params, m->params,
                                            (size_t)NN_PARAM_COUNT * sizeof(float),
                                            cudaMemcpyDeviceToHost, ctx.stream));
    CUDA_TRY("get params", cudaStreamSynchronize(ctx.stream));
    return HML_OK;
}

static hml_status cuda_set_params(nn_model *model, const float *params, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    CUDA_TRY("copy params", cudaMemcpyAsync(m->params, params,
                                            (size_t)NN_PARAM_COUNT * sizeof(float),
                                            cudaMemcpyHostToDevice, ctx.stream));
    CUDA_TRY("set params", cudaStreamSynchronize(ctx.stream));
    return HML_OK;
}

static size_t cuda_footprint_bytes(const nn_model *model)
{
    const cuda_model *m = (const cuda_model *)model;
    size_t total = m->bytes;
    for (int i = 0; i < m->plan_count; i++)
        total += m->plans[i]->bytes;
    return total;
}

static hml_status cuda_upload_data(nn_model *model, int which, const struct data_set *set,
                                   hml_err *err)
{
    cuda_model *m = as_cuda(model);
    if (which != NN_DATA_TRAIN && which != NN_DATA_TEST)
        return hml_fail(err, HML_EINTERNAL, "cuda: upload_data: no data slot %d", which);
    if (m->data[which]) {
        m->bytes -= m->data_count[which] * DATA_RECORD_BYTES;
        cudaFree(m->data[which]);
        m->data[which] = NULL;
        m->data_count[which] = 0;
    }
    if (!set->count)
        return HML_OK;
    const size_t bytes = set->count * DATA_RECORD_BYTES;
    if (device_alloc((void **)&m->data[which], bytes, &m->bytes, err) != HML_OK)
        return err->status;
    CUDA_TRY("upload data", cudaMemcpyAsync(m->data[which], set->records, bytes,
                                            cudaMemcpyHostToDevice, ctx.stream));
    CUDA_TRY("upload data", cudaStreamSynchronize(ctx.stream));
    m->data_count[which] = set->count;
    return HML_OK;
}

/* Drops every captured graph (they hold device pointers that are about to
 * change); the next steps capture them again. */
static void invalidate_graphs(cuda_model *m)
{
    for (int i = 0; i < m->plan_count; i++)
        for (int g = 0; g < 2; g++)
            if (m->plans[i]->graph[g]) {
                cudaGraphExecDestroy(m->plans[i]->graph[g]);
                m->plans[i]->graph[g] = NULL;
            }
}

/* Grows a device array to hold `need` elements of `size` bytes. */
static hml_status ensure_capacity(cuda_model *m, void **ptr, size_t *cap, size_t need,
                                  size_t size, hml_err *err)
{
    if (*cap >= need)
        return HML_OK;
    CUDA_TRY("cudaStreamSynchronize", cudaStreamSynchronize(ctx.stream));
    invalidate_graphs(m);
    cudaFree(*ptr);
    m->bytes -= *cap * size;
    *cap = 0;
    if (device_alloc(ptr, need * size, &m->bytes, err) != HML_OK)
        return err->status;
    *cap = need;
    return HML_OK;
}

static hml_status cuda_train_batches(nn_model *model, const uint32_t *order, size_t first,
                                     size_t count, float *losses, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    if (!m->data[NN_DATA_TRAIN])
        return hml_fail(err, HML_EINTERNAL, "cuda: train_batches before upload_data");
    if (!count)
        return HML_OK;
    /* An index past the set would read outside the device copy: refuse. */
    for (size_t i = 0; i < count; i++)
        if (order[first + i] >= m->data_count[NN_DATA_TRAIN])
            return hml_fail(err, HML_EINTERNAL, "cuda: order[%zu] = %u is past the %zu images",
                            first + i, order[first + i], m->data_count[NN_DATA_TRAIN]);
    const size_t batch = (size_t)m->cfg.batch;
    const size_t batches = (count + batch - 1) / batch;
    if (ensure_capacity(m, (void **)&m->order, &m->order_cap, count, sizeof(uint32_t), err) !=
            HML_OK ||
        ensure_capacity(m, (void **)&m->losses, &m->losses_cap, batches, sizeof(float), err) !=
            HML_OK)
        return err->status;
    CUDA_TRY("copy order", cudaMemcpyAsync(m->order, order + first, count * sizeof(uint32_t),
                                           cudaMemcpyHostToDevice, ctx.stream));
    if (reset_batch_index(m, false, err) != HML_OK)
        return err->status;
    for (size_t k = 0; k < batches; k++) {
        const int n = (int)(k + 1 < batches ? batch : count - k * batch);
        cuda_plan *p;
        if (plan_for(m, n, &p, err) != HML_OK)
            return err->status;
        CUDA_TRY("gather", cuda_gather_images(ctx.stream, m->data[NN_DATA_TRAIN], m->order,
                                              m->state, (int)batch, n, p->act[0], p->labels));
        if (run_step(m, p, true, err) != HML_OK)
            return err->status;
    }
    CUDA_TRY("copy losses", cudaMemcpyAsync(losses, m->losses, batches * sizeof(float),
                                            cudaMemcpyDeviceToHost, ctx.stream));
    CUDA_TRY("train", cudaStreamSynchronize(ctx.stream));
    return HML_OK;
}

static hml_status cuda_evaluate_batches(nn_model *model, size_t first, size_t count, int *correct,
                                        double *loss_sum, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    *correct = 0;
    *loss_sum = 0.0;
    if (!m->data[NN_DATA_TEST])
        return hml_fail(err, HML_EINTERNAL, "cuda: evaluate_batches before upload_data");
    if (first > m->data_count[NN_DATA_TEST] || count > m->data_count[NN_DATA_TEST] - first)
        return hml_fail(err, HML_EINTERNAL, "cuda: test images %zu..%zu past the %zu uploaded",
                        first, first + count, m->data_count[NN_DATA_TEST]);
    if (!count)
        return HML_OK;
    const size_t batch = (size_t)m->cfg.batch;
    const size_t batches = (count + batch - 1) / batch;
    const uint8_t *records = m->data[NN_DATA_TEST] + first * DATA_RECORD_BYTES;
    if (reset_batch_index(m, true, err) != HML_OK)
        return err->status;
    for (size_t k = 0; k < batches; k++) {
        const int n = (int)(k + 1 < batches ? batch : count - k * batch);
        cuda_plan *p;
        if (plan_for(m, n, &p, err) != HML_OK)
            return err->status;
        CUDA_TRY("gather", cuda_gather_images(ctx.stream, records, NULL, m->state, (int)batch, n,
                                              p->act[0], p->labels));
        if (run_step(m, p, false, err) != HML_OK)
            return err->status;
    }
    return read_eval_sums(m, correct, loss_sum, err);
}

static const nn_backend cuda_backend = {
    .device = "cuda",
    .available = cuda_available,
    .describe = cuda_describe,
    .create = cuda_create,
    .prepare_batch = cuda_prepare_batch,
    .train_step = cuda_train_step,
    .evaluate = cuda_evaluate,
    .gradients = cuda_gradients,
    .get_params = cuda_get_params,
    .set_params = cuda_set_params,
    .footprint_bytes = cuda_footprint_bytes,
    .destroy = cuda_destroy,
    .upload_data = cuda_upload_data,
    .train_batches = cuda_train_batches,
    .evaluate_batches = cuda_evaluate_batches,
};

const nn_backend *nn_backend_cuda(void) { return &cuda_backend; }
