/* cuda_explore: what the cuda backend's speed and start-up depend on, measured on the GPU
 * machine (bench/gpu-explore.sh runs every mode; each prints compact tables on stdout).
 *
 *   cuda_explore startup [--parallel] [--quick-exit]
 *       a fresh process's GPU set-up, step by step, each timed (wall) with the shared
 *       objects it loaded: dlopen libcuda + cuInit, the CUDA context, dlopen libcudnn and
 *       each sub-library check, dlopen libcublas, cudnnCreate, cublasCreate, the first
 *       heuristic query (cuDNN loads its engine libraries), the first call of each kind
 *       (kernel modules load lazily), a graph capture. --parallel: the libraries are
 *       loaded on a second thread while the main thread creates the CUDA context.
 *       --quick-exit: _exit(0) at the end (no destructors). Prints exit_at=<epoch s>
 *       last, so the caller can time the teardown.
 *   cuda_explore algos [--iters N]
 *       for each convolution of the model (and the dense layers written as convolutions:
 *       dense1 = 64->512 with a 6x6 kernel, dense2 = 512->10 1x1) at batch 64:
 *       cudnnFind*AlgorithmEx forward, backward-data, backward-filter, in NCHW and NHWC,
 *       fp32 (FMA) and TF32: every algorithm's time, workspace, determinism, math; the
 *       heuristics' first deterministic pick; the fastest deterministic one re-timed.
 *   cuda_explore engines [--iters N]
 *       the same convolutions through cuDNN's graph (backend) API: every engine of the
 *       operation graph (global index), its notes (tensor cores, non-deterministic,
 *       FFT/Winograd) and time; engines that compile at run time are listed, not built.
 *   cuda_explore gemm [--iters N]
 *       the dense layers' products as the backend calls them (cublasSgemm), with TF32
 *       math, cublasGemmEx with CUBLAS_COMPUTE_32F_FAST_TF32, and cublasLt with a fused
 *       bias+ReLU epilogue.
 *
 * Built with the cuda backend (tests/nn/cuda/CMakeLists.txt); links no GPU library: the
 * functions come from the libraries gpu_libs.c probed (dlsym), as in the backend. */
#include <dlfcn.h>
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "meter/clock.h"
#include "nn/cuda/cuda_api.h"
#include "nn/cuda/gpu_libs.h"
#include "nn/cuda/gpu_symbols.h"
#include "nn/model_spec.h"
#include "workload/startup.h"

/* ---- the functions, resolved from the probed libraries ---------------------------------- */

/* The backend's own lists (nn/cuda/gpu_symbols.h, which the probe has checked), and what
 * only this exploration calls: cuDNN's graph (backend) API, cublasGemmEx and cublasLt. */
#define EX_CUDNN(X)                                                                             \
    GPU_CUDNN_SYMBOLS(X)                                                                        \
    X(cudnnBackendCreateDescriptor)                                                             \
    X(cudnnBackendDestroyDescriptor)                                                            \
    X(cudnnBackendSetAttribute)                                                                 \
    X(cudnnBackendGetAttribute)                                                                 \
    X(cudnnBackendFinalize)                                                                     \
    X(cudnnBackendExecute)

#define EX_CUBLAS(X)                                                                            \
    GPU_CUBLAS_SYMBOLS(X)                                                                       \
    X(cublasGemmEx)

#define EX_CUBLASLT(X)                                                                          \
    X(cublasLtCreate)                                                                           \
    X(cublasLtMatmulDescCreate)                                                                 \
    X(cublasLtMatmulDescSetAttribute)                                                           \
    X(cublasLtMatmulDescDestroy)                                                                \
    X(cublasLtMatrixLayoutCreate)                                                               \
    X(cublasLtMatrixLayoutDestroy)                                                              \
    X(cublasLtMatmulPreferenceCreate)                                                           \
    X(cublasLtMatmulPreferenceSetAttribute)                                                     \
    X(cublasLtMatmulPreferenceDestroy)                                                          \
    X(cublasLtMatmulAlgoGetHeuristic)                                                           \
    X(cublasLtMatmul)

#define EX_MEMBER(name) __typeof__(&name) name;
static struct {
    EX_CUDNN(EX_MEMBER)
    EX_CUBLAS(EX_MEMBER)
    EX_CUBLASLT(EX_MEMBER)
} f;
#undef EX_MEMBER

static cudnnHandle_t dnn;
static cublasHandle_t blas;
static cudaStream_t stream;
static cudaEvent_t ev0, ev1;
static int iters = 20;

static void die(const char *what, const char *why)
{
    printf("cuda_explore: %s: %s\n", what, why);
    fflush(stdout);
    exit(1);
}

