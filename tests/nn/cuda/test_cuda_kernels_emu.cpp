/* The cuda backend's kernels (src/nn/cuda/cuda_kernels.cu, the real source:
 * CMake rewrites only its launches, see cuda_emu/emulate_kernels.cmake) run
 * on the CPU by the emulation in cuda_emu/, through the launchers of
 * cuda_kernels.h called as cuda_backend.c calls them for the model's layers,
 * against naive references in double:
 *   conv1's weight + bias gradient (wgrad_partial + wgrad_sum), the fused
 *   max-pooling + ReLU + bias backward (pool_relu_bias_backward +
 *   bias_grad_sum), the dense layers' tiled ReLU + bias backward, and the
 *   older bias-gradient kernels, softmax_xent, adam_update and the
 *   forward and step kernels (gather_images, bias_act_forward, sgd_update,
 *   step_advance, spin);
 * batch 64 and the odd last batch of an epoch (17), ties in the pooling
 * windows, zero and negative ReLU outputs. Each case runs two or three times,
 * its blocks and threads in forward, reverse or shuffled order: the outputs
 * must be bit-identical (the determinism claim; a missing __syncthreads
 * shows as a difference), and the bias-gradient variants must agree. The
 * emulation also reports a barrier not every thread reaches (deadlock) and
 * barriers reached from different lines; under ASan an out-of-bounds
 * shared-memory index. */
/* What this cannot check: the GPU's memory model and warp scheduling (the
 * emulation runs a block's threads one at a time between barriers), nvcc's
 * code generation (FMA contraction), cuDNN/cuBLAS, speed. No GPU, no CUDA
 * installation needed. CUDA_EMU_TEST='wgrad*' runs only the matching cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" { /* cmocka.h declares C functions without saying so */
#include <cmocka.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "nn/cuda/cuda_kernels.h"
#include "nn/cuda/own_grad.h"
extern "C" {
#include "nn/model_spec.h"
}

