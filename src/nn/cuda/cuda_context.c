/* The cuda backend's GPU context (cuda_context.h). */
#include "nn/cuda/cuda_context.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "data/dataset.h"
#include "nn/cuda/cuda_kernels.h"
#include "nn/cuda/cuda_try.h"

enum { CUBLAS_WORKSPACE_BYTES = 32 << 20 };

static cuda_context process_context;

cuda_context *cuda_context_of_process(void)
{
    return &process_context;
}

static cuda_options options_of(const nn_cuda_config *c)
{
    const nn_cuda_grad_path path = nn_cuda_grad_path_of(c);
    return (cuda_options){.tf32 = c->tf32,
                          .graphs = !c->no_graphs,
                          .fused = !c->unfused,
                          .profile = c->profile,
                          .wgrad_own = path.wgrad_own,
                          .pool_fused = path.pool_fused,
                          .bias_grad = path.bias_grad,
                          .algo = c->algo,
                          .pins = c->pins};
}

double cuda_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cuda_timing_add(cuda_context *cx, const char *label, double seconds)
{
    cuda_details *d = &cx->det;
    if (d->timing_count < CUDA_DETAILS_TIMINGS) {
        d->timing_label[d->timing_count] = label;
        d->timing_s[d->timing_count++] = seconds;
    }
}

hml_status cuda_context_available(cuda_context *cx, hml_err *err)
{
    if (!cx->probed) {
        cx->probed = true;
        gpu_libs_need need = cuda_api_need();
        const gpu_libs *libs = gpu_libs_probe_once(&need);
        hml_err why = {0};
        int count = 0;
        cudaError_t rc;
        if (libs->fail != GPU_OK) {
            snprintf(cx->unusable, sizeof cx->unusable, "Cannot use some GPU libraries: %.980s",
                     libs->reason);
        } else if (cuda_api_resolve(libs, &cx->api, &why) != HML_OK) {
            snprintf(cx->unusable, sizeof cx->unusable, "%s", why.msg);
        } else if ((rc = cudaGetDeviceCount(&count)) != cudaSuccess || count < 1) {
            /* The driver checked out, but the (static) CUDA runtime disagrees. */
            snprintf(cx->unusable, sizeof cx->unusable, "CUDA runtime %d.%d: %s",
                     CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10,
                     rc != cudaSuccess ? cudaGetErrorString(rc) : "no CUDA device");
            cudaGetLastError();
        } else {
            cx->usable = true;
        }
    }
    if (!cx->usable)
        return hml_fail(err, HML_ESYSTEM, "%s", cx->unusable);
    return HML_OK;
}

/* The device, the libraries, the options and the algorithm policy this GPU
 * gets, into cx->det (and cx->table). */
static void details_start(cuda_context *cx, const struct cudaDeviceProp *prop)
{
    cuda_details *d = &cx->det;
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
    const cuda_options *o = &cx->opt;
    d->tf32 = o->tf32;
    d->graphs = o->graphs;
    d->fused = o->fused;
    d->bias_grad = nn_cuda_bias_grad_name(o->bias_grad);
    d->wgrad_own = o->wgrad_own;
    d->pool_fused = o->pool_fused;
    d->profile = o->profile;
    d->policy = o->algo;
    d->pins = o->pins.count;
    d->policy_used = conv_policy_name(o->algo);
    d->table = NULL;
    d->policy_note[0] = '\0';
    cx->table = NULL;
    if (o->algo == CONV_POLICY_TABLE) {
        cx->table = conv_algo_table_for(prop->major, prop->minor, o->tf32);
        if (cx->table) {
            d->table = cx->table->name;
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

hml_status cuda_context_init(cuda_context *cx, const nn_cuda_config *config, hml_err *err)
{
    if (cx->ready) {
        if (nn_cuda_config_same(&cx->config, config))
            return HML_OK;
        char was[160], asked[160];
        nn_cuda_config_name(&cx->config, was, sizeof was);
        nn_cuda_config_name(config, asked, sizeof asked);
        return hml_fail(err, HML_EUSAGE,
                        "cuda: a model with other cuda options (defaults%s) than this process's "
                        "first (defaults%s)",
                        asked, was);
    }
    double t = cuda_wall_now();
    if (cuda_context_available(cx, err) != HML_OK)
        return err->status;
    cx->config = *config;
    cx->opt = options_of(config);
    if (cx->det.timing_count == 0)
        cuda_timing_add(cx, "probe (dlopen, cuInit, checks)", cuda_wall_now() - t);
    t = cuda_wall_now();
    struct cudaDeviceProp prop;
    CUDA_TRY("cudaSetDevice", cudaSetDevice(0));
    CUDA_TRY("context", cudaFree(NULL)); /* makes the primary context now, timed */
    cuda_timing_add(cx, "context (cudaSetDevice, cudaFree(0))", cuda_wall_now() - t);
    t = cuda_wall_now();
    CUDA_TRY("cudaGetDeviceProperties", cudaGetDeviceProperties(&prop, 0));
    CUDA_TRY("cudaStreamCreate", cudaStreamCreateWithFlags(&cx->stream, cudaStreamNonBlocking));
    cuda_timing_add(cx, "properties, stream", cuda_wall_now() - t);
    details_start(cx, &prop);
    t = cuda_wall_now();
    CUDNN_TRY(cx, "cudnnCreate", cx->api.cudnnCreate(&cx->cudnn));
    CUDNN_TRY(cx, "cudnnSetStream", cx->api.cudnnSetStream(cx->cudnn, cx->stream));
    CUDNN_TRY(cx, "cudnnCreateActivationDescriptor",
              cx->api.cudnnCreateActivationDescriptor(&cx->relu));
    CUDNN_TRY(cx, "cudnnSetActivationDescriptor",
              cx->api.cudnnSetActivationDescriptor(cx->relu, CUDNN_ACTIVATION_RELU,
                                                   CUDNN_NOT_PROPAGATE_NAN, 0.0));
    cuda_timing_add(cx, "cudnnCreate", cuda_wall_now() - t);
    t = cuda_wall_now();
    CUBLAS_TRY(cx, "cublasCreate", cx->api.cublasCreate_v2(&cx->cublas));
    CUBLAS_TRY(cx, "cublasSetStream", cx->api.cublasSetStream_v2(cx->cublas, cx->stream));
    /* A workspace of our own: cuBLAS then never allocates, also not while
     * a CUDA graph is being captured. */
    CUDA_TRY("cudaMalloc", cudaMalloc(&cx->cublas_workspace, CUBLAS_WORKSPACE_BYTES));
    CUBLAS_TRY(
        cx, "cublasSetWorkspace",
        cx->api.cublasSetWorkspace_v2(cx->cublas, cx->cublas_workspace, CUBLAS_WORKSPACE_BYTES));
    CUBLAS_TRY(cx, "cublasSetMathMode",
               cx->api.cublasSetMathMode(cx->cublas, cx->opt.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                  : CUBLAS_DEFAULT_MATH));
    cuda_timing_add(cx, "cublasCreate, workspace", cuda_wall_now() - t);
    CUDA_TRY("normalisation constants",
             cuda_set_normalisation(data_channel_mean, data_channel_std));
    cx->ready = true;
    return HML_OK;
}

hml_status cuda_device_alloc(void **ptr, size_t bytes, size_t *total, hml_err *err)
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