#define CU(call)                                                                                \
    do {                                                                                        \
        cudaError_t rc_ = (call);                                                               \
        if (rc_ != cudaSuccess)                                                                 \
            die(#call, cudaGetErrorString(rc_));                                                \
    } while (0)

static const char *dnn_error(cudnnStatus_t st)
{
    return f.cudnnGetErrorString ? f.cudnnGetErrorString(st) : "cudnn error";
}

#define DNN(call)                                                                               \
    do {                                                                                        \
        cudnnStatus_t st_ = (call);                                                             \
        if (st_ != CUDNN_STATUS_SUCCESS)                                                        \
            die(#call, dnn_error(st_));                                                         \
    } while (0)

/* Resolves every function from the probe's handles; exits 1 when the GPU is unusable. */
static void load_functions(void)
{
    gpu_libs_need need = cuda_api_need();
    const gpu_libs *libs = gpu_libs_probe_once(&need);
    if (libs->fail != GPU_OK)
        die("GPU libraries", libs->reason);
#define EX_RESOLVE(id, name)                                                                    \
    f.name = (__typeof__(f.name))(uintptr_t)dlsym(libs->lib[id].handle, #name);                 \
    if (!f.name)                                                                                \
        die("dlsym", #name);
#define EX_RESOLVE_CUDNN(name) EX_RESOLVE(GPU_LIB_CUDNN, name)
#define EX_RESOLVE_CUBLAS(name) EX_RESOLVE(GPU_LIB_CUBLAS, name)
#define EX_RESOLVE_CUBLASLT(name) EX_RESOLVE(GPU_LIB_CUBLASLT, name)
    EX_CUDNN(EX_RESOLVE_CUDNN)
    EX_CUBLAS(EX_RESOLVE_CUBLAS)
    EX_CUBLASLT(EX_RESOLVE_CUBLASLT)
}

static void open_handles(void)
{
    CU(cudaSetDevice(0));
    CU(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    CU(cudaEventCreate(&ev0));
    CU(cudaEventCreate(&ev1));
    DNN(f.cudnnCreate(&dnn));
    DNN(f.cudnnSetStream(dnn, stream));
    if (f.cublasCreate_v2(&blas) != CUBLAS_STATUS_SUCCESS ||
        f.cublasSetStream_v2(blas, stream) != CUBLAS_STATUS_SUCCESS)
        die("cublasCreate", "failed");
    struct cudaDeviceProp prop;
    CU(cudaGetDeviceProperties(&prop, 0));
    printf("device: %s, sm_%d%d, %d SMs\n", prop.name, prop.major, prop.minor,
           prop.multiProcessorCount);
}

/* Device buffer of n floats, filled with values in [-1, 1) (a fixed pattern). */
static float *device_floats(size_t n)
{
    float *host = malloc(n * sizeof *host), *dev = NULL;
    if (!host)
        die("malloc", "out of memory");
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        host[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
    }
    CU(cudaMalloc((void **)&dev, n * sizeof *dev));
    CU(cudaMemcpy(dev, host, n * sizeof *dev, cudaMemcpyHostToDevice));
    free(host);
    return dev;
}

/* ---- the shapes ------------------------------------------------------------------------ */

typedef struct conv_shape {
    const char *name;
    int c, h, w, k, r, pad; /* input channels and size, output channels, kernel, padding */
} conv_shape;

enum { N = 64, SHAPES = 6 };

static void model_shapes(conv_shape *out)
{
    const nn_layer_spec *l = nn_layer_specs();
    int k = 0;
    for (int i = 0; i < NN_LAYER_COUNT; i++)
        if (l[i].kind == NN_LAYER_CONV)
            out[k++] = (conv_shape){l[i].name, l[i].in_c, l[i].in_h, l[i].in_w,
                                    l[i].out_c, l[i].kernel, l[i].pad};
    /* The dense layers as convolutions: dense1's weight (512, 2304) is the
     * filter (512, 64, 6, 6) in NCHW; dense2 a 1x1 convolution. */
    out[k++] = (conv_shape){"dense1", 64, 6, 6, 512, 6, 0};
    out[k++] = (conv_shape){"dense2", 512, 1, 1, 10, 1, 0};
}

static int out_size(const conv_shape *s, int in) { return in + 2 * s->pad - s->r + 1; }

/* The costliest first (conv2, conv4, conv3, conv1, dense1, dense2), for time-boxed modes. */
static const int shape_order[SHAPES] = {1, 3, 2, 0, 4, 5};

/* ---- startup --------------------------------------------------------------------------- */

static char seen_libs[64][96];
static int seen_count;

static int note_library(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    char *added = data;
    const char *name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : NULL;
    if (!name)
        return 0;
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    for (int i = 0; i < seen_count; i++)
        if (!strcmp(seen_libs[i], base))
            return 0;
    if (seen_count < 64)
        snprintf(seen_libs[seen_count++], sizeof seen_libs[0], "%s", base);
    size_t used = strlen(added);
    snprintf(added + used, 1024 - used, " %s", base);
    return 0;
}

static double step_t0;
static void step_begin(void) { step_t0 = clock_monotonic_s(); }
static void step_end(const char *label)
{
    double dt = clock_monotonic_s() - step_t0;
    char added[1024] = "";
    dl_iterate_phdr(note_library, added);
    printf("startup %-44s %8.4f s%s%s\n", label, dt, added[0] ? "  +libs:" : "", added);
    fflush(stdout);
}

static void *handle_of(const char *soname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        die("dlopen", dlerror());
    return h;
}

typedef struct lib_loader {
    void *cudnn, *cublas;
    double seconds;
    double graph_s, ops_s, cnn_s, engines_s;
    bool preload_engines;
} lib_loader;

typedef int (*version_check_fn)(void);

/* Calls one of cuDNN's sub-library checks (each loads its sub-library). */
static void version_check(void *cudnn, const char *name)
{
    ((version_check_fn)(uintptr_t)dlsym(cudnn, name))();
}

static void *load_libraries(void *arg)
{
    lib_loader *l = arg;
    double t0 = clock_monotonic_s();
    l->cudnn = handle_of("libcudnn.so.9");
    double t = clock_monotonic_s();
    version_check(l->cudnn, "cudnnGraphVersionCheck");
    l->graph_s = clock_monotonic_s() - t;
    t = clock_monotonic_s();
    version_check(l->cudnn, "cudnnOpsVersionCheck");
    l->ops_s = clock_monotonic_s() - t;
    t = clock_monotonic_s();
    version_check(l->cudnn, "cudnnCnnVersionCheck");
    l->cnn_s = clock_monotonic_s() - t;
    if (l->preload_engines) {
        t = clock_monotonic_s();
        dlopen("libcudnn_engines_precompiled.so.9", RTLD_NOW | RTLD_LOCAL);
        dlopen("libcudnn_heuristic.so.9", RTLD_NOW | RTLD_LOCAL);
        l->engines_s = clock_monotonic_s() - t;
    }
    l->cublas = handle_of("libcublas.so.13");
    l->seconds = clock_monotonic_s() - t0;
    return NULL;
}

typedef int (*cu_init_fn)(unsigned);

static int run_startup(bool parallel, bool quick_exit)
{
    startup_clock sc = startup_measure();
    printf("startup %-44s %8.4f s (%s)\n", "process start -> main", sc.process_to_main_s,
           sc.method);
    const double t_main = clock_monotonic_s();
    dl_iterate_phdr(note_library, (char[1024]){0});
    lib_loader loader = {.preload_engines = parallel};
    pthread_t thread;
    if (parallel && pthread_create(&thread, NULL, load_libraries, &loader) != 0)
        die("pthread_create", "failed");

    step_begin();
    void *driver = handle_of("libcuda.so.1");
    step_end("dlopen libcuda.so.1");
    step_begin();
    int rc = ((cu_init_fn)(uintptr_t)dlsym(driver, "cuInit"))(0);
    step_end(rc ? "cuInit (FAILED)" : "cuInit");
    step_begin();
    CU(cudaSetDevice(0));
    CU(cudaFree(NULL));
    step_end("CUDA context (cudaSetDevice, cudaFree(0))");
    if (parallel) {
        step_begin();
        pthread_join(thread, NULL);
        step_end("wait for the library thread");
        printf("startup %-44s %8.4f s (graph %.4f, ops %.4f, cnn %.4f, engines+heuristic "
               "%.4f; on the second thread)\n",
               "libraries loaded on the thread", loader.seconds, loader.graph_s, loader.ops_s,
               loader.cnn_s, loader.engines_s);
    } else {
        step_begin();
        loader.cudnn = handle_of("libcudnn.so.9");
        step_end("dlopen libcudnn.so.9");
        step_begin();
        version_check(loader.cudnn, "cudnnGraphVersionCheck");
        step_end("cudnnGraphVersionCheck");
        step_begin();
        version_check(loader.cudnn, "cudnnOpsVersionCheck");
        step_end("cudnnOpsVersionCheck");
        step_begin();
        version_check(loader.cudnn, "cudnnCnnVersionCheck");
        step_end("cudnnCnnVersionCheck");
        step_begin();
        loader.cublas = handle_of("libcublas.so.13");
        step_end("dlopen libcublas.so.13");
    }
    step_begin();
    load_functions(); /* the probe: the same handles, now cheap */
    step_end("gpu_libs probe (already loaded)");
    step_begin();
    CU(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    DNN(f.cudnnCreate(&dnn));
    DNN(f.cudnnSetStream(dnn, stream));
    step_end("cudnnCreate");
    step_begin();
    if (f.cublasCreate_v2(&blas) != CUBLAS_STATUS_SUCCESS)
        die("cublasCreate", "failed");
    f.cublasSetStream_v2(blas, stream);
    step_end("cublasCreate");
    step_begin();
    conv_shape shapes[SHAPES];
    model_shapes(shapes);
    const conv_shape *s = &shapes[1]; /* conv2 */
    const int p = out_size(s, s->h), q = out_size(s, s->w);
    float *x = device_floats((size_t)N * s->c * s->h * s->w);
    float *w = device_floats((size_t)s->k * s->c * s->r * s->r);
    float *y = device_floats((size_t)N * s->k * p * q);
    float *dx = device_floats((size_t)N * s->c * s->h * s->w);
    float *dw = device_floats((size_t)s->k * s->c * s->r * s->r);
    void *ws = NULL;
    CU(cudaMalloc(&ws, (size_t)64 << 20));
    step_end("buffers (cudaMalloc, upload)");
    cudnnTensorDescriptor_t xd, yd;
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t cd;
    step_begin();
    DNN(f.cudnnCreateTensorDescriptor(&xd));
    DNN(f.cudnnCreateTensorDescriptor(&yd));
    DNN(f.cudnnCreateFilterDescriptor(&wd));
    DNN(f.cudnnCreateConvolutionDescriptor(&cd));
    DNN(f.cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, N, s->c, s->h, s->w));
    DNN(f.cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, N, s->k, p, q));
    DNN(f.cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s->k, s->c, s->r, s->r));
    DNN(f.cudnnSetConvolution2dDescriptor(cd, s->pad, s->pad, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION,
                                          CUDNN_DATA_FLOAT));
    DNN(f.cudnnSetConvolutionMathType(cd, CUDNN_FMA_MATH));
    step_end("descriptors");
    int got = 0;
    cudnnConvolutionFwdAlgoPerf_t fp[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    cudnnConvolutionBwdDataAlgoPerf_t dp[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    cudnnConvolutionBwdFilterAlgoPerf_t wp[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    step_begin();
    DNN(f.cudnnGetConvolutionForwardAlgorithm_v7(dnn, xd, wd, cd, yd, 8, &got, fp));
    step_end("first heuristic query (fwd, conv2)");
    step_begin();
    DNN(f.cudnnGetConvolutionForwardAlgorithm_v7(dnn, xd, wd, cd, yd, 8, &got, fp));
    step_end("second heuristic query (fwd)");
    step_begin();
    DNN(f.cudnnGetConvolutionBackwardDataAlgorithm_v7(dnn, wd, yd, cd, xd, 8, &got, dp));
    DNN(f.cudnnGetConvolutionBackwardFilterAlgorithm_v7(dnn, xd, yd, cd, wd, 8, &got, wp));
    step_end("heuristic queries (bwd-data, bwd-filter)");
    const float one = 1, zero = 0;
    step_begin();
    DNN(f.cudnnConvolutionForward(dnn, &one, xd, x, wd, w, cd, fp[0].algo, ws, (size_t)64 << 20,
                                  &zero, yd, y));
    CU(cudaStreamSynchronize(stream));
    step_end("first cudnnConvolutionForward (+sync)");
    step_begin();
    DNN(f.cudnnConvolutionForward(dnn, &one, xd, x, wd, w, cd, fp[0].algo, ws, (size_t)64 << 20,
                                  &zero, yd, y));
    CU(cudaStreamSynchronize(stream));
    step_end("second cudnnConvolutionForward (+sync)");
    step_begin();
    DNN(f.cudnnConvolutionBackwardFilter(dnn, &one, xd, x, yd, y, cd, wp[0].algo, ws,
                                         (size_t)64 << 20, &zero, wd, dw));
    CU(cudaStreamSynchronize(stream));
    step_end("first cudnnConvolutionBackwardFilter");
    step_begin();
    DNN(f.cudnnConvolutionBackwardData(dnn, &one, wd, w, yd, y, cd, dp[0].algo, ws,
                                       (size_t)64 << 20, &zero, xd, dx));
    CU(cudaStreamSynchronize(stream));
    step_end("first cudnnConvolutionBackwardData");
    step_begin();
    if (f.cublasSgemm_v2(blas, CUBLAS_OP_T, CUBLAS_OP_N, 512, N, 2304, &one, y, 2304, x, 2304,
                         &zero, dx, 512) != CUBLAS_STATUS_SUCCESS)
        die("cublasSgemm", "failed");
    CU(cudaStreamSynchronize(stream));
    step_end("first cublasSgemm (+sync)");
    step_begin();
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CU(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    for (int k = 0; k < 10; k++)
        f.cudnnConvolutionForward(dnn, &one, xd, x, wd, w, cd, fp[0].algo, ws, (size_t)64 << 20,
                                  &zero, yd, y);
    CU(cudaStreamEndCapture(stream, &graph));
    CU(cudaGraphInstantiate(&exec, graph, 0));
    step_end("capture + instantiate a 10-call graph");
    step_begin();
    CU(cudaGraphLaunch(exec, stream));
    CU(cudaStreamSynchronize(stream));
    step_end("first graph launch (+sync)");
    printf("startup %-44s %8.4f s (%s)\n", "main -> ready (all of the above)", clock_monotonic_s() - t_main,
           parallel ? "libraries on a second thread" : "serial");
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    printf("exit_at=%.6f\n", (double)real.tv_sec + (double)real.tv_nsec * 1e-9);
    fflush(stdout);
    if (quick_exit)
        _exit(0);
    return 0;
}

/* ---- algos: the legacy API's algorithms, found and timed -------------------------------- */

typedef struct conv_case {
    const conv_shape *s;
    cudnnTensorFormat_t format;
    cudnnMathType_t math;
    cudnnTensorDescriptor_t xd, yd;
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t cd;
    float *x, *w, *y, *dx, *dw;
    void *ws;
    size_t ws_bytes;
} conv_case;

static void conv_case_open(conv_case *c, const conv_shape *s, cudnnTensorFormat_t format,
                           cudnnMathType_t math, float *bufs[5], void *ws, size_t ws_bytes)
{
    c->s = s;
    c->format = format;
    c->math = math;
    const int p = out_size(s, s->h), q = out_size(s, s->w);
    DNN(f.cudnnCreateTensorDescriptor(&c->xd));
    DNN(f.cudnnCreateTensorDescriptor(&c->yd));
    DNN(f.cudnnCreateFilterDescriptor(&c->wd));
    DNN(f.cudnnCreateConvolutionDescriptor(&c->cd));
    DNN(f.cudnnSetTensor4dDescriptor(c->xd, format, CUDNN_DATA_FLOAT, N, s->c, s->h, s->w));
    DNN(f.cudnnSetTensor4dDescriptor(c->yd, format, CUDNN_DATA_FLOAT, N, s->k, p, q));
    DNN(f.cudnnSetFilter4dDescriptor(c->wd, CUDNN_DATA_FLOAT, format, s->k, s->c, s->r, s->r));
    DNN(f.cudnnSetConvolution2dDescriptor(c->cd, s->pad, s->pad, 1, 1, 1, 1,
                                          CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    DNN(f.cudnnSetConvolutionMathType(c->cd, math));
    c->x = bufs[0];
    c->w = bufs[1];
    c->y = bufs[2];
    c->dx = bufs[3];
    c->dw = bufs[4];
    c->ws = ws;
    c->ws_bytes = ws_bytes;
}

static void conv_case_close(conv_case *c)
{
    f.cudnnDestroyTensorDescriptor(c->xd);
    f.cudnnDestroyTensorDescriptor(c->yd);
    f.cudnnDestroyFilterDescriptor(c->wd);
    f.cudnnDestroyConvolutionDescriptor(c->cd);
}

enum { DIR_FWD, DIR_BWD_DATA, DIR_BWD_FILTER };
static const char *const dir_names[] = {"fwd", "bwd_data", "bwd_filter"};

/* Runs one direction with algorithm `algo` (and math, set on the descriptor). */
static cudnnStatus_t conv_run(conv_case *c, int dir, int algo)
{
    const float one = 1, zero = 0;
    if (dir == DIR_FWD)
        return f.cudnnConvolutionForward(dnn, &one, c->xd, c->x, c->wd, c->w, c->cd,
                                         (cudnnConvolutionFwdAlgo_t)algo, c->ws, c->ws_bytes, &zero,
                                         c->yd, c->y);
    if (dir == DIR_BWD_DATA)
        return f.cudnnConvolutionBackwardData(dnn, &one, c->wd, c->w, c->yd, c->y, c->cd,
                                              (cudnnConvolutionBwdDataAlgo_t)algo, c->ws,
                                              c->ws_bytes, &zero, c->xd, c->dx);
    return f.cudnnConvolutionBackwardFilter(dnn, &one, c->xd, c->x, c->yd, c->y, c->cd,
                                            (cudnnConvolutionBwdFilterAlgo_t)algo, c->ws,
                                            c->ws_bytes, &zero, c->wd, c->dw);
}

/* Mean ms of `iters` runs after 2 warm-up runs; -1 when a run fails. */
static double conv_time_with(conv_case *c, int dir, int algo)
{
    for (int k = 0; k < 2; k++)
        if (conv_run(c, dir, algo) != CUDNN_STATUS_SUCCESS)
            return -1;
    cudaEventRecord(ev0, stream);
    for (int k = 0; k < iters; k++)
        conv_run(c, dir, algo);
    cudaEventRecord(ev1, stream);
    float ms = 0;
    if (cudaEventSynchronize(ev1) != cudaSuccess || cudaEventElapsedTime(&ms, ev0, ev1) != cudaSuccess)
        return -1;
    return (double)ms / iters;
}

static double conv_time(conv_case *c, int dir, int algo, cudnnMathType_t math)
{
    double ms = -1;
    if (f.cudnnSetConvolutionMathType(c->cd, math) == CUDNN_STATUS_SUCCESS)
        ms = conv_time_with(c, dir, algo);
    f.cudnnSetConvolutionMathType(c->cd, c->math);
    cudaGetLastError();
    return ms;
}

typedef struct perf {
    int algo;
    cudnnStatus_t status;
    float time;
    size_t memory;
    cudnnDeterminism_t det;
    cudnnMathType_t math;
} perf;

#define TO_PERF(src, n, out)                                                                    \
    for (int k_ = 0; k_ < (n); k_++)                                                            \
        (out)[k_] = (perf){(int)(src)[k_].algo, (src)[k_].status, (src)[k_].time,               \
                           (src)[k_].memory, (src)[k_].determinism, (src)[k_].mathType};

static int conv_perfs(conv_case *c, int dir, bool find, perf *out)
{
    int got = 0;
    cudnnStatus_t st;
    if (dir == DIR_FWD) {
        cudnnConvolutionFwdAlgoPerf_t r[16];
        st = find ? f.cudnnFindConvolutionForwardAlgorithmEx(dnn, c->xd, c->x, c->wd, c->w, c->cd,
                                                             c->yd, c->y, 8, &got, r, c->ws,
                                                             c->ws_bytes)
                  : f.cudnnGetConvolutionForwardAlgorithm_v7(dnn, c->xd, c->wd, c->cd, c->yd, 8,
                                                             &got, r);
        TO_PERF(r, got, out)
    } else if (dir == DIR_BWD_DATA) {
        cudnnConvolutionBwdDataAlgoPerf_t r[16];
        st = find ? f.cudnnFindConvolutionBackwardDataAlgorithmEx(dnn, c->wd, c->w, c->yd, c->y,
                                                                  c->cd, c->xd, c->dx, 6, &got, r,
                                                                  c->ws, c->ws_bytes)
                  : f.cudnnGetConvolutionBackwardDataAlgorithm_v7(dnn, c->wd, c->yd, c->cd,
                                                                  c->xd, 6, &got, r);
        TO_PERF(r, got, out)
    } else {
        cudnnConvolutionBwdFilterAlgoPerf_t r[16];
        st = find ? f.cudnnFindConvolutionBackwardFilterAlgorithmEx(dnn, c->xd, c->x, c->yd, c->y,
                                                                    c->cd, c->wd, c->dw, 7, &got,
                                                                    r, c->ws, c->ws_bytes)
                  : f.cudnnGetConvolutionBackwardFilterAlgorithm_v7(dnn, c->xd, c->yd, c->cd,
                                                                    c->wd, 7, &got, r);
        TO_PERF(r, got, out)
    }
    if (st != CUDNN_STATUS_SUCCESS) {
        printf("    %s %s: %s\n", find ? "find" : "heuristics", dir_names[dir], dnn_error(st));
        return 0;
    }
    return got;
}

static bool usable(const perf *p, cudnnMathType_t mode)
{
    return p->status == CUDNN_STATUS_SUCCESS && p->det == CUDNN_DETERMINISTIC &&
           (mode != CUDNN_FMA_MATH || p->math == CUDNN_FMA_MATH ||
            p->math == CUDNN_DEFAULT_MATH);
}

static int run_algos(void)
{
    load_functions();
    open_handles();
    conv_shape shapes[SHAPES];
    model_shapes(shapes);
    size_t max_x = 0, max_w = 0, max_y = 0;
    for (int i = 0; i < SHAPES; i++) {
        const conv_shape *s = &shapes[i];
        size_t x = (size_t)N * s->c * s->h * s->w, w = (size_t)s->k * s->c * s->r * s->r;
        size_t y = (size_t)N * s->k * out_size(s, s->h) * out_size(s, s->w);
        max_x = x > max_x ? x : max_x;
        max_w = w > max_w ? w : max_w;
        max_y = y > max_y ? y : max_y;
    }
    float *bufs[5] = {device_floats(max_x), device_floats(max_w), device_floats(max_y),
                      device_floats(max_x), device_floats(max_w)};
    const size_t ws_bytes = (size_t)512 << 20;
    void *ws = NULL;
    CU(cudaMalloc(&ws, ws_bytes));
    printf("algos: batch %d; per line: algo:ms(find):workspace MiB:d|nd:math (fma/tc/dflt); "
           "'best' = the fastest deterministic one re-timed over %d runs; 'heur' = the "
           "heuristics' first deterministic pick (what the backend uses today), re-timed\n",
           N, iters);
    static const char *const math_names[] = {"dflt", "tc", "tc+conv", "fma"};
    double total_best[2][2] = {{0}}, total_heur[2][2] = {{0}};
    for (int oi = 0; oi < SHAPES; oi++) {
        const int si = shape_order[oi];
        for (int fi = 0; fi < 2; fi++) {
            for (int mi = 0; mi < 2; mi++) {
                const cudnnTensorFormat_t format = fi ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
                const cudnnMathType_t math = mi ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
                conv_case c;
                conv_case_open(&c, &shapes[si], format, math, bufs, ws, ws_bytes);
                for (int dir = 0; dir < 3; dir++) {
                    perf found[16], heur[16];
                    const double t0 = clock_monotonic_s();
                    int nf = conv_perfs(&c, dir, true, found);
                    const double find_s = clock_monotonic_s() - t0;
                    int nh = conv_perfs(&c, dir, false, heur);
                    char line[1024];
                    size_t u = 0;
                    int best = -1, pick = -1;
                    for (int k = 0; k < nf; k++) {
                        if (found[k].status != CUDNN_STATUS_SUCCESS)
                            continue;
                        u += (size_t)snprintf(line + u, sizeof line - u, " %d:%.3f:%.0f:%s:%s",
                                              found[k].algo, (double)found[k].time,
                                              (double)found[k].memory / 1048576.0,
                                              found[k].det == CUDNN_DETERMINISTIC ? "d" : "nd",
                                              math_names[found[k].math & 3]);
                        if (u >= sizeof line)
                            u = sizeof line - 1;
                        if (best < 0 && usable(&found[k], math))
                            best = k;
                    }
                    for (int k = 0; k < nh && pick < 0; k++)
                        if (usable(&heur[k], math) && heur[k].memory <= ws_bytes)
                            pick = k;
                    double best_ms = best >= 0 ? conv_time(&c, dir, found[best].algo,
                                                           found[best].math)
                                               : -1;
                    double heur_ms = pick >= 0 ? conv_time(&c, dir, heur[pick].algo,
                                                           heur[pick].math)
                                               : -1;
                    printf("%-7s %s %-4s %-10s best %2d %.4f ms | heur %2d %.4f ms | find %.3f s "
                           "|%s\n",
                           shapes[si].name, fi ? "NHWC" : "NCHW", mi ? "tf32" : "fp32",
                           dir_names[dir], best >= 0 ? found[best].algo : -1, best_ms,
                           pick >= 0 ? heur[pick].algo : -1, heur_ms, find_s, line);
                    fflush(stdout);
                    if (si < 4 && !(si == 0 && dir == DIR_BWD_DATA)) {
                        total_best[fi][mi] += best_ms > 0 ? best_ms : 0;
                        total_heur[fi][mi] += heur_ms > 0 ? heur_ms : 0;
                    }
                }
                conv_case_close(&c);
            }
        }
    }
    printf("algos: sum over the 11 convolution calls of a step (conv1 has no bwd_data):\n");
    for (int fi = 0; fi < 2; fi++)
        for (int mi = 0; mi < 2; mi++)
            printf("  %s %s: best deterministic %.4f ms, heuristics' pick %.4f ms\n",
                   fi ? "NHWC" : "NCHW", mi ? "tf32" : "fp32", total_best[fi][mi],
                   total_heur[fi][mi]);
    return 0;
}

/* ---- engines: cuDNN's graph API, every engine ----------------------------------------- */

typedef cudnnBackendDescriptor_t bdesc;

static cudnnStatus_t make_desc(cudnnBackendDescriptorType_t type, bdesc *d)
{
    return f.cudnnBackendCreateDescriptor(type, d);
}

#define SET(d, attr, type, count, value)                                                        \
    if ((st = f.cudnnBackendSetAttribute((d), (attr), (type), (count), (value))) !=             \
        CUDNN_STATUS_SUCCESS)                                                                   \
        goto fail;

static cudnnStatus_t make_tensor(bdesc *t, int64_t uid, int n, int c, int h, int w, bool nhwc)
{
    cudnnStatus_t st = make_desc(CUDNN_BACKEND_TENSOR_DESCRIPTOR, t);
    if (st != CUDNN_STATUS_SUCCESS)
        return st;
    int64_t dims[4] = {n, c, h, w};
    int64_t strides[4] = {(int64_t)c * h * w, (int64_t)h * w, w, 1};
    if (nhwc) {
        strides[0] = (int64_t)h * w * c;
        strides[1] = 1;
        strides[2] = (int64_t)w * c;
        strides[3] = c;
    }
    int64_t align = 16;
    cudnnDataType_t type = CUDNN_DATA_FLOAT;
    SET(*t, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &type)
    SET(*t, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims)
    SET(*t, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides)
    SET(*t, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid)
    SET(*t, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &align)
    st = f.cudnnBackendFinalize(*t);
fail:
    return st;
}

/* One direction of one shape: builds the operation graph and tries every engine. */
static void engines_case(const conv_shape *s, bool nhwc, int dir, float *bufs[5], void *ws,
                         size_t ws_bytes, double *best_det)
{
    bdesc x = NULL, w = NULL, y = NULL, conv = NULL, op = NULL, graph = NULL;
    cudnnStatus_t st;
    const int p = out_size(s, s->h), q = out_size(s, s->w);
    *best_det = -1;
    if ((st = make_tensor(&x, 'x', N, s->c, s->h, s->w, nhwc)) != CUDNN_STATUS_SUCCESS ||
        (st = make_tensor(&w, 'w', s->k, s->c, s->r, s->r, nhwc)) != CUDNN_STATUS_SUCCESS ||
        (st = make_tensor(&y, 'y', N, s->k, p, q, nhwc)) != CUDNN_STATUS_SUCCESS)
        goto fail;
    if ((st = make_desc(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR, &conv)) != CUDNN_STATUS_SUCCESS)
        goto fail;
    {
        cudnnDataType_t comp = CUDNN_DATA_FLOAT;
        cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
        int64_t dims = 2, one2[2] = {1, 1}, pad[2] = {s->pad, s->pad};
        SET(conv, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &comp)
        SET(conv, CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode)
        SET(conv, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, 1, &dims)
        SET(conv, CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, 2, one2)
        SET(conv, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, 2, one2)
        SET(conv, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, 2, pad)
        SET(conv, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, 2, pad)
        if ((st = f.cudnnBackendFinalize(conv)) != CUDNN_STATUS_SUCCESS)
            goto fail;
    }
    {
        float alpha = 1, beta = 0;
        if (dir == DIR_FWD) {
            if ((st = make_desc(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR, &op)))
                goto fail;
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &w)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &y)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC,
                CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 1, &beta)
        } else if (dir == DIR_BWD_DATA) {
            if ((st = make_desc(CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_DATA_DESCRIPTOR, &op)))
                goto fail;
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DX, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_W, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &w)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DY, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &y)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_CONV_DESC,
                CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_BETA, CUDNN_TYPE_FLOAT, 1, &beta)
        } else {
            if ((st = make_desc(CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_FILTER_DESCRIPTOR, &op)))
                goto fail;
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_X, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_DW, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &w)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_DY, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &y)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_CONV_DESC,
                CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha)
            SET(op, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_BETA, CUDNN_TYPE_FLOAT, 1, &beta)
        }
        if ((st = f.cudnnBackendFinalize(op)) != CUDNN_STATUS_SUCCESS)
            goto fail;
    }
    if ((st = make_desc(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, &graph)))
        goto fail;
    SET(graph, CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &op)
    SET(graph, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &dnn)
    if ((st = f.cudnnBackendFinalize(graph)) != CUDNN_STATUS_SUCCESS)
        goto fail;
    int64_t count = 0, got = 0;
    if ((st = f.cudnnBackendGetAttribute(graph, CUDNN_ATTR_OPERATIONGRAPH_ENGINE_GLOBAL_COUNT,
                                         CUDNN_TYPE_INT64, 1, &got, &count)))
        goto fail;
    char line[2048];
    size_t u = 0;
    int tried = 0, rtc = 0, unsupported = 0;
    double best_any = -1;
    int best_det_engine = -1;
    /* Variant pack pointers: x, w, y in the order of their uids. */
    void *x_ptr = dir == DIR_BWD_DATA ? (void *)bufs[3] : (void *)bufs[0];
    void *w_ptr = dir == DIR_BWD_FILTER ? (void *)bufs[4] : (void *)bufs[1];
    void *ptrs[3] = {x_ptr, w_ptr, bufs[2]};
    int64_t uids[3] = {'x', 'w', 'y'};
    for (int64_t e = 0; e < count; e++) {
        bdesc engine = NULL, cfg = NULL, plan = NULL, pack = NULL;
        cudnnStatus_t es = make_desc(CUDNN_BACKEND_ENGINE_DESCRIPTOR, &engine);
        if (es == CUDNN_STATUS_SUCCESS)
            es = f.cudnnBackendSetAttribute(engine, CUDNN_ATTR_ENGINE_OPERATION_GRAPH,
                                            CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &graph);
        if (es == CUDNN_STATUS_SUCCESS)
            es = f.cudnnBackendSetAttribute(engine, CUDNN_ATTR_ENGINE_GLOBAL_INDEX,
                                            CUDNN_TYPE_INT64, 1, &e);
        if (es == CUDNN_STATUS_SUCCESS)
            es = f.cudnnBackendFinalize(engine);
        if (es != CUDNN_STATUS_SUCCESS) {
            unsupported++;
            if (engine)
                f.cudnnBackendDestroyDescriptor(engine);
            continue;
        }
        cudnnBackendBehaviorNote_t behavior[8];
        cudnnBackendNumericalNote_t numerical[16];
        int64_t nb = 0, nn = 0;
        f.cudnnBackendGetAttribute(engine, CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE,
                                   CUDNN_TYPE_BEHAVIOR_NOTE, 8, &nb, behavior);
        f.cudnnBackendGetAttribute(engine, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE,
                                   CUDNN_TYPE_NUMERICAL_NOTE, 16, &nn, numerical);
        bool runtime = false, tc = false, nondet = false, fft = false, wino = false, down = false;
        for (int64_t k = 0; k < nb && k < 8; k++)
            runtime |= behavior[k] == CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION;
        for (int64_t k = 0; k < nn && k < 16; k++) {
            tc |= numerical[k] == CUDNN_NUMERICAL_NOTE_TENSOR_CORE;
            nondet |= numerical[k] == CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC;
            fft |= numerical[k] == CUDNN_NUMERICAL_NOTE_FFT;
            wino |= numerical[k] == CUDNN_NUMERICAL_NOTE_WINOGRAD ||
                    numerical[k] == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4 ||
                    numerical[k] == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_6x6 ||
                    numerical[k] == CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_13x13;
            down |= numerical[k] == CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS;
        }
        char notes[48];
        snprintf(notes, sizeof notes, "%s%s%s%s%s%s", tc ? "tc" : "fma", nondet ? ",nd" : "",
                 fft ? ",fft" : "", wino ? ",wino" : "", down ? ",down" : "",
                 runtime ? ",rtc" : "");
        double ms = -1;
        int64_t ws_need = -1;
        if (runtime) {
            rtc++; /* compiled with NVRTC when built: seconds, not what a start-up can pay */
        } else {
            es = make_desc(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, &cfg);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendSetAttribute(cfg, CUDNN_ATTR_ENGINECFG_ENGINE,
                                                CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &engine);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendFinalize(cfg);
            if (es == CUDNN_STATUS_SUCCESS)
                es = make_desc(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, &plan);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendSetAttribute(plan, CUDNN_ATTR_EXECUTION_PLAN_HANDLE,
                                                CUDNN_TYPE_HANDLE, 1, &dnn);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendSetAttribute(plan, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG,
                                                CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &cfg);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendFinalize(plan);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendGetAttribute(plan, CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                                CUDNN_TYPE_INT64, 1, &got, &ws_need);
            if (es == CUDNN_STATUS_SUCCESS && ws_need > (int64_t)ws_bytes)
                es = CUDNN_STATUS_NOT_SUPPORTED;
            if (es == CUDNN_STATUS_SUCCESS)
                es = make_desc(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, &pack);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendSetAttribute(pack, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS,
                                                CUDNN_TYPE_VOID_PTR, 3, ptrs);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendSetAttribute(pack, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS,
                                                CUDNN_TYPE_INT64, 3, uids);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendSetAttribute(pack, CUDNN_ATTR_VARIANT_PACK_WORKSPACE,
                                                CUDNN_TYPE_VOID_PTR, 1, &ws);
            if (es == CUDNN_STATUS_SUCCESS)
                es = f.cudnnBackendFinalize(pack);
            for (int k = 0; k < 2 && es == CUDNN_STATUS_SUCCESS; k++)
                es = f.cudnnBackendExecute(dnn, plan, pack);
            if (es == CUDNN_STATUS_SUCCESS && cudaStreamSynchronize(stream) == cudaSuccess) {
                cudaEventRecord(ev0, stream);
                for (int k = 0; k < iters; k++)
                    f.cudnnBackendExecute(dnn, plan, pack);
                cudaEventRecord(ev1, stream);
                float total = 0;
                if (cudaEventSynchronize(ev1) == cudaSuccess &&
                    cudaEventElapsedTime(&total, ev0, ev1) == cudaSuccess) {
                    ms = (double)total / iters;
                    tried++;
                }
            } else {
                unsupported++;
                cudaGetLastError();
            }
        }
        if (ms > 0) {
            if (best_any < 0 || ms < best_any)
                best_any = ms;
            if (!nondet && (*best_det < 0 || ms < *best_det)) {
                *best_det = ms;
                best_det_engine = (int)e;
            }
        }
        if (u < sizeof line - 1 && ms > 0)
            u += (size_t)snprintf(line + u, sizeof line - u, " e%d:%s=%.4f", (int)e, notes, ms);
        else if (u < sizeof line - 1 && runtime)
            u += (size_t)snprintf(line + u, sizeof line - u, " e%d:%s", (int)e, notes);
        if (u >= sizeof line)
            u = sizeof line - 1;
        if (pack)
            f.cudnnBackendDestroyDescriptor(pack);
        if (plan)
            f.cudnnBackendDestroyDescriptor(plan);
        if (cfg)
            f.cudnnBackendDestroyDescriptor(cfg);
        f.cudnnBackendDestroyDescriptor(engine);
    }
    printf("%-7s %s %-10s %2d engines, %2d timed, %d rtc, %d unsupported; best det e%d %.4f ms, "
           "best any %.4f ms |%s\n",
           s->name, nhwc ? "NHWC" : "NCHW", dir_names[dir], (int)count, tried, rtc, unsupported,
           best_det_engine, *best_det, best_any, line);
    fflush(stdout);
    goto done;
fail:
    printf("%-7s %s %-10s graph API: %s\n", s->name, nhwc ? "NHWC" : "NCHW", dir_names[dir],
           dnn_error(st));
done:
    if (graph)
        f.cudnnBackendDestroyDescriptor(graph);
    if (op)
        f.cudnnBackendDestroyDescriptor(op);
    if (conv)
        f.cudnnBackendDestroyDescriptor(conv);
    if (x)
        f.cudnnBackendDestroyDescriptor(x);
    if (w)
        f.cudnnBackendDestroyDescriptor(w);
    if (y)
        f.cudnnBackendDestroyDescriptor(y);
}

