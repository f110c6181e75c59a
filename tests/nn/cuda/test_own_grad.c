/* The arithmetic of the cuda backend's own gradient kernels (src/nn/cuda/
 * own_grad.h), on the CPU: the same functions the GPU kernels call, driven
 * here the way the kernels split the work (blocks, threads, strips, tiles,
 * partial sums), against a direct computation in double. No GPU needed:
 * what the GPU adds is only the order of the final additions, which the
 * parity test (test_cuda_parity) checks on a GPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nn/cuda/own_grad.h"
#include "nn/model_spec.h"

static unsigned rng_state = 12345u;
static float uniform(void) /* [-1, 1) */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) & 0xffffu) / 32768.0f - 1.0f;
}

static const nn_layer_spec *layer_named(const char *name)
{
    const nn_layer_spec *layers = nn_layer_specs();
    for (int i = 0; i < NN_LAYER_COUNT; i++)
        if (strcmp(layers[i].name, name) == 0)
            return &layers[i];
    fail_msg("no layer %s", name);
    return NULL;
}

/* The model's layers that the backend hands to the kernels fit them; others not. */
static void the_model_fits_the_kernels(void **state)
{
    (void)state;
    const nn_layer_spec *layers = nn_layer_specs();
    const nn_layer_spec *c1 = layer_named("conv1");
    assert_ptr_equal(c1, &layers[0]); /* the input layer: no data gradient wanted */
    assert_true(wgrad_supported(c1->in_c, c1->in_h, c1->in_w, c1->kernel, c1->stride, c1->pad,
                                c1->out_h, c1->out_w));
    const nn_layer_spec *c2 = layer_named("conv2");
    assert_false(wgrad_supported(c2->in_c, c2->in_h, c2->in_w, c2->kernel, c2->stride, c2->pad,
                                 c2->out_h, c2->out_w));
    assert_false(wgrad_supported(3, 32, 32, 3, 2, 1, 16, 16)); /* stride 2 */
    assert_false(wgrad_supported(3, 32, 32, 5, 1, 2, 32, 32)); /* 5x5 */
    assert_false(wgrad_supported(3, 32, 32, 3, 1, 1, 31, 32)); /* shape inconsistent */
    assert_false(wgrad_supported(3, 200, 200, 3, 1, 1, 200, 200)); /* tile over shared memory */
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        const nn_layer_spec *l = &layers[i];
        if (l->kind != NN_LAYER_MAXPOOL)
            continue;
        assert_int_equal(layers[i - 1].kind, NN_LAYER_CONV);
        assert_true(pool_fused_supported(l->kernel, l->stride, l->pad, l->in_h, l->in_w, l->out_h,
                                         l->out_w));
    }
    assert_false(pool_fused_supported(3, 2, 0, 30, 30, 14, 14)); /* overlapping windows */
    assert_false(pool_fused_supported(2, 2, 1, 30, 30, 16, 16)); /* padding */
    assert_false(pool_fused_supported(2, 2, 0, 30, 30, 14, 15));
}

/* Every output pixel is in exactly one strip, and the partial sums'
 * indices are a bijection onto 0 .. chunks * out_c * WGRAD_SUMS - 1. */
static void strips_and_partials_cover_everything_once(void **state)
{
    (void)state;
    const int shapes[][2] = {{32, 32}, {30, 30}, {13, 7}, {1, 1}, {5, 33}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const int oh = shapes[k][0], ow = shapes[k][1];
        int *seen = calloc((size_t)oh * ow, sizeof *seen);
        for (int s = 0; s < wgrad_strips(oh, ow); s++) {
            const int x = s % ow, y0 = s / ow * WGRAD_ROWS;
            for (int r = 0; r < WGRAD_ROWS; r++)
                if (y0 + r < oh)
                    seen[(y0 + r) * ow + x]++;
        }
        for (int i = 0; i < oh * ow; i++)
            assert_int_equal(seen[i], 1);
        free(seen);
        /* The last strip's rows (and their kernel rows) stay inside the tile. */
        assert_true(wgrad_tile_h(oh) >= wgrad_strips(oh, ow) / ow * WGRAD_ROWS + WGRAD_K - 1);
    }
    assert_int_equal(wgrad_strips(32, 32), WGRAD_THREADS); /* conv1: a strip per thread */
    for (int n = 1; n <= 64; n += 63) {
        const int chunks = wgrad_chunks(n), out_c = 32, total = chunks * out_c * WGRAD_SUMS;
        assert_int_equal(chunks, (n + WGRAD_IMAGES_PER_CHUNK - 1) / WGRAD_IMAGES_PER_CHUNK);
        char *hit = calloc((size_t)total, 1);
        for (int c = 0; c < chunks; c++)
            for (int o = 0; o < out_c; o++)
                for (int k = 0; k < WGRAD_SUMS; k++) {
                    const int at = wgrad_partial_index(c, o, out_c, k);
                    assert_true(at >= 0 && at < total);
                    assert_int_equal(hit[at]++, 0);
                }
        free(hit);
    }
}