namespace {

using fvec = std::vector<float>;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr double kRel = 1e-5; // of the sum of the magnitudes of the summed terms

/* Seeded xorshift64* (the inputs are millions of numbers: mt19937 and the
 * std distributions cost more than the kernels under ASan). */
uint64_t rng_state = 20261126u;
uint32_t random_u32(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}
double unit(void) { return (random_u32() >> 8) / 16777216.0; } /* [0, 1) */
float uniform(float lo, float hi) { return lo + (hi - lo) * (float)unit(); }
bool chance(double p) { return unit() < p; }
int uniform_int(int lo, int hi) { return lo + (int)(random_u32() % (uint32_t)(hi - lo + 1)); }

const nn_layer_spec &layer(const char *name)
{
    const nn_layer_spec *layers = nn_layer_specs();
    for (int i = 0; i < NN_LAYER_COUNT; i++)
        if (std::strcmp(layers[i].name, name) == 0)
            return layers[i];
    fail_msg("no layer %s", name);
    return layers[0];
}

/* A layer's gradient: uniform, a few exact zeros. */
fvec gradient(size_t count)
{
    fvec g(count);
    for (float &v : g)
        v = chance(0.05) ? 0.0f : uniform(-1.0f, 1.0f);
    return g;
}

/* A layer's output after ReLU: many exact zeros, some -0 and negative
 * values too (the kernels' rule is "not > 0": these must all be masked). */
fvec relu_output(size_t count)
{
    fvec y(count);
    for (float &v : y) {
        const double p = unit();
        v = p < 0.35 ? 0.0f : p < 0.38 ? -0.0f : p < 0.42 ? -uniform(0.01f, 1.0f) : uniform(0.01f, 2.0f);
    }
    return y;
}

struct Schedule {
    emu::Order order;
    unsigned seed;
    const char *name;
};
const Schedule kForward = {emu::Order::forward, 0, "forward"};
const Schedule kReverse = {emu::Order::reverse, 0, "reverse"};
const Schedule kShuffled = {emu::Order::shuffled, 7u, "shuffled"};
/* The first run is checked against the reference, the others against it. */
using Schedules = std::initializer_list<Schedule>;
const Schedules kTwice = {kForward, kShuffled};
const Schedules kThrice = {kForward, kReverse, kShuffled};

void expect_no_emulation_errors(const char *what)
{
    const std::string errors = emu::take_errors();
    if (!errors.empty()) {
        std::fprintf(stderr, "%s: the emulation found:\n%s", what, errors.c_str());
        fail_msg("%s: the emulation found errors (above)", what);
    }
}

/* The kernels launched since launch record `from`, in order. */
void expect_launches(size_t from, std::initializer_list<const char *> names, const char *what)
{
    std::string got, want;
    for (size_t i = from; i < emu::launch_count(); i++)
        got += emu::launch_at(i).kernel + " ";
    for (const char *n : names)
        want += std::string(n) + " ";
    if (got != want)
        fail_msg("%s: launched [%s], expected [%s]", what, got.c_str(), want.c_str());
}

bool same_bits(const fvec &a, const fvec &b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void expect_bits(const fvec &got, const fvec &want, const char *what)
{
    assert_int_equal(got.size(), want.size());
    for (size_t i = 0; i < got.size(); i++)
        if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0)
            fail_msg("%s: element %zu is %.9g, expected %.9g", what, i, (double)got[i],
                     (double)want[i]);
}

/* |got - ref| <= kRel * scale (scale: the sum of |terms|). */
void expect_close(const fvec &got, const std::vector<double> &ref, const std::vector<double> &scale,
                  const char *what)
{
    assert_int_equal(got.size(), ref.size());
    for (size_t i = 0; i < got.size(); i++)
        if (!(std::fabs((double)got[i] - ref[i]) <= kRel * scale[i] + 1e-30))
            fail_msg("%s: element %zu is %.9g, expected %.9g (scale %.3g)", what, i,
                     (double)got[i], ref[i], scale[i]);
}

/* Two float results of differently ordered sums of the same terms. */
void expect_agree(const fvec &a, const fvec &b, const std::vector<double> &scale, const char *what)
{
    assert_int_equal(a.size(), b.size());
    for (size_t i = 0; i < a.size(); i++)
        if (!(std::fabs((double)a[i] - (double)b[i]) <= 2 * kRel * scale[i] + 1e-30))
            fail_msg("%s: element %zu: %.9g vs %.9g", what, i, (double)a[i], (double)b[i]);
}

/* dy' = dy where y > 0 (relu), and per channel sum and sum of |dy'|. */
struct ReluBiasRef {
    fvec dy;
    std::vector<double> db, scale;
};
ReluBiasRef relu_bias_reference(const fvec &dy, const fvec &y, int n, int channels, int spatial,
                                bool relu)
{
    ReluBiasRef r{dy, std::vector<double>((size_t)channels), std::vector<double>((size_t)channels)};
    for (int i = 0; i < n; i++)
        for (int c = 0; c < channels; c++)
            for (int s = 0; s < spatial; s++) {
                const size_t at = ((size_t)i * channels + c) * spatial + s;
                if (relu && !(y[at] > 0.0f))
                    r.dy[at] = 0.0f;
                r.db[(size_t)c] += r.dy[at];
                r.scale[(size_t)c] += std::fabs(r.dy[at]);
            }
    return r;
}

/* ---- conv1: wgrad_partial + wgrad_sum ------------------------------------ */

struct ConvShape {
    int in_c, in_h, in_w, out_c, out_h, out_w, kernel, pad;
};

ConvShape conv1_shape(void)
{
    const nn_layer_spec &l = layer("conv1");
    return {l.in_c, l.in_h, l.in_w, l.out_c, l.out_h, l.out_w, l.kernel, l.pad};
}

void check_wgrad(const ConvShape &shape, int n, bool relu, Schedules schedules)
{
    const int C = shape.in_c, H = shape.in_h, W = shape.in_w, O = shape.out_c;
    const int OH = shape.out_h, OW = shape.out_w, K = shape.kernel, pad = shape.pad;
    assert_int_equal(C * K * K, WGRAD_TAPS);
    assert_true(wgrad_supported(C, H, W, K, 1, pad, OH, OW));
    const fvec x = gradient((size_t)n * C * H * W);
    const fvec dy = gradient((size_t)n * O * OH * OW);
    const fvec y = relu_output(dy.size());

    /* The definition: dW[o][c][kh][kw] = sum dY'[o][oy][ox] X[c][oy+kh-pad][ox+kw-pad]. */
    std::vector<double> dw_ref((size_t)O * WGRAD_TAPS), dw_scale(dw_ref.size());
    const ReluBiasRef bias = relu_bias_reference(dy, y, n, O, OH * OW, relu);
    for (int i = 0; i < n; i++)
        for (int o = 0; o < O; o++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    const double d = bias.dy[(((size_t)i * O + o) * OH + oy) * OW + ox];
                    if (d == 0.0)
                        continue;
                    for (int c = 0; c < C; c++)
                        for (int kh = 0; kh < K; kh++)
                            for (int kw = 0; kw < K; kw++) {
                                const int iy = oy + kh - pad, ix = ox + kw - pad;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                    continue;
                                const double t = d * x[(((size_t)i * C + c) * H + iy) * W + ix];
                                const size_t k = (size_t)o * WGRAD_TAPS + (c * K + kh) * K + kw;
                                dw_ref[k] += t;
                                dw_scale[k] += std::fabs(t);
                            }
                }

    fvec first_dw, first_db;
    for (size_t s = 0; s < schedules.size(); s++) {
        const Schedule &sch = schedules.begin()[s];
        emu::set_order(sch.order, sch.seed);
        fvec dw((size_t)O * WGRAD_TAPS, kNaN), db((size_t)O, kNaN);
        fvec partial(cuda_wgrad_partial_floats(n, O), kNaN); /* exactly what it asks for */
        const fvec dy_before = dy;
        const size_t from = emu::launch_count();
        assert_int_equal(cuda_wgrad_small(nullptr, x.data(), dy.data(), y.data(), dw.data(),
                                          db.data(), partial.data(), partial.size(), n, H, W, pad,
                                          O, OH, OW, relu),
                         cudaSuccess);
        expect_no_emulation_errors("cuda_wgrad_small");
        expect_launches(from, {"wgrad_partial", "wgrad_sum"}, "cuda_wgrad_small");
        const emu::LaunchRecord k1 = emu::launch_at(from);
        assert_int_equal(k1.block.x * k1.block.y * k1.block.z, WGRAD_THREADS); /* __launch_bounds__ */
        assert_int_equal(k1.grid.y, O);
        assert_true(same_bits(dy, dy_before)); /* dy is not changed */
        char what[96];
        std::snprintf(what, sizeof what, "conv1 dW, n %d, relu %d, %s", n, relu, sch.name);
        if (s == 0) {
            expect_close(dw, dw_ref, dw_scale, what);
            expect_close(db, bias.db, bias.scale, "conv1 db");
            first_dw = dw;
            first_db = db;
        } else {
            expect_bits(dw, first_dw, what); /* the same bits whatever the order */
            expect_bits(db, first_db, what);
        }
    }

    /* The other bias-gradient kernels on conv1's output agree with its db. */
    fvec dy_single = dy, db_single((size_t)O, kNaN);
    assert_int_equal(cuda_relu_bias_backward(nullptr, dy_single.data(), y.data(), db_single.data(),
                                             n, O, OH * OW, relu),
                     cudaSuccess);
    expect_no_emulation_errors("cuda_relu_bias_backward");
    expect_agree(db_single, first_db, bias.scale, "conv1 db: single vs wgrad");

    /* Scratch one float short: refused, nothing launched. */
    fvec dw((size_t)O * WGRAD_TAPS), db((size_t)O), partial(cuda_wgrad_partial_floats(n, O));
    const size_t from = emu::launch_count();
    assert_int_equal(cuda_wgrad_small(nullptr, x.data(), dy.data(), y.data(), dw.data(), db.data(),
                                      partial.data(), partial.size() - 1, n, H, W, pad, O, OH, OW,
                                      relu),
                     cudaErrorInvalidValue);
    assert_int_equal(emu::launch_count(), from);
}

void wgrad_batch_64(void **state)
{
    (void)state;
    check_wgrad(conv1_shape(), 64, true, kTwice);
}

void wgrad_odd_batches(void **state)
{
    (void)state;
    check_wgrad(conv1_shape(), 17, true, {kReverse, kShuffled}); /* the last chunk has 1 image */
    check_wgrad(conv1_shape(), 1, true, kTwice);
    check_wgrad(conv1_shape(), 6, false, kTwice); /* without ReLU; last chunk of 2 */
}

/* Other shapes the launcher accepts (wgrad_supported): strips past the last
 * output row, fewer strips than threads, a tile wider than two warps. */
void wgrad_other_shapes(void **state)
{
    (void)state;
    check_wgrad({3, 13, 7, 5, 13, 7, 3, 1}, 5, true, kTwice);
    check_wgrad({3, 10, 9, 2, 8, 7, 3, 0}, 3, true, kTwice);
    check_wgrad({3, 36, 64, 2, 36, 64, 3, 1}, 2, true, kTwice); /* tile 3 x 38 x 66 */
}

/* ---- pooling backward + ReLU + bias: pool_relu_bias_backward ------------- */

void check_pool(const char *pool_name, const char *conv_name, int n, Schedules schedules)
{
    const nn_layer_spec &l = layer(pool_name), &conv = layer(conv_name);
    const int C = l.in_c, H = l.in_h, W = l.in_w, OH = l.out_h, OW = l.out_w;
    const bool relu = conv.relu;
    assert_int_equal(conv.out_c, C);
    const size_t plane = (size_t)H * W, out_plane = (size_t)OH * OW;
    /* Few distinct values: many windows with equal maxima, zeros, negatives. */
    fvec y((size_t)n * C * plane);
    for (float &v : y) {
        const int q = uniform_int(-1, 4);
        v = q < 0 ? -0.5f : chance(0.1) ? -0.0f : 0.5f * (float)q;
    }
    const fvec g = gradient((size_t)n * C * out_plane);

    /* The definition: each window's gradient to its first maximum in
     * row-major order (oneDNN's rule), 0 elsewhere; then the ReLU (the
     * maximum not > 0: nothing), then per channel sums. */
    fvec pooled(y.size(), 0.0f); /* max-pooling backward alone */
    fvec dx_ref(y.size(), 0.0f);
    std::vector<double> db_ref((size_t)C), db_scale((size_t)C);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) {
            const size_t base = ((size_t)i * C + c) * plane;
            for (int py = 0; py < OH; py++)
                for (int px = 0; px < OW; px++) {
                    size_t best = base + (size_t)(2 * py) * W + 2 * px;
                    for (int wy = 2 * py; wy < 2 * py + 2; wy++)
                        for (int wx = 2 * px; wx < 2 * px + 2; wx++) {
                            const size_t at = base + (size_t)wy * W + wx;
                            if (y[at] > y[best])
                                best = at;
                        }
                    const float gv = g[((size_t)i * C + c) * out_plane + (size_t)py * OW + px];
                    pooled[best] = gv;
                    if (!relu || y[best] > 0.0f) {
                        dx_ref[best] = gv;
                        db_ref[(size_t)c] += gv;
                        db_scale[(size_t)c] += std::fabs(gv);
                    }
                }
        }

