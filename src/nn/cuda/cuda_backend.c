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
 * Determinism: only algorithms cuDNN documents and reports deterministic
 * are used, and every process picks the same ones (conv_algos.h: a fixed
 * table per GPU architecture, else cuDNN's heuristics; never a timing unless
 * asked for); our reductions have a fixed order; cuBLAS is deterministic on
 * one stream.
 *
 * Knobs (environment, read once; cuda_options_read). The defaults are the
 * fastest deterministic configuration verified on a GPU (bench/gpu-explore.sh,
 * bench/gpu-check.sh); the gradient path's default is grad_defaults.h's. Each
 * knob that departs from the defaults is named in the backend string:
 *   HMLCOST_CUDA_TF32=1     cuDNN and cuBLAS may use TF32 tensor cores
 *                           (PyTorch's default for convolutions); otherwise
 *                           every product is plain fp32 FMA, like the cpu backend;
 *   HMLCOST_CUDA_GRAPHS=0   every step launched eagerly;
 *   HMLCOST_CUDA_ALGO=table (default) | heuristic | find: how cuDNN's
 *                           algorithms are chosen (conv_algos.h); find times
 *                           them in this process (cudnnFind*AlgorithmEx) and
 *                           may pick differently in another process;
 *   HMLCOST_CUDA_ALGOS="conv2.bwd_filter=2 ..."  these algorithms exactly
 *                           (the result's cuda.algorithms has this form);
 *   HMLCOST_CUDA_FUSED=0    convolution, then bias + ReLU in our kernel; by
 *                           default one cuDNN call does all three
 *                           (cudnnConvolutionBiasActivationForward);
 *   HMLCOST_CUDA_BIASGRAD=tiled | split | single: the bias
 *                           gradients (with the ReLU backward): single, one
 *                           pass, a block per channel (a thread per feature
 *                           for dense layers); split, conv layers in two passes
 *                           over (image chunk, channel) blocks (more parallel),
 *                           dense as single; tiled, conv as split, dense
 *                           layers in blocks of 32 features x 8 image groups;
 *   HMLCOST_CUDA_WGRAD=own | cudnn: conv1's weight and bias
 *                           gradients and its ReLU backward in one kernel of
 *                           ours (own_grad.h), or cuDNN's backward-filter after
 *                           the bias-gradient kernel;
 *   HMLCOST_CUDA_POOLBWD=fused | cudnn: the max-pooling backward,
 *                           the ReLU backward and the bias gradient of the conv
 *                           layer before it in one kernel of ours (own_grad.h),
 *                           or cuDNN's pooling backward, then the bias kernel;
 *                           (split, cudnn, cudnn: the verified path; tiled,
 *                           own, fused: our own kernels; grad_defaults.h says
 *                           which of the two is the default)
 *   HMLCOST_CUDA_PROFILE=1  each training step of train_batches runs eagerly
 *                           behind a GPU-side wait, with CUDA events between
 *                           its operations: per-operation GPU times
 *                           (cuda_backend_report, nn/cuda/cuda_report.h).
 * Every knob keeps determinism (same inputs, same knobs, same GPU and
 * libraries: bit-identical), except that ALGO=find may pick another
 * algorithm in another process when two are about equally fast. Our
 * kernels (WGRAD=own, POOLBWD=fused, BIASGRAD) add in other orders than
 * cuDNN: each setting has its own bit pattern, fixed. What was chosen, and
 * how, is in the result's "cuda" object (details_json). */
#include "nn/backend.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cuda_runtime_api.h>

#include "data/dataset.h"
#include "nn/cuda/conv_algos.h"
#include "nn/cuda/cuda_api.h"
#include "nn/cuda/cuda_details.h"
#include "nn/cuda/cuda_kernels.h"
#include "nn/cuda/cuda_report.h"
#include "nn/cuda/grad_defaults.h"
#include "nn/cuda/own_grad.h"
#include "nn/model_spec.h"

enum {
    MAX_PLANS = 8,
    LAYERS = NN_LAYER_COUNT,
    CUBLAS_WORKSPACE_BYTES = 32 << 20,
    MAX_PROFILE_OPS = 64,
    PROFILE_WARMUP_STEPS = 5,
    BIAS_PARTIAL_FLOATS = 8192,
};
static const size_t conv_workspace_limit = (size_t)1 << 30;
/* cudnnFind's scratch: algorithms needing more are not timed. */
static const size_t find_workspace_bytes = (size_t)256 << 20;
/* The profiler's GPU-side head start per step (the host enqueues a step
 * in well under this). */
static const unsigned long long profile_spin_ns = 3000000ull;

typedef enum bias_grad_mode { BIAS_GRAD_TILED, BIAS_GRAD_SPLIT, BIAS_GRAD_SINGLE } bias_grad_mode;
static const char *const bias_grad_names[] = {"tiled", "split", "single"};

typedef struct cuda_options {
    bool tf32, graphs, fused, profile;
    bool wgrad_own;  /* HMLCOST_CUDA_WGRAD=own */
    bool pool_fused; /* HMLCOST_CUDA_POOLBWD=fused */
    bias_grad_mode bias_grad;
    conv_algo_policy algo;
    conv_algo_pins pins;
} cuda_options;

/* Operations of a step, as the profiler names them (with the layer's name). */
typedef enum cuda_op {
    OP_GATHER, OP_CONV_FWD, OP_BIAS_ACT, OP_POOL_FWD, OP_GEMM_FWD, OP_LOSS, OP_RELU_BIAS_BWD,
    OP_BWD_FILTER, OP_BWD_DATA, OP_POOL_BWD, OP_GEMM_DW, OP_GEMM_DX, OP_UPDATE, OP_ADVANCE,
    OP_WGRAD_OWN, OP_POOL_RELU_BIAS_BWD, OP_COUNT
} cuda_op;
static const char *const op_names[OP_COUNT] = {
    "gather", "fwd", "bias_relu", "fwd", "gemm_fwd", "softmax_xent", "relu_bias_bwd",
    "bwd_filter", "bwd_data", "bwd", "gemm_dw", "gemm_dx", "optimizer", "advance",
    "relu_wgrad_bias", "bwd_relu_bias"};

/* GPU time per operation over the profiled steps (HMLCOST_CUDA_PROFILE). */
typedef struct cuda_profile {
    cudaEvent_t events[MAX_PROFILE_OPS + 1];
    int layer[MAX_PROFILE_OPS];
    cuda_op op[MAX_PROFILE_OPS];
    int marks;           /* events recorded in the current step after events[0] */
    bool active;         /* between profile_begin and profile_end */
    int steps_seen, steps_timed;
    int n;               /* batch size of the timed steps */
    double ms[LAYERS + 1][OP_COUNT]; /* row LAYERS: no layer (gather, loss, optimizer) */
    int calls[LAYERS + 1][OP_COUNT];
    double step_ms;
} cuda_profile;

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
    cudnnActivationDescriptor_t relu;
    cuda_options opt;
    const conv_algo_table *table; /* HMLCOST_CUDA_ALGO=table and one fits this GPU */
    /* What happened, for the result JSON and the report: the device, the
     * set-up steps' wall times in order, the algorithms of the first plan
     * of the full batch, notes (cuda_details.h). */
    cuda_details det;
    bool recorded; /* det.records holds the first full-batch plan's choices */
    cuda_profile prof;
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
    cudnnTensorDescriptor_t bias_desc[LAYERS];    /* (1, c, 1, 1): conv layers, fused only */
    cuda_conv conv[LAYERS];                       /* conv layers only */
    cudnnPoolingDescriptor_t pool_desc[LAYERS];   /* pooling layers only */
    float *bias_partial;     /* partial sums of our bias/weight-gradient kernels */
    size_t bias_partial_floats; /* BIAS_PARTIAL_FLOATS, or more for cuda_wgrad_small */
    bool wgrad_own[LAYERS];  /* conv layers whose gradients cuda_wgrad_small makes */
    bool pool_fused[LAYERS]; /* pooling layers run by cuda_pool_relu_bias_backward */
    bool unfused[LAYERS];    /* HMLCOST_CUDA_FUSED: cuDNN refused the fused call for this layer */
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

/* The convolutions' names, for checking HMLCOST_CUDA_ALGOS. */
static int conv_layer_names(const char **names, int size)
{
    const nn_layer_spec *layers = nn_layer_specs();
    int count = 0;
    for (int i = 0; i < LAYERS && count < size; i++)
        if (layers[i].kind == NN_LAYER_CONV)
            names[count++] = layers[i].name;
    return count;
}

/* The knobs (see the top). A value that is not understood is a usage error;
 * o still holds the defaults for it. */
/* The knobs' values when none is set. */
static void cuda_options_defaults(cuda_options *o)
{
    memset(o, 0, sizeof *o);
    o->graphs = true;
    o->fused = true;
    o->bias_grad = CUDA_OWN_GRAD_KERNELS_DEFAULT ? BIAS_GRAD_TILED : BIAS_GRAD_SPLIT;
    o->wgrad_own = CUDA_OWN_GRAD_KERNELS_DEFAULT;
    o->pool_fused = CUDA_OWN_GRAD_KERNELS_DEFAULT;
    o->algo = CONV_POLICY_TABLE;
}

static hml_status cuda_options_read(cuda_options *o, hml_err *err)
{
    cuda_options_defaults(o);
    o->tf32 = env_flag("HMLCOST_CUDA_TF32", o->tf32);
    o->graphs = env_flag("HMLCOST_CUDA_GRAPHS", o->graphs);
    o->fused = env_flag("HMLCOST_CUDA_FUSED", o->fused);
    o->profile = env_flag("HMLCOST_CUDA_PROFILE", o->profile);
    const char *bias = getenv("HMLCOST_CUDA_BIASGRAD");
    if (bias && *bias) {
        if (strcmp(bias, "tiled") == 0)
            o->bias_grad = BIAS_GRAD_TILED;
        else if (strcmp(bias, "split") == 0)
            o->bias_grad = BIAS_GRAD_SPLIT;
        else if (strcmp(bias, "single") == 0)
            o->bias_grad = BIAS_GRAD_SINGLE;
        else
            return hml_fail(err, HML_EUSAGE,
                            "HMLCOST_CUDA_BIASGRAD: unknown value '%.60s' (use tiled, split or "
                            "single)",
                            bias);
    }
    const char *wgrad = getenv("HMLCOST_CUDA_WGRAD");
    if (wgrad && *wgrad) {
        if (strcmp(wgrad, "own") != 0 && strcmp(wgrad, "cudnn") != 0)
            return hml_fail(err, HML_EUSAGE,
                            "HMLCOST_CUDA_WGRAD: unknown value '%.60s' (use own or cudnn)", wgrad);
        o->wgrad_own = strcmp(wgrad, "own") == 0;
    }
    const char *pool = getenv("HMLCOST_CUDA_POOLBWD");
    if (pool && *pool) {
        if (strcmp(pool, "fused") != 0 && strcmp(pool, "cudnn") != 0)
            return hml_fail(err, HML_EUSAGE,
                            "HMLCOST_CUDA_POOLBWD: unknown value '%.60s' (use fused or cudnn)",
                            pool);
        o->pool_fused = strcmp(pool, "fused") == 0;
    }
    if (conv_algo_policy_parse(getenv("HMLCOST_CUDA_ALGO"), &o->algo, err) != HML_OK)
        return err->status;
    const char *names[LAYERS];
    const int convs = conv_layer_names(names, LAYERS);
    conv_algo_pins pins;
    if (conv_algo_pins_parse(getenv("HMLCOST_CUDA_ALGOS"), &pins, err) != HML_OK ||
        conv_algo_pins_check_layers(&pins, names, convs, err) != HML_OK)
        return err->status;
    o->pins = pins;
    return HML_OK;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Records a set-up step's duration (label: a string literal). */
static void timing_add(const char *label, double seconds)
{
    cuda_details *d = &ctx.det;
    if (d->timing_count < CUDA_DETAILS_TIMINGS) {
        d->timing_label[d->timing_count] = label;
        d->timing_s[d->timing_count++] = seconds;
    }
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

/* The device, the libraries, the knobs and the algorithm policy this GPU
 * gets, into ctx.det (and ctx.table). */
static void details_start(const struct cudaDeviceProp *prop)
{
    cuda_details *d = &ctx.det;
    gpu_libs_need need = cuda_api_need();
    const gpu_libs *libs = gpu_libs_probe_once(&need);
    snprintf(d->device, sizeof d->device, "%s", prop->name);
    d->cc_major = prop->major;
    d->cc_minor = prop->minor;
    d->multiprocessors = prop->multiProcessorCount;
    snprintf(d->driver_cuda, sizeof d->driver_cuda, "%s", libs->lib[GPU_LIB_DRIVER].version);
    snprintf(d->cudnn, sizeof d->cudnn, "%s", libs->lib[GPU_LIB_CUDNN].version);
    snprintf(d->cublas, sizeof d->cublas, "%s", libs->lib[GPU_LIB_CUBLAS].version);
    d->probe_s = libs->probe_s;
    d->lib_count = 0;
    for (int k = 0; k < GPU_LIB_COUNT && k < CUDA_DETAILS_LIBS; k++) {
        d->lib_name[d->lib_count] = gpu_lib_name((gpu_lib_id)k);
        d->lib_load_s[d->lib_count++] = libs->lib[k].load_s;
    }
    const cuda_options *o = &ctx.opt;
    d->tf32 = o->tf32;
    d->graphs = o->graphs;
    d->fused = o->fused;
    d->bias_grad = bias_grad_names[o->bias_grad];
    d->wgrad_own = o->wgrad_own;
    d->pool_fused = o->pool_fused;
    d->profile = o->profile;
    d->policy = o->algo;
    d->pins = o->pins.count;
    d->policy_used = conv_policy_name(o->algo);
    d->table = NULL;
    d->policy_note[0] = '\0';
    ctx.table = NULL;
    if (o->algo == CONV_POLICY_TABLE) {
        ctx.table = conv_algo_table_for(prop->major, prop->minor, o->tf32);
        if (ctx.table) {
            d->table = ctx.table->name;
        } else {
            /* Heuristics: deterministic too, maybe slower. */
            d->policy_used = conv_policy_name(CONV_POLICY_HEURISTIC);
            snprintf(d->policy_note, sizeof d->policy_note,
                     o->tf32 ? "the algorithm tables are for fp32; TF32 uses cuDNN's heuristics"
                             : "no algorithm table for compute capability %d.%d; cuDNN's "
                               "heuristics instead",
                     prop->major, prop->minor);
        }
    }
}

static hml_status context_init(hml_err *err)
{
    if (ctx.ready)
        return HML_OK;
    double t = wall_now();
    if (cuda_available(err) != HML_OK)
        return err->status;
    /* A knob that is not understood fails before any GPU work. */
    if (cuda_options_read(&ctx.opt, err) != HML_OK)
        return err->status;
    if (ctx.det.timing_count == 0)
        timing_add("probe (dlopen, cuInit, checks)", wall_now() - t);
    t = wall_now();
    struct cudaDeviceProp prop;
    CUDA_TRY("cudaSetDevice", cudaSetDevice(0));
    CUDA_TRY("context", cudaFree(NULL)); /* makes the primary context now, timed */
    timing_add("context (cudaSetDevice, cudaFree(0))", wall_now() - t);
    t = wall_now();
    CUDA_TRY("cudaGetDeviceProperties", cudaGetDeviceProperties(&prop, 0));
    CUDA_TRY("cudaStreamCreate", cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking));
    timing_add("properties, stream", wall_now() - t);
    details_start(&prop);
    t = wall_now();
    CUDNN_TRY("cudnnCreate", ctx.api.cudnnCreate(&ctx.cudnn));
    CUDNN_TRY("cudnnSetStream", ctx.api.cudnnSetStream(ctx.cudnn, ctx.stream));
    CUDNN_TRY("cudnnCreateActivationDescriptor", ctx.api.cudnnCreateActivationDescriptor(&ctx.relu));
    CUDNN_TRY("cudnnSetActivationDescriptor",
              ctx.api.cudnnSetActivationDescriptor(ctx.relu, CUDNN_ACTIVATION_RELU,
                                                   CUDNN_NOT_PROPAGATE_NAN, 0.0));
    timing_add("cudnnCreate", wall_now() - t);
    t = wall_now();
    CUBLAS_TRY("cublasCreate", ctx.api.cublasCreate_v2(&ctx.cublas));
    CUBLAS_TRY("cublasSetStream", ctx.api.cublasSetStream_v2(ctx.cublas, ctx.stream));
    /* A workspace of our own: cuBLAS then never allocates, also not while
     * a CUDA graph is being captured. */
    CUDA_TRY("cudaMalloc", cudaMalloc(&ctx.cublas_workspace, CUBLAS_WORKSPACE_BYTES));
    CUBLAS_TRY("cublasSetWorkspace",
               ctx.api.cublasSetWorkspace_v2(ctx.cublas, ctx.cublas_workspace,
                                             CUBLAS_WORKSPACE_BYTES));
    CUBLAS_TRY("cublasSetMathMode",
               ctx.api.cublasSetMathMode(ctx.cublas, ctx.opt.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                  : CUBLAS_DEFAULT_MATH));
    timing_add("cublasCreate, workspace", wall_now() - t);
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
    cuda_options o;
    hml_err ignored = {0};
    cuda_options_read(&o, &ignored); /* a bad knob fails create, with its message */
    /* The gradient path: each setting that is not grad_defaults.h's, by its value. */
    cuda_options defaults;
    cuda_options_defaults(&defaults);
    char bias[16] = "";
    if (o.bias_grad != defaults.bias_grad)
        snprintf(bias, sizeof bias, "+bias%s", bias_grad_names[o.bias_grad]);
    const char *wgrad = o.wgrad_own == defaults.wgrad_own ? "" : o.wgrad_own ? "+ownwgrad"
                                                                             : "+cudnnwgrad";
    const char *pool = o.pool_fused == defaults.pool_fused ? "" : o.pool_fused ? "+fusedpool"
                                                                               : "+cudnnpool";
    snprintf(buf, size, "cudnn-%s%s%s%s%s%s%s%s%s%s", version[0] ? version : "unavailable",
             o.tf32 ? "+tf32" : "",
             o.algo == CONV_POLICY_TABLE ? "" : o.algo == CONV_POLICY_FIND ? "+find" : "+heuristic",
             o.pins.count ? "+pinned" : "", o.fused ? "" : "+unfused", bias, wgrad, pool,
             o.graphs ? "" : "+nographs", o.profile ? "+profile" : "");
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
        if (p->bias_desc[i])
            ctx.api.cudnnDestroyTensorDescriptor(p->bias_desc[i]);
    }
    cudaFree(p->labels);
    cudaFree(p->bias_partial);
    cudaFree(p->workspace);
    free(p);
}

/* Whether an algorithm's math suits the mode: plain fp32 excludes tensor ops. */
static bool math_allowed(cudnnMathType_t math)
{
    return ctx.opt.tf32 || (math != CUDNN_TENSOR_OP_MATH && math != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
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
              ctx.api.cudnnSetConvolutionMathType(*desc, ctx.opt.tf32 ? CUDNN_DEFAULT_MATH
                                                                  : CUDNN_FMA_MATH));
    return HML_OK;
}

static const float *param_ptr(const cuda_model *m, int tensor)
{
    return m->params + nn_param_specs()[tensor].offset;
}
static float *grad_ptr(const cuda_model *m, int tensor)
{
    return m->grads + nn_param_specs()[tensor].offset;
}

/* One algorithm's figures in a form common to cuDNN's three *AlgoPerf_t
 * types (directions: conv_dir of conv_algos.h). */
typedef struct algo_perf {
    int algo;
    cudnnStatus_t status;
    float time_ms; /* cudnnFind only; -1 for heuristics */
    size_t memory;
    cudnnDeterminism_t determinism;
    cudnnMathType_t math;
} algo_perf;
enum { MAX_ALGOS = 16 };

#define COPY_PERFS(src, count, out, is_find)                                                    \
    for (int k_ = 0; k_ < (count); k_++)                                                        \
        (out)[k_] = (algo_perf){(int)(src)[k_].algo, (src)[k_].status,                          \
                                (is_find) ? (src)[k_].time : -1.0f, (src)[k_].memory,           \
                                (src)[k_].determinism, (src)[k_].mathType};

/* cudnnFind's scratch: a workspace and an output for backward-filter (the
 * trials must not write into the model's gradients). */
typedef struct find_scratch {
    void *workspace;
    float *dw; /* the largest conv weight */
} find_scratch;

/* cuDNN's candidates for one direction of conv layer i, best first: its
 * heuristics' order, or (find) cudnnFind's measured times. */
static hml_status conv_candidates(cuda_model *m, cuda_plan *p, int i, conv_dir dir, bool find,
                                  const find_scratch *find_ws, algo_perf *out, int *count,
                                  hml_err *err)
{
    const nn_layer_spec *l = &nn_layer_specs()[i];
    cuda_conv *c = &p->conv[i];
    cudnnTensorDescriptor_t x = p->act_desc[i], y = p->act_desc[i + 1];
    int got = 0;
    if (dir == CONV_FWD) {
        cudnnConvolutionFwdAlgoPerf_t r[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        if (find)
            CUDNN_TRY("cudnnFindConvolutionForwardAlgorithmEx",
                      ctx.api.cudnnFindConvolutionForwardAlgorithmEx(
                          ctx.cudnn, x, p->act[i], c->w_desc, param_ptr(m, l->weight_tensor),
                          c->fwd_desc, y, p->act[i + 1], CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got,
                          r, find_ws->workspace, find_workspace_bytes));
        else
            CUDNN_TRY("cudnnGetConvolutionForwardAlgorithm_v7",
                      ctx.api.cudnnGetConvolutionForwardAlgorithm_v7(
                          ctx.cudnn, x, c->w_desc, c->fwd_desc, y,
                          CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, r));
        COPY_PERFS(r, got, out, find)
    } else if (dir == CONV_BWD_DATA) {
        cudnnConvolutionBwdDataAlgoPerf_t r[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        if (find)
            CUDNN_TRY("cudnnFindConvolutionBackwardDataAlgorithmEx",
                      ctx.api.cudnnFindConvolutionBackwardDataAlgorithmEx(
                          ctx.cudnn, c->w_desc, param_ptr(m, l->weight_tensor), y,
                          p->dact[i + 1], c->bwd_data_desc, x, p->dact[i],
                          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, r, find_ws->workspace,
                          find_workspace_bytes));
        else
            CUDNN_TRY("cudnnGetConvolutionBackwardDataAlgorithm_v7",
                      ctx.api.cudnnGetConvolutionBackwardDataAlgorithm_v7(
                          ctx.cudnn, c->w_desc, y, c->bwd_data_desc, x,
                          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, r));
        COPY_PERFS(r, got, out, find)
    } else {
        cudnnConvolutionBwdFilterAlgoPerf_t r[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        if (find)
            CUDNN_TRY("cudnnFindConvolutionBackwardFilterAlgorithmEx",
                      ctx.api.cudnnFindConvolutionBackwardFilterAlgorithmEx(
                          ctx.cudnn, x, p->act[i], y, p->dact[i + 1], c->bwd_filter_desc,
                          c->w_desc, find_ws->dw, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got,
                          r, find_ws->workspace, find_workspace_bytes));
        else
            CUDNN_TRY("cudnnGetConvolutionBackwardFilterAlgorithm_v7",
                      ctx.api.cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                          ctx.cudnn, x, y, c->bwd_filter_desc, c->w_desc,
                          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got, r));
        COPY_PERFS(r, got, out, find)
    }
    *count = got < MAX_ALGOS ? got : MAX_ALGOS;
    return HML_OK;
}

/* cudnnGet*WorkspaceSize of `algo` for one direction of conv layer i; the
 * status is returned, not raised (a refusal is an answer here). */
static cudnnStatus_t conv_workspace(cuda_plan *p, int i, conv_dir dir, int algo, size_t *bytes)
{
    cuda_conv *c = &p->conv[i];
    cudnnTensorDescriptor_t x = p->act_desc[i], y = p->act_desc[i + 1];
    *bytes = 0;
    if (dir == CONV_FWD)
        return ctx.api.cudnnGetConvolutionForwardWorkspaceSize(
            ctx.cudnn, x, c->w_desc, c->fwd_desc, y, (cudnnConvolutionFwdAlgo_t)algo, bytes);
    if (dir == CONV_BWD_DATA)
        return ctx.api.cudnnGetConvolutionBackwardDataWorkspaceSize(
            ctx.cudnn, c->w_desc, y, c->bwd_data_desc, x, (cudnnConvolutionBwdDataAlgo_t)algo,
            bytes);
    return ctx.api.cudnnGetConvolutionBackwardFilterWorkspaceSize(
        ctx.cudnn, x, y, c->bwd_filter_desc, c->w_desc, (cudnnConvolutionBwdFilterAlgo_t)algo,
        bytes);
}

static void conv_set_algo(cuda_conv *c, conv_dir dir, int algo)
{
    if (dir == CONV_FWD)
        c->fwd_algo = (cudnnConvolutionFwdAlgo_t)algo;
    else if (dir == CONV_BWD_DATA)
        c->bwd_data_algo = (cudnnConvolutionBwdDataAlgo_t)algo;
    else
        c->bwd_filter_algo = (cudnnConvolutionBwdFilterAlgo_t)algo;
}

/* A fixed algorithm (pinned or from the table) for one direction, if cuDNN
 * takes it for this shape: rec filled, or rec->rejected_* set and the
 * caller asks cuDNN instead. Any failure of the workspace query counts as
 * a refusal (recorded with its status): a real fault of the library shows
 * again in the heuristics' own calls, which report it. */
static void conv_try_fixed(cuda_plan *p, int i, conv_dir dir, int algo, conv_algo_source source,
                           conv_algo_record *rec)
{
    size_t bytes = 0;
    cudnnStatus_t st = conv_workspace(p, i, dir, algo, &bytes);
    if (st == CUDNN_STATUS_SUCCESS && bytes <= conv_workspace_limit) {
        conv_set_algo(&p->conv[i], dir, algo);
        rec->algo = algo;
        rec->source = source;
        rec->workspace = bytes;
        return;
    }
    rec->rejected_algo = algo;
    if (st != CUDNN_STATUS_SUCCESS)
        snprintf(rec->rejected_why, sizeof rec->rejected_why, "%s: %s (%s)",
                 conv_status_is_refusal((int)st) ? "refused" : "failed",
                 ctx.api.cudnnGetErrorString(st), conv_source_name(source));
    else
        snprintf(rec->rejected_why, sizeof rec->rejected_why,
                 "needs %zu bytes of workspace, over the %zu limit (%s)", bytes,
                 conv_workspace_limit, conv_source_name(source));
}

/* For each direction of conv layer i (conv_algos.h): a pinned algorithm,
 * else the table's (policy table, a table for this GPU), if cuDNN takes it
 * for this shape; otherwise cuDNN's candidates: with policy find,
 * cudnnFind's timings and the stable rule; else the heuristics' first
 * deterministic algorithm whose math suits the mode and whose workspace
 * fits. recs[dir] says what was chosen and how. */
static hml_status conv_choose(cuda_model *m, cuda_plan *p, int i, const find_scratch *find_ws,
                              conv_algo_record recs[CONV_DIRS], hml_err *err)
{
    const nn_layer_spec *l = &nn_layer_specs()[i];
    cuda_conv *c = &p->conv[i];
    const bool find = ctx.opt.algo == CONV_POLICY_FIND;
    for (int d = 0; d < CONV_DIRS; d++) {
        const conv_dir dir = (conv_dir)d;
        conv_algo_record *rec = &recs[d];
        memset(rec, 0, sizeof *rec);
        rec->algo = -1;
        rec->find_ms = -1;
        rec->rejected_algo = -1;
        rec->dir = dir;
        snprintf(rec->layer, sizeof rec->layer, "%s", l->name);
        if (dir == CONV_BWD_DATA && i == 0)
            continue; /* conv1's input is data: no backward-data */
        rec->used = true;
        int fixed = conv_algo_pins_lookup(&ctx.opt.pins, l->name, dir);
        conv_algo_source source = CONV_SOURCE_PINNED;
        if (fixed < 0 && ctx.table) {
            fixed = conv_algo_table_lookup(ctx.table, l->name, dir);
            source = CONV_SOURCE_TABLE;
        }
        if (fixed >= 0)
            conv_try_fixed(p, i, dir, fixed, source, rec);
        if (rec->algo >= 0)
            continue;

        algo_perf perf[MAX_ALGOS];
        int count = 0, pick = -1;
        if (conv_candidates(m, p, i, dir, find, find_ws, perf, &count, err) != HML_OK)
            return err->status;
        conv_algo_trial trials[MAX_ALGOS];
        for (int k = 0; k < count; k++)
            trials[k] = (conv_algo_trial){
                .algo = perf[k].algo,
                .usable = perf[k].status == CUDNN_STATUS_SUCCESS &&
                          perf[k].determinism == CUDNN_DETERMINISTIC &&
                          conv_algo_deterministic(dir, perf[k].algo) &&
                          perf[k].memory <= conv_workspace_limit && math_allowed(perf[k].math),
                .ms = perf[k].time_ms,
                .workspace = perf[k].memory};
        if (find) {
            pick = conv_algo_pick_stable(trials, count, CONV_FIND_TOLERANCE, CONV_FIND_SLACK_MS);
        } else {
            for (int k = 0; k < count && pick < 0; k++)
                if (trials[k].usable)
                    pick = k;
        }
        if (pick < 0)
            return hml_fail(err, HML_ESYSTEM, "cudnn: no deterministic %s algorithm for %s",
                            conv_dir_name(dir), l->name);
        cudnnConvolutionDescriptor_t desc = dir == CONV_FWD        ? c->fwd_desc
                                            : dir == CONV_BWD_DATA ? c->bwd_data_desc
                                                                   : c->bwd_filter_desc;
        if (ctx.opt.tf32)
            CUDNN_TRY("cudnnSetConvolutionMathType",
                      ctx.api.cudnnSetConvolutionMathType(desc, perf[pick].math));
        size_t bytes = 0;
        CUDNN_TRY("cudnnGetConvolution*WorkspaceSize",
                  conv_workspace(p, i, dir, perf[pick].algo, &bytes));
        conv_set_algo(c, dir, perf[pick].algo);
        rec->algo = perf[pick].algo;
        rec->source = find ? CONV_SOURCE_FIND : CONV_SOURCE_HEURISTIC;
        rec->workspace = bytes;
        rec->find_ms = find ? (double)perf[pick].time_ms : -1.0;
    }
    for (int d = 0; d < CONV_DIRS; d++)
        if (recs[d].used && recs[d].workspace > p->workspace_bytes)
            p->workspace_bytes = recs[d].workspace;
    return HML_OK;
}

/* A layer's choices: into the details when they are the first full-batch
 * plan's (record); otherwise a refused table/pinned algorithm is noted. */
static void record_choices(const conv_algo_record recs[CONV_DIRS], bool record, int n)
{
    cuda_details *d = &ctx.det;
    for (int k = 0; k < CONV_DIRS; k++) {
        const conv_algo_record *r = &recs[k];
        if (!r->used)
            continue;
        if (record && d->record_count < CUDA_DETAILS_RECORDS)
            d->records[d->record_count++] = *r;
        else if (!record && r->rejected_algo >= 0)
            cuda_details_note(d, "batch of %d: %s.%s algorithm %d not taken (%s); %s %d instead", n,
                              r->layer, conv_dir_name(r->dir), r->rejected_algo, r->rejected_why,
                              conv_source_name(r->source), r->algo);
    }
}

static hml_status plan_build(cuda_model *m, cuda_plan *p, int n, hml_err *err)
{
    const double t0 = wall_now();
    const nn_layer_spec *layers = nn_layer_specs();
    const bool full = n == m->cfg.batch, record = full && !ctx.recorded;
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
    /* Which layers our fused gradient kernels take (own_grad.h), and their scratch. */
    p->bias_partial_floats = BIAS_PARTIAL_FLOATS;
    for (int i = 0; i < LAYERS; i++) {
        const nn_layer_spec *l = &layers[i];
        /* The input layer only: the kernel makes no data gradient. */
        p->wgrad_own[i] = ctx.opt.wgrad_own && i == 0 && l->kind == NN_LAYER_CONV &&
                          wgrad_supported(l->in_c, l->in_h, l->in_w, l->kernel, l->stride, l->pad,
                                          l->out_h, l->out_w);
        if (p->wgrad_own[i] && cuda_wgrad_partial_floats(n, l->out_c) > p->bias_partial_floats)
            p->bias_partial_floats = cuda_wgrad_partial_floats(n, l->out_c);
        /* A pooling layer right after a conv layer (its input is that layer's output). */
        p->pool_fused[i] = ctx.opt.pool_fused && i > 0 && l->kind == NN_LAYER_MAXPOOL &&
                           layers[i - 1].kind == NN_LAYER_CONV &&
                           pool_fused_supported(l->kernel, l->stride, l->pad, l->in_h, l->in_w,
                                                l->out_h, l->out_w);
    }
    if (device_alloc((void **)&p->labels, (size_t)n * sizeof(int32_t), &p->bytes, err) != HML_OK ||
        device_alloc((void **)&p->bias_partial, p->bias_partial_floats * sizeof(float), &p->bytes,
                     err) != HML_OK)
        return err->status;
    find_scratch find_ws = {0};
    if (ctx.opt.algo == CONV_POLICY_FIND) {
        /* The trials run on the handle's stream; nothing queued may still
         * be running (a plan for a new size is made between steps). */
        size_t max_weight = 0;
        for (int i = 0; i < LAYERS; i++)
            if (layers[i].kind == NN_LAYER_CONV &&
                nn_param_specs()[layers[i].weight_tensor].count > max_weight)
                max_weight = nn_param_specs()[layers[i].weight_tensor].count;
        cudaError_t rc = cudaStreamSynchronize(ctx.stream);
        if (rc == cudaSuccess)
            rc = cudaMalloc(&find_ws.workspace, find_workspace_bytes);
        if (rc == cudaSuccess)
            rc = cudaMalloc((void **)&find_ws.dw, max_weight * sizeof(float));
        if (rc != cudaSuccess) {
            cudaFree(find_ws.workspace);
            return hml_fail(err, HML_ESYSTEM, "cuda: cudnnFind's scratch (%zu bytes): %s",
                            find_workspace_bytes, cudaGetErrorString(rc));
        }
    }
    hml_status st = HML_OK;
    conv_algo_record recs[CONV_DIRS];
    const double t_desc = wall_now();
    for (int i = 0; i < LAYERS && st == HML_OK; i++) {
        const nn_layer_spec *l = &layers[i];
        if (l->kind == NN_LAYER_CONV) {
            cuda_conv *c = &p->conv[i];
            cudnnStatus_t cs = ctx.api.cudnnCreateFilterDescriptor(&c->w_desc);
            if (cs == CUDNN_STATUS_SUCCESS)
                cs = ctx.api.cudnnSetFilter4dDescriptor(c->w_desc, CUDNN_DATA_FLOAT,
                                                        CUDNN_TENSOR_NCHW, l->out_c, l->in_c,
                                                        l->kernel, l->kernel);
            if (cs == CUDNN_STATUS_SUCCESS)
                cs = ctx.api.cudnnCreateTensorDescriptor(&p->bias_desc[i]);
            if (cs == CUDNN_STATUS_SUCCESS)
                cs = ctx.api.cudnnSetTensor4dDescriptor(p->bias_desc[i], CUDNN_TENSOR_NCHW,
                                                        CUDNN_DATA_FLOAT, 1, l->out_c, 1, 1);
            if (cs != CUDNN_STATUS_SUCCESS)
                st = hml_fail(err, HML_ESYSTEM, "cudnn: %s descriptors: %s", l->name,
                              ctx.api.cudnnGetErrorString(cs));
            else if (conv_descriptor(&c->fwd_desc, l, err) != HML_OK ||
                     conv_descriptor(&c->bwd_data_desc, l, err) != HML_OK ||
                     conv_descriptor(&c->bwd_filter_desc, l, err) != HML_OK ||
                     conv_choose(m, p, i, &find_ws, recs, err) != HML_OK)
                st = err->status;
            else
                record_choices(recs, record, n);
        } else if (l->kind == NN_LAYER_MAXPOOL) {
            cudnnStatus_t cs = ctx.api.cudnnCreatePoolingDescriptor(&p->pool_desc[i]);
            if (cs == CUDNN_STATUS_SUCCESS)
                cs = ctx.api.cudnnSetPooling2dDescriptor(
                    p->pool_desc[i], CUDNN_POOLING_MAX_DETERMINISTIC, CUDNN_NOT_PROPAGATE_NAN,
                    l->kernel, l->kernel, l->pad, l->pad, l->stride, l->stride);
            if (cs != CUDNN_STATUS_SUCCESS)
                st = hml_fail(err, HML_ESYSTEM, "cudnn: %s pooling descriptor: %s", l->name,
                              ctx.api.cudnnGetErrorString(cs));
        }
    }
    if (find_ws.workspace) {
        cudaDeviceSynchronize();
        cudaFree(find_ws.workspace);
        cudaFree(find_ws.dw);
    }
    if (st != HML_OK) {
        if (record)
            ctx.det.record_count = 0;
        return st;
    }
    if (record)
        ctx.recorded = true;
    timing_add(full ? "plan (full batch): algorithms" : "plan (another size): algorithms",
               wall_now() - t_desc);
    if (p->workspace_bytes &&
        device_alloc(&p->workspace, p->workspace_bytes, &p->bytes, err) != HML_OK)
        return err->status;
    timing_add(full ? "plan (full batch): total" : "plan (another size): total",
               wall_now() - t0);
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
    if (plan_build(m, p, n, err) != HML_OK) {
        plan_destroy(p);
        return err->status;
    }
    m->plans[m->plan_count++] = p;
    *out = p;
    return HML_OK;
}

/* ---- the step -------------------------------------------------------------------------- */

static const float one = 1.0f, zero = 0.0f;

/* ---- the profiler (HMLCOST_CUDA_PROFILE=1) ------------------------------------------------
 * A profiled step: the GPU first waits profile_spin_ns (cuda_spin) while the
 * host enqueues the whole step with an event after each operation; the
 * events then time the operations back to back on the GPU, free of launch
 * gaps. The first PROFILE_WARMUP_STEPS steps (lazy module loading) are not
 * counted. */

static hml_status profile_begin(int n, hml_err *err)
{
    cuda_profile *pr = &ctx.prof;
    if (!pr->events[0])
        for (int k = 0; k <= MAX_PROFILE_OPS; k++)
            CUDA_TRY("cudaEventCreate", cudaEventCreate(&pr->events[k]));
    CUDA_TRY("spin", cuda_spin(ctx.stream, profile_spin_ns));
    CUDA_TRY("cudaEventRecord", cudaEventRecord(pr->events[0], ctx.stream));
    pr->marks = 0;
    pr->n = n;
    pr->active = true;
    return HML_OK;
}

/* After an operation of layer `layer` (-1: none) was enqueued. */
static void profile_mark(int layer, cuda_op op)
{
    cuda_profile *pr = &ctx.prof;
    if (!pr->active || pr->marks == MAX_PROFILE_OPS)
        return;
    pr->layer[pr->marks] = layer;
    pr->op[pr->marks] = op;
    pr->marks++;
    cudaEventRecord(pr->events[pr->marks], ctx.stream);
}

static hml_status profile_end(hml_err *err)
{
    cuda_profile *pr = &ctx.prof;
    if (!pr->active)
        return HML_OK;
    pr->active = false;
    CUDA_TRY("profile", cudaEventSynchronize(pr->events[pr->marks]));
    if (pr->steps_seen++ < PROFILE_WARMUP_STEPS)
        return HML_OK;
    float total = 0;
    CUDA_TRY("cudaEventElapsedTime",
             cudaEventElapsedTime(&total, pr->events[0], pr->events[pr->marks]));
    pr->step_ms += total;
    for (int k = 0; k < pr->marks; k++) {
        float ms = 0;
        CUDA_TRY("cudaEventElapsedTime",
                 cudaEventElapsedTime(&ms, pr->events[k], pr->events[k + 1]));
        const int row = pr->layer[k] < 0 ? LAYERS : pr->layer[k];
        pr->ms[row][pr->op[k]] += ms;
        pr->calls[row][pr->op[k]]++;
    }
    pr->steps_timed++;
    return HML_OK;
}

/* act[0] (and labels) -> act[LAYERS] = logits. */
static hml_status forward(cuda_model *m, cuda_plan *p, hml_err *err)
{
    const nn_layer_spec *layers = nn_layer_specs();
    const int n = p->n;
    for (int i = 0; i < LAYERS; i++) {
        const nn_layer_spec *l = &layers[i];
        const int spatial = l->out_h * l->out_w;
        if (l->kind == NN_LAYER_CONV && ctx.opt.fused && l->relu && !p->unfused[i]) {
            /* y = ReLU(conv(x) + bias); z (alpha2 = 0) is not read. Where cuDNN
             * does not run it (on the first, eager run), this layer stays
             * unfused from then on, noted; any error but a refusal is the
             * unfused call's to report again. */
            const cuda_conv *c = &p->conv[i];
            cudnnStatus_t st = ctx.api.cudnnConvolutionBiasActivationForward(
                ctx.cudnn, &one, p->act_desc[i], p->act[i], c->w_desc,
                param_ptr(m, l->weight_tensor), c->fwd_desc, c->fwd_algo, p->workspace,
                p->workspace_bytes, &zero, p->act_desc[i + 1], p->act[i + 1], p->bias_desc[i],
                param_ptr(m, l->weight_tensor + 1), ctx.relu, p->act_desc[i + 1], p->act[i + 1]);
            if (st == CUDNN_STATUS_SUCCESS) {
                profile_mark(i, OP_CONV_FWD);
                continue;
            }
            p->unfused[i] = true;
            cuda_details_note(&ctx.det, "batch of %d: %s: fused conv+bias+ReLU (algorithm %d) "
                              "%s by cuDNN (%s): unfused",
                              n, l->name, (int)c->fwd_algo,
                              conv_status_is_refusal((int)st) ? "refused" : "failed",
                              ctx.api.cudnnGetErrorString(st));
        }
        if (l->kind == NN_LAYER_CONV) {
            const cuda_conv *c = &p->conv[i];
            CUDNN_TRY(l->name, ctx.api.cudnnConvolutionForward(
                                   ctx.cudnn, &one, p->act_desc[i], p->act[i], c->w_desc,
                                   param_ptr(m, l->weight_tensor), c->fwd_desc, c->fwd_algo,
                                   p->workspace, p->workspace_bytes, &zero, p->act_desc[i + 1],
                                   p->act[i + 1]));
            profile_mark(i, OP_CONV_FWD);
        } else if (l->kind == NN_LAYER_MAXPOOL) {
            CUDNN_TRY(l->name, ctx.api.cudnnPoolingForward(ctx.cudnn, p->pool_desc[i], &one,
                                                           p->act_desc[i], p->act[i], &zero,
                                                           p->act_desc[i + 1], p->act[i + 1]));
            profile_mark(i, OP_POOL_FWD);
            continue;
        } else {
            /* y (n, O) = x (n, I) W^T: column-major, y^T = op_T(W) x^T. */
            const int in = l->in_c * l->in_h * l->in_w, out_f = l->out_c;
            CUBLAS_TRY(l->name, ctx.api.cublasSgemm_v2(ctx.cublas, CUBLAS_OP_T, CUBLAS_OP_N, out_f,
                                                       n, in, &one, param_ptr(m, l->weight_tensor),
                                                       in, p->act[i], in, &zero, p->act[i + 1],
                                                       out_f));
            profile_mark(i, OP_GEMM_FWD);
        }
        CUDA_TRY(l->name, cuda_bias_act_forward(ctx.stream, p->act[i + 1],
                                                param_ptr(m, l->weight_tensor + 1), n, l->out_c,
                                                spatial, l->relu));
        profile_mark(i, OP_BIAS_ACT);
    }
    return HML_OK;
}

/* dact[LAYERS] = dL/dlogits -> grads (canonical). */
static hml_status backward(cuda_model *m, cuda_plan *p, hml_err *err)
{
    const nn_layer_spec *layers = nn_layer_specs();
    const int n = p->n;
    bool bias_done = false; /* layer i's ReLU and bias backward were fused into the pooling's */
    for (int i = LAYERS - 1; i >= 0; i--) {
        const nn_layer_spec *l = &layers[i];
        if (l->kind == NN_LAYER_MAXPOOL && p->pool_fused[i]) {
            /* dact[i] = the conv layer's pre-ReLU gradient; its bias gradient too. */
            const nn_layer_spec *conv = &layers[i - 1];
            CUDA_TRY(l->name, cuda_pool_relu_bias_backward(
                                  ctx.stream, p->act[i], p->dact[i + 1], p->dact[i],
                                  grad_ptr(m, conv->weight_tensor + 1), p->bias_partial,
                                  p->bias_partial_floats, n, l->in_c, l->in_h, l->in_w, l->out_h,
                                  l->out_w, conv->relu));
            profile_mark(i, OP_POOL_RELU_BIAS_BWD);
            bias_done = true;
            continue;
        }
        if (l->kind == NN_LAYER_CONV && p->wgrad_own[i]) {
            CUDA_TRY(l->name, cuda_wgrad_small(ctx.stream, p->act[i], p->dact[i + 1], p->act[i + 1],
                                               grad_ptr(m, l->weight_tensor),
                                               grad_ptr(m, l->weight_tensor + 1), p->bias_partial,
                                               p->bias_partial_floats, n, l->in_h, l->in_w, l->pad,
                                               l->out_c, l->out_h, l->out_w, l->relu));
            profile_mark(i, OP_WGRAD_OWN);
            continue; /* the input layer: no data gradient */
        }
        if (l->kind == NN_LAYER_MAXPOOL) {
            CUDNN_TRY(l->name, ctx.api.cudnnPoolingBackward(
                                   ctx.cudnn, p->pool_desc[i], &one, p->act_desc[i + 1],
                                   p->act[i + 1], p->act_desc[i + 1], p->dact[i + 1],
                                   p->act_desc[i], p->act[i], &zero, p->act_desc[i], p->dact[i]));
            profile_mark(i, OP_POOL_BWD);
            continue;
        }
        /* Through the ReLU (in place) and the bias, unless the pooling's
         * kernel after this layer did it. */
        if (bias_done) {
            bias_done = false;
        } else {
            const int spatial = l->out_h * l->out_w;
            float *db = grad_ptr(m, l->weight_tensor + 1);
            if (ctx.opt.bias_grad == BIAS_GRAD_TILED && spatial == 1)
                CUDA_TRY(l->name, cuda_relu_bias_backward_dense_tiled(
                                      ctx.stream, p->dact[i + 1], p->act[i + 1], db, n, l->out_c,
                                      l->relu));
            else if (ctx.opt.bias_grad != BIAS_GRAD_SINGLE)
                CUDA_TRY(l->name, cuda_relu_bias_backward_split(
                                      ctx.stream, p->dact[i + 1], p->act[i + 1], db,
                                      p->bias_partial, n, l->out_c, spatial, l->relu));
            else
                CUDA_TRY(l->name, cuda_relu_bias_backward(ctx.stream, p->dact[i + 1],
                                                          p->act[i + 1], db, n, l->out_c, spatial,
                                                          l->relu));
            profile_mark(i, OP_RELU_BIAS_BWD);
        }
        if (l->kind == NN_LAYER_CONV) {
            const cuda_conv *c = &p->conv[i];
            CUDNN_TRY(l->name, ctx.api.cudnnConvolutionBackwardFilter(
                                   ctx.cudnn, &one, p->act_desc[i], p->act[i], p->act_desc[i + 1],
                                   p->dact[i + 1], c->bwd_filter_desc, c->bwd_filter_algo,
                                   p->workspace, p->workspace_bytes, &zero, c->w_desc,
                                   grad_ptr(m, l->weight_tensor)));
            profile_mark(i, OP_BWD_FILTER);
            if (i > 0) {
                CUDNN_TRY(l->name, ctx.api.cudnnConvolutionBackwardData(
                                       ctx.cudnn, &one, c->w_desc, param_ptr(m, l->weight_tensor),
                                       p->act_desc[i + 1], p->dact[i + 1], c->bwd_data_desc,
                                       c->bwd_data_algo, p->workspace, p->workspace_bytes, &zero,
                                       p->act_desc[i], p->dact[i]));
                profile_mark(i, OP_BWD_DATA);
            }
        } else {
            const int in = l->in_c * l->in_h * l->in_w, out_f = l->out_c;
            /* dW (O, I) = dy^T x: column-major, dW^T (I, O) = x^T dy. */
            CUBLAS_TRY(l->name, ctx.api.cublasSgemm_v2(ctx.cublas, CUBLAS_OP_N, CUBLAS_OP_T, in,
                                                       out_f, n, &one, p->act[i], in,
                                                       p->dact[i + 1], out_f, &zero,
                                                       grad_ptr(m, l->weight_tensor), in));
            profile_mark(i, OP_GEMM_DW);
            /* dx (n, I) = dy W: column-major, dx^T = W^T dy^T. */
            if (i > 0) {
                CUBLAS_TRY(l->name, ctx.api.cublasSgemm_v2(
                                        ctx.cublas, CUBLAS_OP_N, CUBLAS_OP_N, in, n, out_f, &one,
                                        param_ptr(m, l->weight_tensor), in, p->dact[i + 1], out_f,
                                        &zero, p->dact[i], in));
                profile_mark(i, OP_GEMM_DX);
            }
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
    profile_mark(-1, OP_UPDATE);
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
    profile_mark(-1, OP_LOSS);
    if (train && (backward(m, p, err) != HML_OK || update(m, err) != HML_OK))
        return err->status;
    const nn_optimizer_config *o = &m->cfg.optimizer;
    CUDA_TRY("advance", cuda_step_advance(ctx.stream, m->state, train, o->lr, o->beta1, o->beta2));
    profile_mark(-1, OP_ADVANCE);
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
        cuda_details_note(&ctx.det, "batch of %d: the %s step could not be captured in a CUDA "
                          "graph (%s): eager launches",
                          p->n, train ? "training" : "evaluation",
                          st != HML_OK ? inner.msg : cudaGetErrorString(rc));
        cudaGetLastError();
    }
    return HML_OK;
}

/* Runs a step: eagerly the first time (the libraries load their kernels
 * then), from the captured graph afterwards. */
static hml_status run_step(cuda_model *m, cuda_plan *p, bool train, hml_err *err)
{
    const bool profiled = ctx.prof.active;
    if (ctx.opt.graphs && !profiled && !p->graph_failed[train] && p->eager_runs[train] > 0) {
        if (!p->graph[train]) {
            const double t = wall_now();
            if (capture(m, p, train, err) != HML_OK)
                return err->status;
            timing_add(train ? "graph capture + instantiate (train)"
                             : "graph capture + instantiate (eval)", wall_now() - t);
        }
        if (p->graph[train]) {
            CUDA_TRY("cudaGraphLaunch", cudaGraphLaunch(p->graph[train], ctx.stream));
            return HML_OK;
        }
    }
    if (p->eager_runs[train]++ == 0 && !profiled) {
        /* The first run of a plan: cuDNN and cuBLAS load their kernels.
         * Timed alone: the steps already queued are waited for first. */
        CUDA_TRY("first step", cudaStreamSynchronize(ctx.stream));
        const double t = wall_now();
        hml_status st = step_body(m, p, train, err);
        if (st == HML_OK)
            CUDA_TRY("first step", cudaStreamSynchronize(ctx.stream));
        timing_add(train ? "first step, eager (train)" : "first step, eager (eval)",
                   wall_now() - t);
        return st;
    }
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
    s->adam_step = nn_adam_step_size(o, 1); /* step 1's, as nn_adam_update's */
}

static hml_status cuda_create(const nn_model_config *cfg, const float *initial_params,
                              nn_model **out, hml_err *err)
{
    *out = NULL;
    if (cfg->batch < 1)
        return hml_fail(err, HML_EUSAGE, "cuda: batch must be >= 1, not %d", cfg->batch);
    if (context_init(err) != HML_OK)
        return err->status;
    const double t_create = wall_now();
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
    timing_add("create (after the context: parameters, first plan)", wall_now() - t_create);
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
    const double t = wall_now();
    if (device_alloc((void **)&m->data[which], bytes, &m->bytes, err) != HML_OK)
        return err->status;
    CUDA_TRY("upload data", cudaMemcpyAsync(m->data[which], set->records, bytes,
                                            cudaMemcpyHostToDevice, ctx.stream));
    CUDA_TRY("upload data", cudaStreamSynchronize(ctx.stream));
    timing_add(which == NN_DATA_TRAIN ? "upload_data (train)" : "upload_data (test)",
               wall_now() - t);
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
        if (ctx.opt.profile && n == m->cfg.batch && profile_begin(n, err) != HML_OK)
            return err->status;
        CUDA_TRY("gather", cuda_gather_images(ctx.stream, m->data[NN_DATA_TRAIN], m->order,
                                              m->state, (int)batch, n, p->act[0], p->labels));
        profile_mark(-1, OP_GATHER);
        if (run_step(m, p, true, err) != HML_OK || profile_end(err) != HML_OK)
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

static hml_status cuda_details_json_of(const nn_model *model, char **json, hml_err *err)
{
    (void)model; /* the choices are the process's (every model makes the same) */
    *json = NULL;
    if (!ctx.ready)
        return HML_OK;
    return cuda_details_json(&ctx.det, json, err);
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
    .details_json = cuda_details_json_of,
};

const nn_backend *nn_backend_cuda(void) { return &cuda_backend; }

/* ---- the report (nn/cuda/cuda_report.h) ------------------------------------------------ */

static size_t append(char *buf, size_t size, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t size, size_t used, const char *fmt, ...)
{
    if (used >= size)
        return used;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
    return w < 0 ? used : used + (size_t)w;
}

size_t cuda_backend_report(char *buf, size_t size)
{
    size_t u = 0;
    if (size)
        buf[0] = '\0';
    if (!ctx.ready)
        return append(buf, size, u, "cuda: not initialised\n");
    const cuda_details *d = &ctx.det;
    u = append(buf, size, u, "cuda: %s (sm_%d%d); library probe %.4f s (", d->device, d->cc_major,
               d->cc_minor, d->probe_s);
    for (int k = 0; k < d->lib_count; k++)
        u = append(buf, size, u, "%s%s %.4f", k ? ", " : "", d->lib_name[k], d->lib_load_s[k]);
    u = append(buf, size, u, "); set-up steps (s):");
    for (int k = 0; k < d->timing_count; k++)
        u = append(buf, size, u, "%s %s %.4f", k ? "," : "", d->timing_label[k], d->timing_s[k]);
    u = append(buf, size, u, "\ncuda: algorithms (policy %s%s%s; layer.direction=algo(source, "
               "workspace[, find ms])):", d->policy_used, d->table ? " " : "",
               d->table ? d->table : "");
    for (int k = 0; k < d->record_count; k++) {
        const conv_algo_record *r = &d->records[k];
        u = append(buf, size, u, " %s.%s=%d(%s,%zuB", r->layer, conv_dir_name(r->dir), r->algo,
                   conv_source_name(r->source), r->workspace);
        if (r->find_ms >= 0)
            u = append(buf, size, u, ",%.3fms", r->find_ms);
        if (r->rejected_algo >= 0)
            u = append(buf, size, u, ",%d refused: %s", r->rejected_algo, r->rejected_why);
        u = append(buf, size, u, ")");
    }
    u = append(buf, size, u, "\n");
    for (int k = 0; k < d->note_count; k++)
        u = append(buf, size, u, "cuda: note: %s\n", d->notes[k]);
    const cuda_profile *pr = &ctx.prof;
    if (!pr->steps_timed)
        return u;
    const double steps = pr->steps_timed;
    u = append(buf, size, u,
               "cuda profile: %d training steps of %d images after %d warm-up steps; GPU time "
               "per step %.4f ms (CUDA events, operations back to back)\n",
               pr->steps_timed, pr->n, PROFILE_WARMUP_STEPS, pr->step_ms / steps);
    const nn_layer_spec *layers = nn_layer_specs();
    for (int row = 0; row <= LAYERS; row++)
        for (int op = 0; op < OP_COUNT; op++) {
            if (!pr->calls[row][op])
                continue;
            const double ms = pr->ms[row][op] / steps;
            u = append(buf, size, u, "  %-8s %-14s %9.4f ms %5.1f %%\n",
                       row == LAYERS ? "-" : layers[row].name, op_names[op], ms,
                       100.0 * ms / (pr->step_ms / steps));
        }
    return u;
}