/* The tile holds the zero-padded image. */
static void tile_is_the_padded_image(void **state)
{
    (void)state;
    const int in_h = 32, in_w = 32, pad = 1, oh = 32, ow = 32;
    const int th = wgrad_tile_h(oh), tw = wgrad_tile_w(ow);
    assert_true(wgrad_tile_floats(oh, ow) <= WGRAD_MAX_TILE_FLOATS);
    for (int c = 0; c < WGRAD_IN_C; c++)
        for (int ty = 0; ty < th; ty++)
            for (int tx = 0; tx < tw; tx++) {
                const int src = wgrad_tile_source(c, ty, tx, in_h, in_w, pad);
                const bool inside = ty >= 1 && ty <= in_h && tx >= 1 && tx <= in_w;
                assert_int_equal(src >= 0, inside);
                if (inside)
                    assert_int_equal(src, (c * in_h + ty - 1) * in_w + tx - 1);
            }
}

/* dW and db as the kernels compute them (chunks of images, blocks per
 * output channel, threads over strips, partial sums, chunks in order)
 * against the definition in double. */
static void check_wgrad(int n, int in_h, int in_w, int pad, int out_c, int relu)
{
    const int oh = in_h + 2 * pad - 2, ow = in_w + 2 * pad - 2;
    assert_true(wgrad_supported(WGRAD_IN_C, in_h, in_w, 3, 1, pad, oh, ow));
    const size_t xs = (size_t)n * WGRAD_IN_C * in_h * in_w, ys = (size_t)n * out_c * oh * ow;
    float *x = malloc(xs * sizeof *x), *dy = malloc(ys * sizeof *dy), *y = malloc(ys * sizeof *y);
    for (size_t i = 0; i < xs; i++)
        x[i] = uniform();
    for (size_t i = 0; i < ys; i++) {
        dy[i] = uniform();
        const float v = uniform();
        y[i] = v > 0.0f ? v : 0.0f; /* after a ReLU: about half zero */
    }
    const int chunks = wgrad_chunks(n);
    float *partial = malloc((size_t)chunks * out_c * WGRAD_SUMS * sizeof *partial);
    float *tile = malloc(WGRAD_MAX_TILE_FLOATS * sizeof *tile);
    float(*acc)[WGRAD_SUMS] = malloc(WGRAD_THREADS * sizeof *acc);
    const int tw = wgrad_tile_w(ow), th = wgrad_tile_h(oh);
    for (int chunk = 0; chunk < chunks; chunk++)
        for (int o = 0; o < out_c; o++) {
            memset(acc, 0, WGRAD_THREADS * sizeof *acc);
            const int first = chunk * WGRAD_IMAGES_PER_CHUNK;
            const int last = first + WGRAD_IMAGES_PER_CHUNK < n ? first + WGRAD_IMAGES_PER_CHUNK : n;
            for (int image = first; image < last; image++) {
                const float *xi = x + (size_t)image * WGRAD_IN_C * in_h * in_w;
                for (int c = 0; c < WGRAD_IN_C; c++)
                    for (int ty = 0; ty < th; ty++)
                        for (int tx = 0; tx < tw; tx++) {
                            const int src = wgrad_tile_source(c, ty, tx, in_h, in_w, pad);
                            tile[(c * th + ty) * tw + tx] = src >= 0 ? xi[src] : 0.0f;
                        }
                const size_t plane = ((size_t)image * out_c + o) * oh * ow;
                for (int s = 0; s < wgrad_strips(oh, ow); s++)
                    wgrad_strip_accumulate(tile, dy + plane, y + plane, relu, oh, ow, s,
                                           acc[s % WGRAD_THREADS]);
            }
            for (int k = 0; k < WGRAD_SUMS; k++) {
                float total = 0.0f;
                for (int t = 0; t < WGRAD_THREADS; t++)
                    total += acc[t][k];
                partial[wgrad_partial_index(chunk, o, out_c, k)] = total;
            }
        }
    for (int o = 0; o < out_c; o++)
        for (int k = 0; k < WGRAD_SUMS; k++) {
            float got = 0.0f;
            for (int chunk = 0; chunk < chunks; chunk++)
                got += partial[wgrad_partial_index(chunk, o, out_c, k)];
            /* The definition: k = c * 9 + kh * 3 + kw, or the bias. */
            const int c = k / 9, kh = k / 3 % 3, kw = k % 3;
            double want = 0.0, scale = 0.0;
            for (int image = 0; image < n; image++)
                for (int yy = 0; yy < oh; yy++)
                    for (int xx = 0; xx < ow; xx++) {
                        const size_t at = (((size_t)image * out_c + o) * oh + yy) * ow + xx;
                        const double d = relu && !(y[at] > 0.0f) ? 0.0 : dy[at];
                        double term = d;
                        if (k < WGRAD_TAPS) {
                            const int iy = yy + kh - pad, ix = xx + kw - pad;
                            term = iy < 0 || iy >= in_h || ix < 0 || ix >= in_w
                                       ? 0.0
                                       : d * x[(((size_t)image * WGRAD_IN_C + c) * in_h + iy) *
                                                   in_w + ix];
                        }
                        want += term;
                        scale += fabs(term);
                    }
            if (fabs(got - want) > 1e-5 * scale + 1e-6)
                fail_msg("n=%d %dx%d pad %d: o %d k %d: %.9g, want %.9g", n, in_h, in_w, pad, o, k,
                         (double)got, want);
        }
    free(x);
    free(dy);
    free(y);
    free(partial);
    free(tile);
    free(acc);
}

