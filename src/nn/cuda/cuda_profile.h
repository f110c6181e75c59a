/* The profiler of the cuda backend (bench/cuda_train --profile): the GPU
 * time of every operation of a training step. A profiled step: the GPU
 * first waits PROFILE_SPIN_NS (cuda_spin) while the host enqueues the whole
 * step with an event after each operation; the events then time the
 * operations back to back on the GPU, free of launch gaps. The first
 * PROFILE_WARMUP_STEPS steps (lazy module loading) are not counted. */
#ifndef HMLCOST_NN_CUDA_CUDA_PROFILE_H
#define HMLCOST_NN_CUDA_CUDA_PROFILE_H

#include <stdbool.h>

#include <cuda_runtime_api.h>

#include "common/error.h"
#include "nn/model_spec.h"

enum { PROFILE_MAX_OPS = 64, PROFILE_WARMUP_STEPS = 5 };

/* Operations of a step, as the profiler names them (with the layer's name). */
typedef enum cuda_op {
    OP_GATHER, OP_CONV_FWD, OP_BIAS_ACT, OP_POOL_FWD, OP_GEMM_FWD, OP_LOSS, OP_RELU_BIAS_BWD,
    OP_BWD_FILTER, OP_BWD_DATA, OP_POOL_BWD, OP_GEMM_DW, OP_GEMM_DX, OP_UPDATE, OP_ADVANCE,
    OP_WGRAD_OWN, OP_POOL_RELU_BIAS_BWD, OP_COUNT
} cuda_op;
extern const char *const cuda_op_names[OP_COUNT];

/* GPU time per operation over the profiled steps. */
typedef struct cuda_profile {
    cudaEvent_t events[PROFILE_MAX_OPS + 1];
    int layer[PROFILE_MAX_OPS];
    cuda_op op[PROFILE_MAX_OPS];
    int marks;           /* events recorded in the current step after events[0] */
    bool active;         /* between cuda_profile_begin and cuda_profile_end */
    int steps_seen, steps_timed;
    int n;               /* batch size of the timed steps */
    double ms[NN_LAYER_COUNT + 1][OP_COUNT]; /* last row: no layer (gather, loss, optimizer) */
    int calls[NN_LAYER_COUNT + 1][OP_COUNT];
    double step_ms;
} cuda_profile;

/* Before a training step of n images is enqueued on stream. */
hml_status cuda_profile_begin(cuda_profile *pr, cudaStream_t stream, int n, hml_err *err);
/* After an operation of layer `layer` (-1: none) was enqueued; nothing
 * unless a profiled step is being enqueued. */
void cuda_profile_mark(cuda_profile *pr, cudaStream_t stream, int layer, cuda_op op);
/* After the step: waits for it and adds its times (past the warm-up). */
hml_status cuda_profile_end(cuda_profile *pr, hml_err *err);

#endif