    const size_t partial_floats = (size_t)cuda_bias_grad_chunks(n, C) * C;
    fvec first_db;
    for (size_t s = 0; s < schedules.size(); s++) {
        const Schedule &sch = schedules.begin()[s];
        emu::set_order(sch.order, sch.seed);
        fvec dx(y.size(), kNaN), db((size_t)C, kNaN), partial(partial_floats, kNaN);
        const size_t from = emu::launch_count();
        assert_int_equal(cuda_pool_relu_bias_backward(nullptr, y.data(), g.data(), dx.data(),
                                                      db.data(), partial.data(), partial.size(), n,
                                                      C, H, W, OH, OW, relu),
                         cudaSuccess);
        expect_no_emulation_errors("cuda_pool_relu_bias_backward");
        expect_launches(from, {"pool_relu_bias_backward", "bias_grad_sum"},
                        "cuda_pool_relu_bias_backward");
        assert_int_equal(emu::launch_at(from).grid.y, C);
        char what[96];
        std::snprintf(what, sizeof what, "%s dx, n %d, %s", pool_name, n, sch.name);
        expect_bits(dx, dx_ref, what); /* exactly, the uncovered row and column included */
        if (s == 0) {
            expect_close(db, db_ref, db_scale, what);
            first_db = db;
        } else {
            expect_bits(db, first_db, what);
        }
    }