static void wgrad_matches_the_definition(void **state)
{
    (void)state;
    const nn_layer_spec *c1 = layer_named("conv1");
    check_wgrad(9, c1->in_h, c1->in_w, c1->pad, 4, 1); /* a partial last chunk */
    check_wgrad(4, c1->in_h, c1->in_w, c1->pad, 2, 0); /* no ReLU */
    check_wgrad(3, 30, 30, 1, 2, 1); /* the last strip runs past the last row */
    check_wgrad(2, 9, 11, 0, 3, 1);  /* no padding, odd sizes */
}

/* The pooling backward with ReLU, element by element, against routing each
 * window's gradient to its first maximum (row-major) and masking by y > 0;
 * ties (zeros after the ReLU, and equal positive values) included. Exact:
 * no arithmetic. */
static void pool_backward_routes_to_the_first_maximum(void **state)
{
    (void)state;
    const nn_layer_spec *layers = nn_layer_specs();
    for (int li = 0; li < NN_LAYER_COUNT; li++) {
        const nn_layer_spec *l = &layers[li];
        if (l->kind != NN_LAYER_MAXPOOL)
            continue;
        const int ih = l->in_h, iw = l->in_w, oh = l->out_h, ow = l->out_w;
        float *y = malloc((size_t)ih * iw * sizeof *y), *g = malloc((size_t)oh * ow * sizeof *g);
        for (int relu = 0; relu <= 1; relu++)
            for (int trial = 0; trial < 20; trial++) {
                for (int i = 0; i < ih * iw; i++) {
                    /* Few distinct values: many ties; zeros as after a ReLU. */
                    const int v = (int)((uniform() + 1.0f) * 2.0f);
                    y[i] = relu ? (float)v * 0.5f : (float)v - 2.0f;
                }
                for (int i = 0; i < oh * ow; i++)
                    g[i] = uniform();
                float *want = calloc((size_t)ih * iw, sizeof *want);
                for (int py = 0; py < oh; py++)
                    for (int px = 0; px < ow; px++) {
                        int best = py * l->stride * iw + px * l->stride;
                        for (int wy = 0; wy < l->kernel; wy++)
                            for (int wx = 0; wx < l->kernel; wx++) {
                                const int at = (py * l->stride + wy) * iw + px * l->stride + wx;
                                if (y[at] > y[best])
                                    best = at;
                            }
                        if (!relu || y[best] > 0.0f)
                            want[best] = g[py * ow + px];
                    }
                for (int yy = 0; yy < ih; yy++)
                    for (int xx = 0; xx < iw; xx++) {
                        const float got = pool_relu_backward_at(y, g, iw, oh, ow, yy, xx, relu);
                        if (memcmp(&got, &want[yy * iw + xx], sizeof got) != 0)
                            fail_msg("%s relu %d (%d, %d): %g, want %g", l->name, relu, yy, xx,
                                     (double)got, (double)want[yy * iw + xx]);
                    }
                free(want);
            }
        free(y);
        free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_model_fits_the_kernels),
        cmocka_unit_test(strips_and_partials_cover_everything_once),
        cmocka_unit_test(tile_is_the_padded_image),
        cmocka_unit_test(wgrad_matches_the_definition),
        cmocka_unit_test(pool_backward_routes_to_the_first_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