static int run_engines(double budget_s)
{
    load_functions();
    open_handles();
    conv_shape shapes[SHAPES];
    model_shapes(shapes);
    float *bufs[5] = {device_floats(N * 32 * 32 * 32), device_floats(512 * 2304),
                      device_floats(N * 32 * 32 * 32), device_floats(N * 32 * 32 * 32),
                      device_floats(512 * 2304)};
    const size_t ws_bytes = (size_t)512 << 20;
    void *ws = NULL;
    CU(cudaMalloc(&ws, ws_bytes));
    printf("engines: cuDNN graph API, fp32 data and compute, batch %d; per engine eN:notes=ms "
           "(tc: tensor cores, i.e. TF32 here; nd: non-deterministic; rtc: compiled at run "
           "time, not built)\n", N);
    const double t0 = clock_monotonic_s();
    double sum[2] = {0, 0};
    for (int oi = 0; oi < SHAPES; oi++)
        for (int nhwc = 0, si = shape_order[oi]; nhwc < 2; nhwc++)
            for (int dir = 0; dir < 3; dir++) {
                if (clock_monotonic_s() - t0 > budget_s) {
                    printf("engines: time budget of %.0f s used up; stopping\n", budget_s);
                    return 0;
                }
                double best = -1;
                engines_case(&shapes[si], nhwc, dir, bufs, ws, ws_bytes, &best);
                if (si < 4 && !(si == 0 && dir == DIR_BWD_DATA) && best > 0)
                    sum[nhwc] += best;
            }
    printf("engines: sum of the best deterministic engine over the 11 convolution calls: "
           "NCHW %.4f ms, NHWC %.4f ms\n", sum[0], sum[1]);
    return 0;
}

