/* The cuda backend's own kernels (cuda_kernels.cu): everything that is not
 * a convolution, a pooling or a matrix product. Each launcher enqueues on
 * `stream` and returns the launch's cudaError_t as int (0 = ok).
 *
 * Kernels that run inside the captured training step read what changes
 * from step to step (which batch, the optimizer step t) from a
 * cuda_step_state in device memory, so one CUDA graph serves every step. */
#ifndef HMLCOST_NN_CUDA_CUDA_KERNELS_H
#define HMLCOST_NN_CUDA_CUDA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Device-resident step counters (one per model). */
typedef struct cuda_step_state {
    int batch;        /* index of the batch within the current call */
    int pad_;
    long long t;      /* optimizer steps taken so far */
    float adam_step;  /* lr * sqrt(1 - beta2^(t+1)) / (1 - beta1^(t+1)): the next step's */
    int correct;      /* evaluation: argmax hits, summed over the call */
    double loss_sum;  /* evaluation: cross-entropy, summed over the call */
} cuda_step_state;

/* x: (n, 3, 32, 32) float, labels: (n) int32, from uint8 CIFAR records
 * (3073 bytes: label, R, G, B planes) on the device. Image i of the batch is
 * record order[state->batch * stride + i] (order NULL: that index itself),
 * each pixel (byte / 255 - mean[c]) / std[c], as data_fill_batch. */
int cuda_gather_images(cudaStream_t stream, const uint8_t *records, const uint32_t *order,
                       const cuda_step_state *state, int stride, int n, float *x,
                       int32_t *labels);

/* The normalisation constants (data_channel_mean/std), set once. */
int cuda_set_normalisation(const float mean[3], const float std_dev[3]);

/* y: (n, channels, spatial) in place: y += bias[c]; then ReLU when relu. */
int cuda_bias_act_forward(cudaStream_t stream, float *y, const float *bias, int n, int channels,
                          int spatial, int relu);

/* dy: (n, channels, spatial) in place: when relu, dy *= (y > 0) (y: the
 * layer's output after ReLU); then db[c] = sum of dy over n and spatial,
 * in a fixed order (deterministic). */
int cuda_relu_bias_backward(cudaStream_t stream, float *dy, const float *y, float *db, int n,
                            int channels, int spatial, int relu);

/* Softmax cross-entropy over logits (n, classes), as nn_softmax_cross_entropy.
 * Training (dlogits != NULL): dlogits = (softmax - onehot) / n and
 * losses[state->batch] = mean loss. Evaluation (dlogits == NULL):
 * state->correct += hits, state->loss_sum += summed loss. */
int cuda_softmax_xent(cudaStream_t stream, const float *logits, const int32_t *labels, int n,
                      int classes, float *dlogits, float *losses, cuda_step_state *state);

/* Adam (optimizer.h's formulas) with the step size from state->adam_step. */
int cuda_adam_update(cudaStream_t stream, float *p, const float *g, float *m, float *v,
                     size_t count, const cuda_step_state *state, float beta1, float beta2,
                     float eps);

/* SGD with momentum (optimizer.h). */
int cuda_sgd_update(cudaStream_t stream, float *p, const float *g, float *u, size_t count,
                    float lr, float momentum);

/* After a step: state->batch += 1; when trained, state->t += 1 and the next
 * Adam step size is computed (in double, as nn_adam_update does). */
int cuda_step_advance(cudaStream_t stream, cuda_step_state *state, int trained, float lr,
                      float beta1, float beta2);

#ifdef __cplusplus
}
#endif

#endif
