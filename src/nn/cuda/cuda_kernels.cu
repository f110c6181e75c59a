// The cuda backend's small kernels (cuda_kernels.h). Kept in one file and
// free of templates and libraries, so nvcc compiles it in seconds.
// Reductions run in a fixed order (no atomics): results are bit-identical
// run after run, as backend.h requires.
#include "nn/cuda/cuda_kernels.h"

#include <math.h>

namespace {

constexpr int kThreads = 256;
constexpr int kReduceThreads = 512;
constexpr int kImagePixels = 1024; // 32 x 32
constexpr int kImageBytes = 3 * kImagePixels;
constexpr int kRecordBytes = 1 + kImageBytes;

__constant__ float c_mean[3];
__constant__ float c_std[3];

int blocks_for(size_t count, int threads)
{
    size_t b = (count + (size_t)threads - 1) / (size_t)threads;
    return b > 65535u * 16u ? 65535 * 16 : (int)b;
}

// One thread per pixel; threads of a warp read consecutive bytes of a plane.
__global__ void gather_images(const uint8_t *records, const uint32_t *order,
                              const cuda_step_state *state, int stride, int n, float *x,
                              int32_t *labels)
{
    const long long base = (long long)state->batch * stride;
    const unsigned total = (unsigned)n * kImageBytes; // < 2^32: launcher checks
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total;
         i += gridDim.x * blockDim.x) {
        const unsigned image = i / kImageBytes;
        const unsigned within = i % kImageBytes; // c * 1024 + pixel
        const long long index = order ? (long long)order[base + image] : base + image;
        const uint8_t *record = records + index * kRecordBytes;
        const int c = within / kImagePixels;
        // The same float operations as data_fill_batch's table.
        x[i] = ((float)record[1 + within] / 255.0f - c_mean[c]) / c_std[c];
        if (within == 0)
            labels[image] = record[0];
    }
}

// 32-bit indices (the launchers check the sizes): 64-bit division is slow on GPUs.
__global__ void bias_act_forward(float *y, const float *bias, unsigned total, unsigned channels,
                                 unsigned spatial, int relu)
{
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total;
         i += gridDim.x * blockDim.x) {
        const unsigned c = i / spatial % channels;
        float v = y[i] + bias[c];
        y[i] = relu && v < 0.0f ? 0.0f : v;
    }
}

// One block per channel; each thread sums a fixed subset, then a tree.
__global__ void relu_bias_backward(float *dy, const float *y, float *db, unsigned n,
                                   unsigned channels, unsigned spatial, int relu)
{
    __shared__ float partial[kReduceThreads];
    const unsigned c = blockIdx.x;
    const unsigned count = n * spatial;
    float sum = 0.0f;
    for (unsigned k = threadIdx.x; k < count; k += blockDim.x) {
        const unsigned image = k / spatial;
        const unsigned idx = (image * channels + c) * spatial + k % spatial;
        float d = dy[idx];
        if (relu && !(y[idx] > 0.0f)) {
            d = 0.0f;
            dy[idx] = 0.0f;
        }
        sum += d;
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half)
            partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        db[c] = partial[0];
}

// One block; thread r handles rows r, r + blockDim.x, ... (classes <= 32).
__global__ void softmax_xent(const float *logits, const int32_t *labels, int n, int classes,
                             float *dlogits, float *losses, cuda_step_state *state)
{
    __shared__ double loss_part[kThreads];
    __shared__ int hit_part[kThreads];
    double loss = 0.0;
    int hits = 0;
    for (int r = threadIdx.x; r < n; r += blockDim.x) {
        const float *row = logits + (long long)r * classes;
        int argmax = 0;
        for (int k = 1; k < classes; k++)
            if (row[k] > row[argmax])
                argmax = k;
        const double max = row[argmax];
        double sum = 0.0;
        for (int k = 0; k < classes; k++)
            sum += exp((double)row[k] - max);
        const double log_sum = log(sum);
        const int label = labels[r];
        loss += log_sum - ((double)row[label] - max);
        hits += argmax == label;
        if (dlogits) {
            float *d = dlogits + (long long)r * classes;
            for (int k = 0; k < classes; k++) {
                const double prob = exp((double)row[k] - max - log_sum);
                d[k] = (float)((prob - (k == label ? 1.0 : 0.0)) / n);
            }
        }
    }
    loss_part[threadIdx.x] = loss;
    hit_part[threadIdx.x] = hits;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half) {
            loss_part[threadIdx.x] += loss_part[threadIdx.x + half];
            hit_part[threadIdx.x] += hit_part[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        if (dlogits) {
            losses[state->batch] = (float)(loss_part[0] / n);
        } else {
            state->correct += hit_part[0];
            state->loss_sum += loss_part[0];
        }
    }
}