/* ---- gemm: the dense layers' products ---------------------------------------------------- */

typedef struct gemm_shape {
    const char *name;
    cublasOperation_t ta, tb;
    int m, n, k, lda, ldb, ldc;
} gemm_shape;

static double time_sgemm(const gemm_shape *g, float *a, float *b, float *c, cublasMath_t math)
{
    const float one = 1, zero = 0;
    f.cublasSetMathMode(blas, math);
    for (int k = 0; k < 2; k++)
        if (f.cublasSgemm_v2(blas, g->ta, g->tb, g->m, g->n, g->k, &one, a, g->lda, b, g->ldb,
                             &zero, c, g->ldc) != CUBLAS_STATUS_SUCCESS)
            return -1;
    cudaEventRecord(ev0, stream);
    for (int k = 0; k < iters; k++)
        f.cublasSgemm_v2(blas, g->ta, g->tb, g->m, g->n, g->k, &one, a, g->lda, b, g->ldb, &zero,
                         c, g->ldc);
    cudaEventRecord(ev1, stream);
    float ms = 0;
    if (cudaEventSynchronize(ev1) != cudaSuccess)
        return -1;
    cudaEventElapsedTime(&ms, ev0, ev1);
    f.cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH);
    return (double)ms / iters;
}

static double time_gemm_ex(const gemm_shape *g, float *a, float *b, float *c,
                           cublasComputeType_t compute)
{
    const float one = 1, zero = 0;
    for (int k = 0; k < 2; k++)
        if (f.cublasGemmEx(blas, g->ta, g->tb, g->m, g->n, g->k, &one, a, CUDA_R_32F, g->lda, b,
                           CUDA_R_32F, g->ldb, &zero, c, CUDA_R_32F, g->ldc, compute,
                           CUBLAS_GEMM_DEFAULT) != CUBLAS_STATUS_SUCCESS)
            return -1;
    cudaEventRecord(ev0, stream);
    for (int k = 0; k < iters; k++)
        f.cublasGemmEx(blas, g->ta, g->tb, g->m, g->n, g->k, &one, a, CUDA_R_32F, g->lda, b,
                       CUDA_R_32F, g->ldb, &zero, c, CUDA_R_32F, g->ldc, compute,
                       CUBLAS_GEMM_DEFAULT);
    cudaEventRecord(ev1, stream);
    float ms = 0;
    if (cudaEventSynchronize(ev1) != cudaSuccess)
        return -1;
    cudaEventElapsedTime(&ms, ev0, ev1);
    return (double)ms / iters;
}

