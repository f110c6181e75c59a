/* The arithmetic of the cuda backend's own gradient kernels (cuda_kernels.cu),
 * written once as plain C that nvcc compiles for the GPU and the C compiler
 * for the tests (tests/nn/cuda/test_own_grad.c checks it against a direct
 * computation, no GPU needed). What stays in the .cu file is only moving
 * data into shared memory and the fixed-order reductions.
 *
 * 1. conv1's weight and bias gradients with its ReLU backward, in place of
 *    ReLU+bias kernel and cuDNN's backward-filter (--cuda-wgrad own).
 *    conv1 is 3 -> 32 channels, 3x3, stride 1, pad 1 on 32x32 images:
 *      dW[o][c][kh][kw] = sum over images, (y, x) of dY'[o][y][x] * X[c][y + kh - 1][x + kw - 1]
 *      db[o]            = sum over images, (y, x) of dY'[o][y][x]
 *    with dY' = dY where the layer's output Y > 0, else 0 (its ReLU). The
 *    27 + 1 sums over 64 x 1024 products are too small a GEMM for cuDNN's
 *    deterministic algorithms (0.10 ms on an H200; the sums are ~57 M FMAs).
 *    Work split: block (chunk of WGRAD_IMAGES_PER_CHUNK images, output
 *    channel o); per image the zero-padded input (3 x tile_h x tile_w) goes
 *    to shared memory; each thread owns "strips" of WGRAD_ROWS output pixels
 *    of one column (x, y0 .. y0 + 3) and keeps WGRAD_SUMS running sums over
 *    its strips of every image of the chunk (wgrad_strip_accumulate: each
 *    input column of 6 values is read once for 4 pixels x 3 kernel rows).
 *    The block then adds its threads' sums in a fixed tree into
 *    partial[wgrad_partial_index(chunk, o, k)]; a second kernel adds the
 *    chunks in chunk order. Every order is fixed: bit-identical runs. The
 *    masked dY' is not written back (conv1 has no backward-data).
 *
 * 2. Max-pooling backward fused with the ReLU backward of the conv layer
 *    before it and that layer's bias-gradient partial sums, in place of
 *    cuDNN's pooling backward + our ReLU+bias kernel (--cuda-pool-bwd
 *    fused; pool1 after conv2, pool2 after conv4: 2x2, stride 2, no pad: POOL_FUSED_K).
 *    dX at (y, x) of an (image, channel) plane: the pooled gradient of its
 *    window when it is the window's first maximum in row-major order (as
 *    oneDNN's and cuDNN's max pooling route it) and, with ReLU, Y > 0;
 *    else 0 (also for rows/columns no window covers: 13 -> 6). */
#ifndef HMLCOST_NN_CUDA_OWN_GRAD_H
#define HMLCOST_NN_CUDA_OWN_GRAD_H

#ifdef __CUDACC__
#define OWN_HD static inline __host__ __device__
#else
#define OWN_HD static inline
#endif
#ifdef __CUDA_ARCH__ /* nvcc's device pass (the host compiler would warn) */
#define OWN_UNROLL _Pragma("unroll")
#else
#define OWN_UNROLL
#endif

enum {
    WGRAD_IN_C = 3,               /* input channels (conv1's RGB) */
    WGRAD_K = 3,                  /* kernel height = width; stride 1 */
    WGRAD_TAPS = WGRAD_IN_C * WGRAD_K * WGRAD_K, /* 27 weights per output channel */
    WGRAD_SUMS = WGRAD_TAPS + 1,  /* + the bias */
    WGRAD_ROWS = 4,               /* output rows per strip */
    WGRAD_IMAGES_PER_CHUNK = 4,
    WGRAD_THREADS = 256,
    WGRAD_MAX_TILE_FLOATS = 8192, /* 32 KiB of shared memory */
    POOL_FUSED_K = 2,             /* kernel = stride of a pooling kernel 2 takes */
};

/* Whether a conv layer fits kernel 1 (its input must be the data: no
 * backward-data is computed). */
OWN_HD int wgrad_supported(int in_c, int in_h, int in_w, int kernel, int stride, int pad,
                           int out_h, int out_w)
{
    if (in_c != WGRAD_IN_C || kernel != WGRAD_K || stride != 1 || pad < 0 ||
        out_h != in_h + 2 * pad - (WGRAD_K - 1) || out_w != in_w + 2 * pad - (WGRAD_K - 1) ||
        out_h < 1 || out_w < 1)
        return 0;
    const int strip_rows = (out_h + WGRAD_ROWS - 1) / WGRAD_ROWS;
    const long long tile = (long long)WGRAD_IN_C * (strip_rows * WGRAD_ROWS + WGRAD_K - 1) *
                           (out_w + WGRAD_K - 1);
    return tile <= WGRAD_MAX_TILE_FLOATS;
}

OWN_HD int wgrad_chunks(int n) { return (n + WGRAD_IMAGES_PER_CHUNK - 1) / WGRAD_IMAGES_PER_CHUNK; }

/* The padded input tile of one image: WGRAD_IN_C planes of tile_h x tile_w;
 * tile (ty, tx) is input (ty - pad, tx - pad), 0 outside the image. Rows
 * past the last output row's window are zero too (the last strip may run
 * past out_h). */