    /* The unfused path's bias-gradient kernels on the pooling's gradient:
     * the same dx, and a db that agrees. */
    const ReluBiasRef r = relu_bias_reference(pooled, y, n, C, (int)plane, relu);
    fvec dy_split = pooled, db_split((size_t)C, kNaN), partial(partial_floats, kNaN);
    assert_int_equal(cuda_relu_bias_backward_split(nullptr, dy_split.data(), y.data(),
                                                   db_split.data(), partial.data(), n, C,
                                                   (int)plane, relu),
                     cudaSuccess);
    fvec dy_single = pooled, db_single((size_t)C, kNaN);
    assert_int_equal(cuda_relu_bias_backward(nullptr, dy_single.data(), y.data(), db_single.data(),
                                             n, C, (int)plane, relu),
                     cudaSuccess);
    expect_no_emulation_errors("cuda_relu_bias_backward(_split)");
    expect_bits(dy_split, dx_ref, "split dy vs fused dx");
    expect_bits(dy_single, dx_ref, "single dy vs fused dx");
    expect_close(db_split, r.db, r.scale, "split db");
    expect_agree(db_split, first_db, db_scale, "pool db: split vs fused");
    expect_agree(db_single, first_db, db_scale, "pool db: single vs fused");

    /* Scratch one chunk short: refused, nothing launched. */
    fvec dx(y.size()), db((size_t)C);
    const size_t from = emu::launch_count();
    assert_int_equal(cuda_pool_relu_bias_backward(nullptr, y.data(), g.data(), dx.data(), db.data(),
                                                  partial.data(), partial_floats - 1, n, C, H, W,
                                                  OH, OW, relu),
                     cudaErrorInvalidValue);
    assert_int_equal(emu::launch_count(), from);
}

void pool1_after_conv2(void **state)
{
    (void)state;
    check_pool("pool1", "conv2", 64, kTwice);
    check_pool("pool1", "conv2", 17, {kReverse, kShuffled});
}

void pool2_after_conv4(void **state) /* 13 x 13 -> 6 x 6: row and column 12 uncovered */
{
    (void)state;
    check_pool("pool2", "conv4", 64, kThrice);
    check_pool("pool2", "conv4", 17, {kReverse, kShuffled});
    check_pool("pool2", "conv4", 1, kTwice);
}

/* ---- dense layers: relu_bias_backward_dense_tiled and the others --------- */

