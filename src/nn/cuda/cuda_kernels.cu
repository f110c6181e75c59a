// The cuda backend's small kernels (cuda_kernels.h). Kept in one file and
// free of templates and libraries, so nvcc compiles it in seconds.
// Reductions run in a fixed order (no atomics): results are bit-identical
// run after run, as backend.h requires.
#include "nn/cuda/cuda_kernels.h"
#include "nn/cuda/own_grad.h"

#include <math.h>

namespace {

constexpr int kThreads = 256;
constexpr int kReduceThreads = 512;
constexpr int kDenseRowGroups = 8;
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

// The gradient at idx through a ReLU (when relu) whose output is y: dy[idx],
// or 0 where y <= 0 (NaN too), which is then also written back to dy.
__device__ float relu_backward_at(float *dy, const float *y, unsigned idx, int relu)
{
    float d = dy[idx];
    if (relu && !(y[idx] > 0.0f)) {
        d = 0.0f;
        dy[idx] = 0.0f;
    }
    return d;
}

// Every thread of the block calls it with its own v: the sum of the v's,
// added in a fixed tree order (blockDim.x a power of two; part holds
// blockDim.x floats). Returned to every thread.
__device__ float block_sum(float *part, float v)
{
    part[threadIdx.x] = v;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half)
            part[threadIdx.x] += part[threadIdx.x + half];
        __syncthreads();
    }
    return part[0];
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
        sum += relu_backward_at(dy, y, idx, relu);
    }
    const float total = block_sum(partial, sum);
    if (threadIdx.x == 0)
        db[c] = total;
}

// The bias gradient in two passes, for more parallelism than one block per
// channel (conv1 and conv2 have 32 channels, an H100 132 SMs): block
// (chunk, c) sums channel c over its chunk of images into partial[chunk * C
// + c]; then one thread per channel adds its chunks in chunk order. Both
// orders are fixed: deterministic.
__global__ void relu_bias_backward_partial(float *dy, const float *y, float *partial, unsigned n,
                                           unsigned channels, unsigned spatial,
                                           unsigned images_per_chunk, int relu)
{
    __shared__ float part[kThreads];
    const unsigned c = blockIdx.y, chunk = blockIdx.x;
    const unsigned first = chunk * images_per_chunk;
    const unsigned last = first + images_per_chunk < n ? first + images_per_chunk : n;
    const unsigned count = (last - first) * spatial;
    float sum = 0.0f;
    for (unsigned k = threadIdx.x; k < count; k += blockDim.x) {
        const unsigned image = first + k / spatial;
        const unsigned idx = (image * channels + c) * spatial + k % spatial;
        sum += relu_backward_at(dy, y, idx, relu);
    }
    const float total = block_sum(part, sum);
    if (threadIdx.x == 0)
        partial[chunk * channels + c] = total;
}

__global__ void bias_grad_sum(const float *partial, float *db, unsigned chunks, unsigned channels)
{
    const unsigned c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= channels)
        return;
    float sum = 0.0f;
    for (unsigned k = 0; k < chunks; k++)
        sum += partial[k * channels + c];
    db[c] = sum;
}

// Dense layers (spatial 1): one thread per feature, images in order.
__global__ void relu_bias_backward_dense(float *dy, const float *y, float *db, unsigned n,
                                         unsigned features, int relu)
{
    const unsigned f = blockIdx.x * blockDim.x + threadIdx.x;
    if (f >= features)
        return;
    float sum = 0.0f;
    for (unsigned i = 0; i < n; i++) {
        const unsigned idx = i * features + f;
        sum += relu_backward_at(dy, y, idx, relu);
    }
    db[f] = sum;
}

// Dense layers, more parallel: block (32 features) x (8 row groups); thread
// (f, r) sums images r, r + 8, ...; then row group 0 adds the 8 partial
// sums in order. Fixed order: deterministic.
__global__ void relu_bias_backward_dense_tiled(float *dy, const float *y, float *db, unsigned n,
                                               unsigned features, int relu)
{
    __shared__ float part[kDenseRowGroups][33];
    const unsigned f = blockIdx.x * 32 + threadIdx.x;
    float sum = 0.0f;
    if (f < features)
        for (unsigned i = threadIdx.y; i < n; i += kDenseRowGroups) {
            const unsigned idx = i * features + f;
            sum += relu_backward_at(dy, y, idx, relu);
        }
    part[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y == 0 && f < features) {
        float total = 0.0f;
        for (int r = 0; r < kDenseRowGroups; r++)
            total += part[r][threadIdx.x];
        db[f] = total;
    }
}

