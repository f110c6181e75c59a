/* The cuda backend's steps on a plan (cuda_plan.h): forward, loss,
 * backward and the optimizer's update, all enqueued on the context's one
 * stream (the host waits once per call, not per layer). cuDNN (legacy API)
 * runs the convolutions and the max-pooling; cuBLAS's sgemm the dense
 * layers; our kernels (cuda_kernels.cu) bias + ReLU, the loss, the
 * optimizer and the gradient kernels of own_grad.h. The first step of a
 * plan runs eagerly (cuDNN and cuBLAS load their kernels lazily, which a
 * capture must not see); the next ones replay the CUDA graph captured then. */
#ifndef HMLCOST_NN_CUDA_CUDA_STEP_H
#define HMLCOST_NN_CUDA_CUDA_STEP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "nn/cuda/cuda_model.h"

/* act[0] (and labels) -> act[NN_LAYER_COUNT] = logits. */
hml_status cuda_step_forward(cuda_model *m, cuda_plan *p, hml_err *err);
/* dact[NN_LAYER_COUNT] = dL/dlogits -> the model's gradients (canonical). */
hml_status cuda_step_backward(cuda_model *m, cuda_plan *p, hml_err *err);

/* One step on the plan's act[0]/labels: train (forward, loss, backward,
 * update) or evaluate (forward, loss into the state's sums); then the
 * state advances. Eager the first time, from the captured graph after. */
hml_status cuda_step_run(cuda_model *m, cuda_plan *p, bool train, hml_err *err);

/* The state's batch index to 0 (and, for an evaluation, its sums). */
hml_status cuda_step_reset_batch_index(cuda_model *m, bool reset_eval_sums, hml_err *err);
/* x and labels of n images from the host into the plan's input. */
hml_status cuda_step_upload_batch(cuda_model *m, cuda_plan *p, const float *x,
                                  const int32_t *labels, int n, hml_err *err);

/* Drops every captured graph (they hold device pointers that are about to
 * change); the next steps capture them again. */
void cuda_step_drop_graphs(cuda_model *m);

#endif