__global__ void adam_update(float *p, const float *g, float *m, float *v, long long count,
                            const cuda_step_state *state, float b1, float b2, float eps)
{
    const float step = state->adam_step;
    const float one_minus_b1 = 1.0f - b1, one_minus_b2 = 1.0f - b2;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
         i += (long long)gridDim.x * blockDim.x) {
        const float gi = g[i];
        const float mi = b1 * m[i] + one_minus_b1 * gi;
        const float vi = b2 * v[i] + one_minus_b2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * mi / (sqrtf(vi) + eps);
    }
}

__global__ void sgd_update(float *p, const float *g, float *u, long long count, float lr,
                           float momentum)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count;
         i += (long long)gridDim.x * blockDim.x) {
        const float ui = momentum * u[i] + g[i];
        u[i] = ui;
        p[i] -= lr * ui;
    }
}

__global__ void step_advance(cuda_step_state *state, int trained, float lr, float b1, float b2)
{
    state->batch += 1;
    if (!trained)
        return;
    const long long t = ++state->t;
    const double next = (double)(t + 1);
    const double correction = sqrt(1.0 - pow((double)b2, next)) / (1.0 - pow((double)b1, next));
    state->adam_step = (float)((double)lr * correction);
}

} // namespace

extern "C" {

int cuda_set_normalisation(const float mean[3], const float std_dev[3])
{
    cudaError_t rc = cudaMemcpyToSymbol(c_mean, mean, 3 * sizeof(float));
    if (rc == cudaSuccess)
        rc = cudaMemcpyToSymbol(c_std, std_dev, 3 * sizeof(float));
    return (int)rc;
}

int cuda_gather_images(cudaStream_t stream, const uint8_t *records, const uint32_t *order,
                       const cuda_step_state *state, int stride, int n, float *x, int32_t *labels)
{
    if (n < 1 || (unsigned long long)n * kImageBytes > 0xffffffffull)
        return (int)cudaErrorInvalidValue;
    gather_images<<<blocks_for((size_t)n * kImageBytes, kThreads), kThreads, 0, stream>>>(
        records, order, state, stride, n, x, labels);
    return (int)cudaGetLastError();
}

int cuda_bias_act_forward(cudaStream_t stream, float *y, const float *bias, int n, int channels,
                          int spatial, int relu)
{
    const unsigned long long total = (unsigned long long)n * channels * spatial;
    if (total == 0 || total > 0xffffffffull)
        return (int)cudaErrorInvalidValue;
    bias_act_forward<<<blocks_for((size_t)total, kThreads), kThreads, 0, stream>>>(
        y, bias, (unsigned)total, (unsigned)channels, (unsigned)spatial, relu);
    return (int)cudaGetLastError();
}

int cuda_relu_bias_backward(cudaStream_t stream, float *dy, const float *y, float *db, int n,
                            int channels, int spatial, int relu)
{
    if ((unsigned long long)n * channels * spatial > 0xffffffffull || channels < 1)
        return (int)cudaErrorInvalidValue;
    relu_bias_backward<<<channels, kReduceThreads, 0, stream>>>(
        dy, y, db, (unsigned)n, (unsigned)channels, (unsigned)spatial, relu);
    return (int)cudaGetLastError();
}

int cuda_softmax_xent(cudaStream_t stream, const float *logits, const int32_t *labels, int n,
                      int classes, float *dlogits, float *losses, cuda_step_state *state)
{
    softmax_xent<<<1, kThreads, 0, stream>>>(logits, labels, n, classes, dlogits, losses, state);
    return (int)cudaGetLastError();
}

int cuda_adam_update(cudaStream_t stream, float *p, const float *g, float *m, float *v,
                     size_t count, const cuda_step_state *state, float beta1, float beta2,
                     float eps)
{
    adam_update<<<blocks_for(count, kThreads), kThreads, 0, stream>>>(
        p, g, m, v, (long long)count, state, beta1, beta2, eps);
    return (int)cudaGetLastError();
}

int cuda_sgd_update(cudaStream_t stream, float *p, const float *g, float *u, size_t count,
                    float lr, float momentum)
{
    sgd_update<<<blocks_for(count, kThreads), kThreads, 0, stream>>>(p, g, u, (long long)count,
                                                                     lr, momentum);
    return (int)cudaGetLastError();
}

int cuda_step_advance(cudaStream_t stream, cuda_step_state *state, int trained, float lr,
                      float beta1, float beta2)
{
    step_advance<<<1, 1, 0, stream>>>(state, trained, lr, beta1, beta2);
    return (int)cudaGetLastError();
}

} // extern "C"