void check_dense(const char *name, int n, Schedules schedules)
{
    const nn_layer_spec &l = layer(name);
    const int F = l.out_c;
    const bool relu = l.relu;
    const fvec dy = gradient((size_t)n * F), y = relu_output(dy.size());
    const ReluBiasRef r = relu_bias_reference(dy, y, n, F, 1, relu);

    fvec first_db;
    for (size_t s = 0; s < schedules.size(); s++) {
        const Schedule &sch = schedules.begin()[s];
        emu::set_order(sch.order, sch.seed);
        fvec d = dy, db((size_t)F, kNaN);
        const size_t from = emu::launch_count();
        assert_int_equal(cuda_relu_bias_backward_dense_tiled(nullptr, d.data(), y.data(), db.data(),
                                                             n, F, relu),
                         cudaSuccess);
        expect_no_emulation_errors("cuda_relu_bias_backward_dense_tiled");
        expect_launches(from, {"relu_bias_backward_dense_tiled"}, "dense tiled");
        const emu::LaunchRecord k = emu::launch_at(from);
        assert_true(k.grid.x * k.block.x >= (unsigned)F);
        char what[96];
        std::snprintf(what, sizeof what, "%s tiled, n %d, %s", name, n, sch.name);
        expect_bits(d, r.dy, what);
        if (s == 0) {
            expect_close(db, r.db, r.scale, what);
            first_db = db;
        } else {
            expect_bits(db, first_db, what);
        }
    }

    /* split (spatial 1: a thread per feature) and single agree with tiled. */
    fvec d_split = dy, db_split((size_t)F, kNaN), partial((size_t)cuda_bias_grad_chunks(n, F) * F);
    size_t from = emu::launch_count();
    assert_int_equal(cuda_relu_bias_backward_split(nullptr, d_split.data(), y.data(), db_split.data(),
                                                   partial.data(), n, F, 1, relu),
                     cudaSuccess);
    expect_launches(from, {"relu_bias_backward_dense"}, "dense split");
    fvec d_single = dy, db_single((size_t)F, kNaN);
    from = emu::launch_count();
    assert_int_equal(cuda_relu_bias_backward(nullptr, d_single.data(), y.data(), db_single.data(), n,
                                             F, 1, relu),
                     cudaSuccess);
    expect_launches(from, {"relu_bias_backward"}, "dense single");
    expect_no_emulation_errors("dense split/single");
    expect_bits(d_split, r.dy, "dense split dy");
    expect_bits(d_single, r.dy, "dense single dy");
    expect_close(db_split, r.db, r.scale, "dense split db");
    expect_close(db_single, r.db, r.scale, "dense single db");
    expect_agree(db_split, first_db, r.scale, "dense db: split vs tiled");
    expect_agree(db_single, first_db, r.scale, "dense db: single vs tiled");
}

void dense_layers(void **state)
{
    (void)state;
    check_dense("dense1", 64, kThrice); /* 2304 -> 512, ReLU */
    check_dense("dense1", 17, kTwice);
    check_dense("dense2", 64, kThrice); /* 512 -> 10, no ReLU: a partial block of features */
    check_dense("dense2", 17, kTwice);
}

/* ---- the conv layers' split and single bias gradients (conv3) ------------ */

void check_conv_bias(const char *name, int n, Schedules schedules)
{
    const nn_layer_spec &l = layer(name);
    const int C = l.out_c, spatial = l.out_h * l.out_w;
    const bool relu = l.relu;
    const fvec dy = gradient((size_t)n * C * spatial), y = relu_output(dy.size());
    const ReluBiasRef r = relu_bias_reference(dy, y, n, C, spatial, relu);
    const size_t partial_floats = (size_t)cuda_bias_grad_chunks(n, C) * C;
    fvec first_split, first_single;
    for (size_t s = 0; s < schedules.size(); s++) {
        const Schedule &sch = schedules.begin()[s];
        emu::set_order(sch.order, sch.seed);
        fvec d_split = dy, db_split((size_t)C, kNaN), partial(partial_floats, kNaN);
        size_t from = emu::launch_count();
        assert_int_equal(cuda_relu_bias_backward_split(nullptr, d_split.data(), y.data(),
                                                       db_split.data(), partial.data(), n, C,
                                                       spatial, relu),
                         cudaSuccess);
        expect_launches(from, {"relu_bias_backward_partial", "bias_grad_sum"}, "conv split");
        fvec d_single = dy, db_single((size_t)C, kNaN);
        from = emu::launch_count();
        assert_int_equal(cuda_relu_bias_backward(nullptr, d_single.data(), y.data(),
                                                 db_single.data(), n, C, spatial, relu),
                         cudaSuccess);
        expect_launches(from, {"relu_bias_backward"}, "conv single");
        expect_no_emulation_errors("conv split/single");
        expect_bits(d_split, r.dy, "conv split dy");
        expect_bits(d_single, r.dy, "conv single dy");
        if (s == 0) {
            expect_close(db_split, r.db, r.scale, "conv split db");
            expect_close(db_single, r.db, r.scale, "conv single db");
            expect_agree(db_split, db_single, r.scale, "conv db: split vs single");
            first_split = db_split;
            first_single = db_single;
        } else {
            expect_bits(db_split, first_split, "conv split db, other order");
            expect_bits(db_single, first_single, "conv single db, other order");
        }
    }
}

void conv_bias_gradients(void **state)
{
    (void)state;
    check_conv_bias("conv3", 64, kThrice);
    check_conv_bias("conv3", 17, {kReverse, kShuffled});
    check_conv_bias("conv2", 17, kTwice);
}

