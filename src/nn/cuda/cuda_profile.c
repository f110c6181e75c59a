/* The cuda backend's profiler (cuda_profile.h). */
#include "nn/cuda/cuda_profile.h"

#include "nn/cuda/cuda_kernels.h"
#include "nn/cuda/cuda_try.h"

/* The GPU-side head start per step (the host enqueues a step in well under
 * this). */
static const unsigned long long PROFILE_SPIN_NS = 3000000ull;

const char *const cuda_op_names[OP_COUNT] = {
    "gather", "fwd", "bias_relu", "fwd", "gemm_fwd", "softmax_xent", "relu_bias_bwd",
    "bwd_filter", "bwd_data", "bwd", "gemm_dw", "gemm_dx", "optimizer", "advance",
    "relu_wgrad_bias", "bwd_relu_bias"};

hml_status cuda_profile_begin(cuda_profile *pr, cudaStream_t stream, int n, hml_err *err)
{
    if (!pr->events[0])
        for (int k = 0; k <= PROFILE_MAX_OPS; k++)
            CUDA_TRY("cudaEventCreate", cudaEventCreate(&pr->events[k]));
    CUDA_TRY("spin", cuda_spin(stream, PROFILE_SPIN_NS));
    CUDA_TRY("cudaEventRecord", cudaEventRecord(pr->events[0], stream));
    pr->marks = 0;
    pr->n = n;
    pr->active = true;
    return HML_OK;
}

void cuda_profile_mark(cuda_profile *pr, cudaStream_t stream, int layer, cuda_op op)
{
    if (!pr->active || pr->marks == PROFILE_MAX_OPS)
        return;
    pr->layer[pr->marks] = layer;
    pr->op[pr->marks] = op;
    pr->marks++;
    cudaEventRecord(pr->events[pr->marks], stream);
}

hml_status cuda_profile_end(cuda_profile *pr, hml_err *err)
{
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
        const int row = pr->layer[k] < 0 ? NN_LAYER_COUNT : pr->layer[k];
        pr->ms[row][pr->op[k]] += ms;
        pr->calls[row][pr->op[k]]++;
    }
    pr->steps_timed++;
    return HML_OK;
}