OWN_HD int wgrad_tile_w(int out_w) { return out_w + WGRAD_K - 1; }
OWN_HD int wgrad_tile_h(int out_h)
{
    return (out_h + WGRAD_ROWS - 1) / WGRAD_ROWS * WGRAD_ROWS + WGRAD_K - 1;
}
OWN_HD int wgrad_tile_floats(int out_h, int out_w)
{
    return WGRAD_IN_C * wgrad_tile_h(out_h) * wgrad_tile_w(out_w);
}
/* Index into the image's input (WGRAD_IN_C, in_h, in_w) of tile element
 * (c, ty, tx), or -1 (a zero). */
OWN_HD int wgrad_tile_source(int c, int ty, int tx, int in_h, int in_w, int pad)
{
    const int iy = ty - pad, ix = tx - pad;
    if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w)
        return -1;
    return (c * in_h + iy) * in_w + ix;
}

/* Strip s: column x = s % out_w, rows y0 = s / out_w * WGRAD_ROWS ..+3. */
OWN_HD int wgrad_strips(int out_h, int out_w)
{
    return (out_h + WGRAD_ROWS - 1) / WGRAD_ROWS * out_w;
}

OWN_HD int wgrad_partial_index(int chunk, int o, int out_c, int k)
{
    return (chunk * out_c + o) * WGRAD_SUMS + k;
}

/* acc[c * 9 + kh * 3 + kw] (the canonical (O, I, KH, KW) order within one
 * output channel) and acc[WGRAD_TAPS] (bias) += strip s's contributions.
 * dy, y: the output channel's plane (out_h x out_w) of one image; tile:
 * that image's padded input. Consecutive threads take consecutive strips,
 * i.e. consecutive x: the loads of a warp are contiguous. */
OWN_HD void wgrad_strip_accumulate(const float *tile, const float *dy, const float *y, int relu,
                                   int out_h, int out_w, int s, float acc[WGRAD_SUMS])
{
    const int tw = wgrad_tile_w(out_w), th = wgrad_tile_h(out_h);
    const int x = s % out_w, y0 = s / out_w * WGRAD_ROWS;
    float d[WGRAD_ROWS];
    OWN_UNROLL
    for (int r = 0; r < WGRAD_ROWS; r++) {
        float v = 0.0f;
        if (y0 + r < out_h) {
            const int at = (y0 + r) * out_w + x;
            v = dy[at];
            if (relu && !(y[at] > 0.0f))
                v = 0.0f;
        }
        d[r] = v;
        acc[WGRAD_TAPS] += v;
    }
    OWN_UNROLL
    for (int c = 0; c < WGRAD_IN_C; c++) {
        OWN_UNROLL
        for (int kw = 0; kw < WGRAD_K; kw++) {
            float col[WGRAD_ROWS + WGRAD_K - 1];
            OWN_UNROLL
            for (int j = 0; j < WGRAD_ROWS + WGRAD_K - 1; j++)
                col[j] = tile[(c * th + y0 + j) * tw + x + kw];
            OWN_UNROLL
            for (int kh = 0; kh < WGRAD_K; kh++) {
                OWN_UNROLL
                for (int r = 0; r < WGRAD_ROWS; r++)
                    acc[(c * WGRAD_K + kh) * WGRAD_K + kw] += d[r] * col[r + kh];
            }
        }
    }
}

/* Whether a pooling layer fits kernel 2: windows that do not overlap and
 * need no padding, so every input element is in at most one window. */
OWN_HD int pool_fused_supported(int kernel, int stride, int pad, int in_h, int in_w, int out_h,
                                int out_w)
{
    return kernel == POOL_FUSED_K && stride == POOL_FUSED_K && pad == 0 && in_h >= kernel &&
           in_w >= kernel && out_h == (in_h - kernel) / stride + 1 &&
           out_w == (in_w - kernel) / stride + 1;
}

/* dX at (yy, xx) of one (image, channel) plane: y is the pooling's input
 * (in_h x in_w: the conv layer's output, after its ReLU), g the gradient of
 * the pooling's output (out_h x out_w). */
OWN_HD float pool_relu_backward_at(const float *y, const float *g, int in_w, int out_h, int out_w,
                                   int yy, int xx, int relu)
{
    const int py = yy / POOL_FUSED_K, px = xx / POOL_FUSED_K;
    if (py >= out_h || px >= out_w)
        return 0.0f;
    const int y0 = py * POOL_FUSED_K, x0 = px * POOL_FUSED_K;
    int best_y = y0, best_x = x0;
    float best = y[y0 * in_w + x0];
    OWN_UNROLL
    for (int wy = y0; wy < y0 + POOL_FUSED_K; wy++)
        OWN_UNROLL
        for (int wx = x0; wx < x0 + POOL_FUSED_K; wx++) {
            const float v = y[wy * in_w + wx];
            if (v > best) {
                best = v;
                best_y = wy;
                best_x = wx;
            }
        }
    if (best_y != yy || best_x != xx || (relu && !(best > 0.0f)))
        return 0.0f;
    return g[py * out_w + px];
}

#endif