/* dense1's forward through cublasLt: y^T (512, n) = W (op T) x^T, + bias, ReLU. */
static double time_lt_bias_relu(float *a, float *b, float *c, float *bias, bool epilogue,
                                cublasComputeType_t compute)
{
    cublasLtHandle_t lt = NULL;
    cublasLtMatmulDesc_t op = NULL;
    cublasLtMatrixLayout_t la = NULL, lb = NULL, lc = NULL;
    cublasLtMatmulPreference_t pref = NULL;
    double result = -1;
    const int m = 512, n = N, k = 2304;
    cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    cublasLtEpilogue_t epi = epilogue ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
    size_t ws_bytes = (size_t)32 << 20;
    void *ws = NULL;
    cublasLtMatmulHeuristicResult_t heur;
    int found = 0;
    const float one = 1, zero = 0;
    if (cudaMalloc(&ws, ws_bytes) != cudaSuccess || f.cublasLtCreate(&lt) ||
        f.cublasLtMatmulDescCreate(&op, compute, CUDA_R_32F) ||
        f.cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta) ||
        f.cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb) ||
        f.cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi) ||
        (epilogue && f.cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                      &bias, sizeof bias)) ||
        f.cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, k, m, k) ||
        f.cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, k, n, k) ||
        f.cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, m, n, m) ||
        f.cublasLtMatmulPreferenceCreate(&pref) ||
        f.cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                               &ws_bytes, sizeof ws_bytes) ||
        f.cublasLtMatmulAlgoGetHeuristic(lt, op, la, lb, lc, lc, pref, 1, &heur, &found) ||
        found < 1)
        goto done;
    for (int r = 0; r < 2; r++)
        if (f.cublasLtMatmul(lt, op, &one, a, la, b, lb, &zero, c, lc, c, lc, &heur.algo, ws,
                             ws_bytes, stream))
            goto done;
    cudaEventRecord(ev0, stream);
    for (int r = 0; r < iters; r++)
        f.cublasLtMatmul(lt, op, &one, a, la, b, lb, &zero, c, lc, c, lc, &heur.algo, ws, ws_bytes,
                         stream);
    cudaEventRecord(ev1, stream);
    float ms = 0;
    if (cudaEventSynchronize(ev1) == cudaSuccess && cudaEventElapsedTime(&ms, ev0, ev1) == cudaSuccess)
        result = (double)ms / iters;
