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

/* The same result computed with more parallelism (the order of the sums
 * differs from cuda_relu_bias_backward's, and is fixed): blocks over
 * (image chunk, channel) write partial (cuda_bias_grad_chunks(n, channels)
 * x channels floats), then one thread per channel adds the chunks in order;
 * spatial == 1 (dense layers): one thread per feature over the images. */
int cuda_relu_bias_backward_split(cudaStream_t stream, float *dy, const float *y, float *db,
                                  float *partial, int n, int channels, int spatial, int relu);
unsigned cuda_bias_grad_chunks(int n, int channels);

/* Dense layers (spatial 1), more parallel than the split path's thread per
 * feature: blocks of 32 features x 8 image groups, each group's sum over
 * its images in order, then the 8 groups in order (deterministic). */
int cuda_relu_bias_backward_dense_tiled(cudaStream_t stream, float *dy, const float *y, float *db,
                                        int n, int features, int relu);

/* conv1's gradients in one pass (own_grad.h, 1): x (n, 3, in_h, in_w) the
 * layer's input, dy and y (n, out_c, out_h, out_w) the gradient of its
 * output and its output (after ReLU); dw (out_c, 3, 3, 3) and db (out_c)
 * receive the gradients of the ReLU'd layer; dy is not changed. Needs
 * partial_floats >= cuda_wgrad_partial_floats(n, out_c) of scratch; a shape
 * own_grad.h's wgrad_supported refuses is cudaErrorInvalidValue. */
size_t cuda_wgrad_partial_floats(int n, int out_c);
int cuda_wgrad_small(cudaStream_t stream, const float *x, const float *dy, const float *y,
                     float *dw, float *db, float *partial, size_t partial_floats, int n,
                     int in_h, int in_w, int pad, int out_c, int out_h, int out_w, int relu);

/* Max-pooling (2x2, stride 2) backward fused with the ReLU backward and the
 * bias gradient of the conv layer before it (own_grad.h, 2): y (n,
 * channels, in_h, in_w) the pooling's input (the conv's output after ReLU),
 * g (n, channels, out_h, out_w) the gradient of the pooling's output; dx
 * (like y) = the gradient of the conv's pre-ReLU output, db (channels) its
 * bias gradient. Scratch: cuda_bias_grad_chunks(n, channels) x channels
 * floats. */
int cuda_pool_relu_bias_backward(cudaStream_t stream, const float *y, const float *g, float *dx,
                                 float *db, float *partial, size_t partial_floats, int n,
                                 int channels, int in_h, int in_w, int out_h, int out_w, int relu);

/* The GPU waits ns nanoseconds (a profiling aid: see cuda_backend.c). */
int cuda_spin(cudaStream_t stream, unsigned long long ns);

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