/* ---- softmax_xent and adam_update ---------------------------------------- */

void check_softmax(int n)
{
    const int K = NN_CLASSES;
    fvec logits((size_t)n * K);
    for (float &v : logits)
        v = chance(0.2) ? 1.0f : uniform(-4.0f, 4.0f); /* ties for the argmax too */
    std::vector<int32_t> labels((size_t)n);
    for (int32_t &v : labels)
        v = uniform_int(0, K - 1);
    std::vector<double> dref(logits.size());
    double loss = 0;
    int hits = 0;
    for (int r = 0; r < n; r++) {
        const float *row = &logits[(size_t)r * K];
        int argmax = 0;
        for (int k = 1; k < K; k++)
            if (row[k] > row[argmax])
                argmax = k;
        double sum = 0;
        for (int k = 0; k < K; k++)
            sum += std::exp((double)row[k]);
        loss += std::log(sum) - row[labels[(size_t)r]];
        hits += argmax == labels[(size_t)r];
        for (int k = 0; k < K; k++)
            dref[(size_t)r * K + k] =
                (std::exp((double)row[k]) / sum - (k == labels[(size_t)r])) / n;
    }
    fvec first_d;
    float first_loss = 0;
    for (size_t s = 0; s < kThrice.size(); s++) {
        const Schedule &sch = kThrice.begin()[s];
        emu::set_order(sch.order, sch.seed);
        cuda_step_state st{};
        st.batch = 3;
        fvec d(logits.size(), kNaN), losses(5, kNaN);
        assert_int_equal(cuda_softmax_xent(nullptr, logits.data(), labels.data(), n, K, d.data(),
                                           losses.data(), &st),
                         cudaSuccess);
        expect_no_emulation_errors("cuda_softmax_xent");
        for (size_t i = 0; i < d.size(); i++)
            if (!(std::fabs(d[i] - dref[i]) <= 1e-6 * std::fabs(dref[i]) + 1e-9))
                fail_msg("dlogits[%zu] %.9g, expected %.9g", i, (double)d[i], dref[i]);
        assert_true(std::fabs(losses[3] - loss / n) <= 1e-6 * (loss / n));
        assert_true(std::isnan(losses[2]) && std::isnan(losses[4]));
        if (s == 0) {
            first_d = d;
            first_loss = losses[3];
        } else {
            expect_bits(d, first_d, "dlogits, other order");
            assert_memory_equal(&losses[3], &first_loss, sizeof(float));
        }
        /* Evaluation: the state's sums grow. */
        st.correct = 5;
        st.loss_sum = 1.5;
        assert_int_equal(cuda_softmax_xent(nullptr, logits.data(), labels.data(), n, K, nullptr,
                                           nullptr, &st),
                         cudaSuccess);
        expect_no_emulation_errors("cuda_softmax_xent, evaluation");
        assert_int_equal(st.correct, 5 + hits);
        assert_true(std::fabs(st.loss_sum - (1.5 + loss)) <= 1e-9 * (1.5 + loss));
    }
}

void softmax_cross_entropy(void **state)
{
    (void)state;
    check_softmax(64);
    check_softmax(17);
}

void adam(void **state)
{
    (void)state;
    const size_t count = 100003; /* grid-stride, a partial last block */
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    fvec p = gradient(count), g = gradient(count), m = gradient(count), v(count);
    for (float &x : v)
        x = uniform(0.0f, 1.0f);
    cuda_step_state st{};
    st.adam_step = 1e-3f;
    fvec p2 = p, m2 = m, v2 = v;
    emu::set_order(emu::Order::shuffled, 3);
    assert_int_equal(cuda_adam_update(nullptr, p2.data(), g.data(), m2.data(), v2.data(), count,
                                      &st, b1, b2, eps),
                     cudaSuccess);
    expect_no_emulation_errors("cuda_adam_update");
    for (size_t i = 0; i < count; i++) {
        const double mi = (double)b1 * m[i] + (1.0 - (double)b1) * g[i];
        const double m_scale = (double)b1 * std::fabs(m[i]) + (1.0 - (double)b1) * std::fabs(g[i]);
        const double vi = (double)b2 * v[i] + (1.0 - (double)b2) * (double)g[i] * g[i];
        const double step = (double)st.adam_step * mi / (std::sqrt(vi) + eps);
        const double pi = p[i] - step;
        /* float rounding of each operation: a few ulps of each magnitude */
        if (!(std::fabs(m2[i] - mi) <= 1e-6 * m_scale && std::fabs(v2[i] - vi) <= 1e-6 * vi &&
              std::fabs(p2[i] - pi) <= 1e-6 * (std::fabs(p[i]) + (double)st.adam_step * m_scale / (std::sqrt(vi) + eps))))
            fail_msg("adam element %zu: p %.9g m %.9g v %.9g, expected %.9g %.9g %.9g", i,
                     (double)p2[i], (double)m2[i], (double)v2[i], pi, mi, vi);
    }
}