done:
    if (pref)
        f.cublasLtMatmulPreferenceDestroy(pref);
    if (la)
        f.cublasLtMatrixLayoutDestroy(la);
    if (lb)
        f.cublasLtMatrixLayoutDestroy(lb);
    if (lc)
        f.cublasLtMatrixLayoutDestroy(lc);
    if (op)
        f.cublasLtMatmulDescDestroy(op);
    cudaFree(ws);
    return result;
}

static int run_gemm(void)
{
    load_functions();
    open_handles();
    void *ws = NULL;
    CU(cudaMalloc(&ws, (size_t)32 << 20));
    f.cublasSetWorkspace_v2(blas, ws, (size_t)32 << 20);
    float *a = device_floats(2304 * 512), *b = device_floats(2304 * 512),
          *c = device_floats(2304 * 512), *bias = device_floats(512);
    /* As the backend calls them (column-major; see cuda_backend.c forward/backward). */
    const gemm_shape shapes[] = {
        {"dense1.fwd", CUBLAS_OP_T, CUBLAS_OP_N, 512, N, 2304, 2304, 2304, 512},
        {"dense1.dw", CUBLAS_OP_N, CUBLAS_OP_T, 2304, 512, N, 2304, 512, 2304},
        {"dense1.dx", CUBLAS_OP_N, CUBLAS_OP_N, 2304, N, 512, 2304, 512, 2304},
        {"dense2.fwd", CUBLAS_OP_T, CUBLAS_OP_N, 10, N, 512, 512, 512, 10},
        {"dense2.dw", CUBLAS_OP_N, CUBLAS_OP_T, 512, 10, N, 512, 10, 512},
        {"dense2.dx", CUBLAS_OP_N, CUBLAS_OP_N, 512, N, 10, 512, 10, 512},
    };
    printf("gemm: ms per call (mean of %d): sgemm fp32 | sgemm TF32_TENSOR_OP_MATH | GemmEx "
           "COMPUTE_32F | GemmEx COMPUTE_32F_FAST_TF32\n", iters);
    double sums[4] = {0};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const gemm_shape *g = &shapes[i];
        double t[4] = {time_sgemm(g, a, b, c, CUBLAS_DEFAULT_MATH),
                       time_sgemm(g, a, b, c, CUBLAS_TF32_TENSOR_OP_MATH),
                       time_gemm_ex(g, a, b, c, CUBLAS_COMPUTE_32F),
                       time_gemm_ex(g, a, b, c, CUBLAS_COMPUTE_32F_FAST_TF32)};
        printf("%-11s m %4d n %4d k %4d: %.4f | %.4f | %.4f | %.4f\n", g->name, g->m, g->n, g->k,
               t[0], t[1], t[2], t[3]);
        for (int k = 0; k < 4; k++)
            sums[k] += t[k] > 0 ? t[k] : 0;
    }
    printf("gemm: sum of the 6 products: %.4f | %.4f | %.4f | %.4f ms\n", sums[0], sums[1],
           sums[2], sums[3]);
    printf("gemm: cublasLt dense1.fwd, fp32: plain %.4f ms, +bias+ReLU epilogue %.4f ms; "
           "TF32: plain %.4f ms, +bias+ReLU %.4f ms\n",
           time_lt_bias_relu(a, b, c, bias, false, CUBLAS_COMPUTE_32F),
           time_lt_bias_relu(a, b, c, bias, true, CUBLAS_COMPUTE_32F),
           time_lt_bias_relu(a, b, c, bias, false, CUBLAS_COMPUTE_32F_FAST_TF32),
           time_lt_bias_relu(a, b, c, bias, true, CUBLAS_COMPUTE_32F_FAST_TF32));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cuda_explore startup [--parallel] [--quick-exit] | algos | "
                        "engines [--budget S] | gemm  [--iters N]\n");
        return 2;
    }
    bool parallel = false, quick = false;
    double budget = 40;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--parallel"))
            parallel = true;
        else if (!strcmp(argv[i], "--quick-exit"))
            quick = true;
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = atoi(argv[++i]) > 0 ? atoi(argv[i]) : iters;
        else if (!strcmp(argv[i], "--budget") && i + 1 < argc)
            budget = atof(argv[++i]);
        else {
            fprintf(stderr, "cuda_explore: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(argv[1], "startup"))
        return run_startup(parallel, quick);
    if (!strcmp(argv[1], "algos"))
        return run_algos();
    if (!strcmp(argv[1], "engines"))
        return run_engines(budget);
    if (!strcmp(argv[1], "gemm"))
        return run_gemm();
    fprintf(stderr, "cuda_explore: unknown mode '%s'\n", argv[1]);
    return 2;
}