// conv1's weight + bias gradients with its ReLU backward (own_grad.h, 1):
// block (chunk, o) adds its images' products into WGRAD_SUMS per-thread
// sums, then in a fixed tree (a butterfly within each warp, then the warps
// in order) into partial[wgrad_partial_index(chunk, o, out_c, k)].
__global__ void __launch_bounds__(WGRAD_THREADS)
wgrad_partial(const float *x, const float *dy, const float *y, float *partial, int n, int out_c,
              int in_h, int in_w, int pad, int out_h, int out_w, int relu)
{
    __shared__ float tile[WGRAD_MAX_TILE_FLOATS];
    __shared__ float red[WGRAD_THREADS / 32][WGRAD_SUMS];
    const int chunk = blockIdx.x, o = blockIdx.y;
    const int first = chunk * WGRAD_IMAGES_PER_CHUNK;
    const int last = first + WGRAD_IMAGES_PER_CHUNK < n ? first + WGRAD_IMAGES_PER_CHUNK : n;
    const int tw = wgrad_tile_w(out_w), th = wgrad_tile_h(out_h);
    const int rows = WGRAD_IN_C * th, strips = wgrad_strips(out_h, out_w);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int in_image = WGRAD_IN_C * in_h * in_w, out_plane = out_h * out_w;
    float acc[WGRAD_SUMS];
#pragma unroll
    for (int k = 0; k < WGRAD_SUMS; k++)
        acc[k] = 0.0f;
    for (int image = first; image < last; image++) {
        const float *xi = x + (size_t)image * in_image;
        __syncthreads(); // the previous image's tile is read by all
        for (int row = warp; row < rows; row += warps) {
            const int c = row / th, ty = row - c * th;
            for (int tx = lane; tx < tw; tx += 32) {
                const int src = wgrad_tile_source(c, ty, tx, in_h, in_w, pad);
                tile[row * tw + tx] = src >= 0 ? xi[src] : 0.0f;
            }
        }
        __syncthreads();
        const size_t plane = ((size_t)image * out_c + o) * out_plane;
        for (int s = threadIdx.x; s < strips; s += blockDim.x)
            wgrad_strip_accumulate(tile, dy + plane, y + plane, relu, out_h, out_w, s, acc);
    }
#pragma unroll
    for (int k = 0; k < WGRAD_SUMS; k++) {
#pragma unroll
        for (int off = 16; off > 0; off >>= 1)
            acc[k] += __shfl_xor_sync(0xffffffffu, acc[k], off);
    }
    if (lane == 0) {
#pragma unroll
        for (int k = 0; k < WGRAD_SUMS; k++)
            red[warp][k] = acc[k];
    }
    __syncthreads();
    if ((int)threadIdx.x < WGRAD_SUMS) {
        float total = 0.0f;
        for (int w = 0; w < warps; w++)
            total += red[w][threadIdx.x];
        partial[wgrad_partial_index(chunk, o, out_c, threadIdx.x)] = total;
    }
}

// The chunks in chunk order: thread (o, k) -> dw[o * 27 + k] or db[o].
__global__ void wgrad_sum(const float *partial, float *dw, float *db, int chunks, int out_c)
{
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= out_c * WGRAD_SUMS)
        return;
    const int o = t / WGRAD_SUMS, k = t % WGRAD_SUMS;
    float total = 0.0f;
    for (int chunk = 0; chunk < chunks; chunk++)
        total += partial[wgrad_partial_index(chunk, o, out_c, k)];
    if (k < WGRAD_TAPS)
        dw[o * WGRAD_TAPS + k] = total;
    else
        db[o] = total;
}

// Max-pooling backward + the previous conv layer's ReLU backward + its bias
// gradient's partial sums (own_grad.h, 2): block (chunk, c) writes dx of
// channel c for its chunk's images, row by row (a warp per row, lanes over
// x), and adds what it wrote; the sums of a block's threads in a fixed tree
// into partial[chunk * channels + c], then bias_grad_sum.
__global__ void pool_relu_bias_backward(const float *y, const float *g, float *dx, float *partial,
                                        int n, int channels, int in_h, int in_w, int out_h,
                                        int out_w, int images_per_chunk, int relu)
{
    __shared__ float part[kThreads];
    const int c = blockIdx.y, chunk = blockIdx.x;
    const int first = chunk * images_per_chunk;
    const int last = first + images_per_chunk < n ? first + images_per_chunk : n;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int rows = (last - first) * in_h;
    float sum = 0.0f;
    for (int row = warp; row < rows; row += warps) {
        const int image = first + row / in_h, yy = row % in_h;
        const size_t plane = (size_t)image * channels + c;
        const float *yp = y + plane * in_h * in_w;
        const float *gp = g + plane * out_h * out_w;
        float *dxp = dx + plane * in_h * in_w;
        for (int xx = lane; xx < in_w; xx += 32) {
            const float v = pool_relu_backward_at(yp, gp, in_w, out_h, out_w, yy, xx, relu);
            dxp[yy * in_w + xx] = v;
            sum += v;
        }
    }
    const float total = block_sum(part, sum);
    if (threadIdx.x == 0)
        partial[chunk * channels + c] = total;
}