/* ---- the forward and step kernels ---------------------------------------- */

void gather_images(void **state)
{
    (void)state;
    const int records = 40, stride = 17, n = 17, bytes = 3 * 32 * 32;
    std::vector<uint8_t> data((size_t)records * (1 + bytes));
    for (uint8_t &b : data)
        b = (uint8_t)uniform_int(0, 255);
    std::vector<uint32_t> order(60);
    for (uint32_t &o : order)
        o = (uint32_t)uniform_int(0, records - 1);
    const float mean[3] = {0.49f, 0.48f, 0.45f}, std_dev[3] = {0.25f, 0.24f, 0.26f};
    assert_int_equal(cuda_set_normalisation(mean, std_dev), cudaSuccess);
    for (int ordered = 0; ordered < 2; ordered++) {
        cuda_step_state st{};
        st.batch = ordered ? 2 : 1; /* images order[34..50], or records 17..33 */
        fvec x((size_t)n * bytes, kNaN);
        std::vector<int32_t> labels((size_t)n + 1, -1);
        assert_int_equal(cuda_gather_images(nullptr, data.data(), ordered ? order.data() : nullptr,
                                            &st, stride, n, x.data(), labels.data()),
                         cudaSuccess);
        expect_no_emulation_errors("cuda_gather_images");
        for (int i = 0; i < n; i++) {
            const size_t index = ordered ? order[(size_t)st.batch * stride + i]
                                         : (size_t)st.batch * stride + i;
            const uint8_t *record = &data[index * (1 + bytes)];
            assert_int_equal(labels[(size_t)i], record[0]);
            for (int k = 0; k < bytes; k++) {
                const int c = k / 1024;
                const float want = ((float)record[1 + k] / 255.0f - mean[c]) / std_dev[c];
                if (std::memcmp(&x[(size_t)i * bytes + k], &want, sizeof want) != 0)
                    fail_msg("image %d value %d: %.9g, expected %.9g", i, k,
                             (double)x[(size_t)i * bytes + k], (double)want);
            }
        }
        assert_int_equal(labels[(size_t)n], -1);
    }
}

void bias_act_and_step_kernels(void **state)
{
    (void)state;
    /* bias + ReLU forward, conv3's shape, n 17 */
    const nn_layer_spec &l = layer("conv3");
    const int n = 17, C = l.out_c, spatial = l.out_h * l.out_w;
    const fvec y0 = gradient((size_t)n * C * spatial), bias = gradient((size_t)C);
    for (int relu = 0; relu < 2; relu++) {
        fvec y = y0;
        assert_int_equal(cuda_bias_act_forward(nullptr, y.data(), bias.data(), n, C, spatial, relu),
                         cudaSuccess);
        for (size_t i = 0; i < y.size(); i++) {
            float want = y0[i] + bias[i / (size_t)spatial % (size_t)C];
            if (relu && want < 0.0f)
                want = 0.0f;
            if (std::memcmp(&y[i], &want, sizeof want) != 0)
                fail_msg("bias_act_forward relu %d element %zu: %.9g, expected %.9g", relu, i,
                         (double)y[i], (double)want);
        }
    }

    /* SGD with momentum */
    const size_t count = 70001;
    const fvec p = gradient(count), g = gradient(count), u = gradient(count);
    fvec p2 = p, u2 = u;
    const float lr = 0.01f, momentum = 0.9f;
    assert_int_equal(cuda_sgd_update(nullptr, p2.data(), g.data(), u2.data(), count, lr, momentum),
                     cudaSuccess);
    for (size_t i = 0; i < count; i++) {
        const double ui = (double)momentum * u[i] + g[i];
        const double pi = p[i] - (double)lr * ui;
        const double u_scale = (double)momentum * std::fabs(u[i]) + std::fabs(g[i]);
        if (!(std::fabs(u2[i] - ui) <= 1e-6 * u_scale &&
              std::fabs(p2[i] - pi) <= 1e-6 * (std::fabs(p[i]) + lr * u_scale)))
            fail_msg("sgd element %zu: p %.9g u %.9g, expected %.9g %.9g", i, (double)p2[i],
                     (double)u2[i], pi, ui);
    }

    /* The step counters and the next Adam step size (optimizer.c's formula, step t + 1). */
    cuda_step_state st{};
    st.batch = 4;
    st.t = 9;
    st.adam_step = 0.5f;
    const float alr = 1e-3f, b1 = 0.9f, b2 = 0.999f;
    assert_int_equal(cuda_step_advance(nullptr, &st, 1, alr, b1, b2), cudaSuccess);
    assert_int_equal(st.batch, 5);
    assert_int_equal(st.t, 10);
    const double correction = std::sqrt(1.0 - std::pow((double)b2, 11.0)) / (1.0 - std::pow((double)b1, 11.0));
    assert_true(std::fabs(st.adam_step - alr * correction) <= 1e-7 * alr * correction);
    const float step = st.adam_step;
    assert_int_equal(cuda_step_advance(nullptr, &st, 0, alr, b1, b2), cudaSuccess); /* evaluation */
    assert_int_equal(st.batch, 6);
    assert_int_equal(st.t, 10);
    assert_memory_equal(&st.adam_step, &step, sizeof step);

    /* spin waits at least its time (the %globaltimer reads, emulated). */
    const unsigned long long t0 = emu::globaltimer_ns();
    assert_int_equal(cuda_spin(nullptr, 2000000ull), cudaSuccess);
    assert_true(emu::globaltimer_ns() - t0 >= 2000000ull);
    expect_no_emulation_errors("forward and step kernels");
}