// Busy-waits on the GPU for ns nanoseconds (the profiler's head start: the
// host enqueues a whole step meanwhile, so events time the GPU, not launches).
__global__ void spin(unsigned long long ns)
{
    unsigned long long t0, t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
    do {
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    } while (t - t0 < ns);
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

unsigned cuda_bias_grad_chunks(int n, int channels)
{
    // About 2 blocks per SM of a 132-SM GPU, at most one chunk per image.
    unsigned chunks = (264u + (unsigned)channels - 1) / (unsigned)channels;
    if (chunks > (unsigned)n)
        chunks = (unsigned)n;
    const unsigned per = ((unsigned)n + chunks - 1) / chunks;
    return ((unsigned)n + per - 1) / per;
}

int cuda_relu_bias_backward_split(cudaStream_t stream, float *dy, const float *y, float *db,
                                  float *partial, int n, int channels, int spatial, int relu)
{
    if ((unsigned long long)n * channels * spatial > 0xffffffffull || channels < 1 || n < 1)
        return (int)cudaErrorInvalidValue;
    if (spatial == 1) {
        relu_bias_backward_dense<<<(channels + kThreads - 1) / kThreads, kThreads, 0, stream>>>(
            dy, y, db, (unsigned)n, (unsigned)channels, relu);
        return (int)cudaGetLastError();
    }
    const unsigned chunks = cuda_bias_grad_chunks(n, channels);
    const unsigned per = ((unsigned)n + chunks - 1) / chunks;
    relu_bias_backward_partial<<<dim3(chunks, (unsigned)channels), kThreads, 0, stream>>>(
        dy, y, partial, (unsigned)n, (unsigned)channels, (unsigned)spatial, per, relu);
    bias_grad_sum<<<(channels + kThreads - 1) / kThreads, kThreads, 0, stream>>>(
        partial, db, chunks, (unsigned)channels);
    return (int)cudaGetLastError();
}

int cuda_relu_bias_backward_dense_tiled(cudaStream_t stream, float *dy, const float *y, float *db,
                                        int n, int features, int relu)
{
    if ((unsigned long long)n * features > 0xffffffffull || features < 1 || n < 1)
        return (int)cudaErrorInvalidValue;
    relu_bias_backward_dense_tiled<<<(features + 31) / 32, dim3(32, kDenseRowGroups), 0, stream>>>(
        dy, y, db, (unsigned)n, (unsigned)features, relu);
    return (int)cudaGetLastError();
}

size_t cuda_wgrad_partial_floats(int n, int out_c)
{
    return n < 1 || out_c < 1 ? 0 : (size_t)wgrad_chunks(n) * (size_t)out_c * WGRAD_SUMS;
}

int cuda_wgrad_small(cudaStream_t stream, const float *x, const float *dy, const float *y,
                     float *dw, float *db, float *partial, size_t partial_floats, int n,
                     int in_h, int in_w, int pad, int out_c, int out_h, int out_w, int relu)
{
    if (n < 1 || out_c < 1 || out_c > 65535 ||
        !wgrad_supported(WGRAD_IN_C, in_h, in_w, WGRAD_K, 1, pad, out_h, out_w) ||
        (unsigned long long)n * out_c * out_h * out_w > 0x7fffffffull ||
        partial_floats < cuda_wgrad_partial_floats(n, out_c))
        return (int)cudaErrorInvalidValue;
    const int chunks = wgrad_chunks(n);
    wgrad_partial<<<dim3((unsigned)chunks, (unsigned)out_c), WGRAD_THREADS, 0, stream>>>(
        x, dy, y, partial, n, out_c, in_h, in_w, pad, out_h, out_w, relu);
    const int sums = out_c * WGRAD_SUMS;
    wgrad_sum<<<(sums + kThreads - 1) / kThreads, kThreads, 0, stream>>>(partial, dw, db, chunks,
                                                                       out_c);
    return (int)cudaGetLastError();
}

int cuda_pool_relu_bias_backward(cudaStream_t stream, const float *y, const float *g, float *dx,
                                 float *db, float *partial, size_t partial_floats, int n,
                                 int channels, int in_h, int in_w, int out_h, int out_w, int relu)
{
    if (n < 1 || channels < 1 || channels > 65535 ||
        !pool_fused_supported(POOL_FUSED_K, POOL_FUSED_K, 0, in_h, in_w, out_h, out_w) ||
        (unsigned long long)n * channels * in_h * in_w > 0x7fffffffull)
        return (int)cudaErrorInvalidValue;
    const unsigned chunks = cuda_bias_grad_chunks(n, channels);
    const unsigned per = ((unsigned)n + chunks - 1) / chunks;
    if ((size_t)chunks * channels > partial_floats)
        return (int)cudaErrorInvalidValue;
    pool_relu_bias_backward<<<dim3(chunks, (unsigned)channels), kThreads, 0, stream>>>(
        y, g, dx, partial, n, channels, in_h, in_w, out_h, out_w, (int)per, relu);
    bias_grad_sum<<<(channels + kThreads - 1) / kThreads, kThreads, 0, stream>>>(
        partial, db, chunks, (unsigned)channels);
    return (int)cudaGetLastError();
}

int cuda_spin(cudaStream_t stream, unsigned long long ns)
{
    spin<<<1, 1, 0, stream>>>(ns);
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