/* ---- the emulation itself finds what it is here to find ------------------ */

__global__ void neighbour_sum(float *out, int synced)
{
    __shared__ float s[64];
    s[threadIdx.x] = (float)threadIdx.x;
    if (synced)
        __syncthreads();
    out[threadIdx.x] = s[(threadIdx.x + 1) % 64];
}

__global__ void returns_before_barrier(float *out)
{
    if (threadIdx.x == 5)
        return; /* undefined behaviour: the others wait at the barrier below */
    __syncthreads();
    out[threadIdx.x] = 1.0f;
}

__global__ void divergent_barriers(float *out)
{
    if (threadIdx.x < 16) {
        __syncthreads();
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1.0f;
}

__global__ void warp_butterfly(float *out)
{
    float v = (float)threadIdx.x;
    for (int off = 16; off > 0; off >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, off);
    out[threadIdx.x] = v;
}

void the_emulation_finds_missing_and_broken_barriers(void **state)
{
    (void)state;
    fvec fwd(64, kNaN), rev(64, kNaN);
    emu::set_order(emu::Order::forward, 0);
    EMU_LAUNCH(neighbour_sum, 1, 64)(fwd.data(), 0);
    emu::set_order(emu::Order::reverse, 0);
    EMU_LAUNCH(neighbour_sum, 1, 64)(rev.data(), 0);
    assert_false(same_bits(fwd, rev)); /* a missing barrier: the order shows */
    EMU_LAUNCH(neighbour_sum, 1, 64)(rev.data(), 1);
    for (int t = 0; t < 64; t++)
        assert_true(rev[(size_t)t] == (float)((t + 1) % 64));
    expect_no_emulation_errors("neighbour_sum");

    fvec out(64, 0.0f);
    EMU_LAUNCH(returns_before_barrier, 1, 64)(out.data());
    assert_non_null(std::strstr(emu::take_errors().c_str(), "deadlock"));
    EMU_LAUNCH(divergent_barriers, 1, 64)(out.data());
    assert_non_null(std::strstr(emu::take_errors().c_str(), "while others wait at line"));

    emu::set_order(emu::Order::shuffled, 9);
    EMU_LAUNCH(warp_butterfly, 1, 64)(out.data());
    expect_no_emulation_errors("warp_butterfly");
    for (int t = 0; t < 64; t++)
        assert_true(out[(size_t)t] == (float)(t < 32 ? 496 : 32 * 32 + 496));
    EMU_LAUNCH(warp_butterfly, 1, 48)(out.data()); /* a warp of 16 threads */
    assert_non_null(std::strstr(emu::take_errors().c_str(), "in a warp of 16 threads"));

    /* CUDA's limit of static shared memory per block is 48 KiB: all the
     * kernels' arrays together (the test's own 64 floats included) fit, so
     * each kernel's do. (Not measurable under ASan: 0 there.) */
    const size_t shared = emu::static_shared_bytes();
#if !defined(__SANITIZE_ADDRESS__)
    assert_true(shared >= WGRAD_MAX_TILE_FLOATS * sizeof(float));
#endif
    assert_true(shared <= 48 * 1024);

    /* A launch CUDA refuses runs nothing. */
    const size_t from = emu::launch_count();
    EMU_LAUNCH(warp_butterfly, 1, 2048)(out.data());
    assert_int_equal(cudaGetLastError(), cudaErrorInvalidConfiguration);
    assert_int_equal(emu::launch_count(), from);
    assert_int_equal(cudaGetLastError(), cudaSuccess);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_emulation_finds_missing_and_broken_barriers),
        cmocka_unit_test(wgrad_batch_64),
        cmocka_unit_test(wgrad_odd_batches),
        cmocka_unit_test(wgrad_other_shapes),
        cmocka_unit_test(pool1_after_conv2),
        cmocka_unit_test(pool2_after_conv4),
        cmocka_unit_test(dense_layers),
        cmocka_unit_test(conv_bias_gradients),
        cmocka_unit_test(softmax_cross_entropy),
        cmocka_unit_test(adam),
        cmocka_unit_test(gather_images),
        cmocka_unit_test(bias_act_and_step_kernels),
    };
    if (const char *only = std::getenv("CUDA_EMU_TEST")) /* e.g. CUDA_EMU_TEST='wgrad*' */
        cmocka_set_test_filter(only);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
