/* Each layer's backward (src/nn/onednn_layers.c, the code the model runs)
 * against central finite differences on small random tensors.
 *
 * The scalar checked is L = sum(dst * R) for a fixed random R, accumulated
 * in double, so dL/dx is exactly what backward computes with diff_dst = R.
 * Every layer here is piecewise linear, so a central difference is exact up
 * to float rounding away from kinks; a coordinate whose perturbation moves
 * a ReLU across zero or changes a max-pool's choice is not differentiable
 * there and is skipped (fewer than a quarter may be skipped).
 * Step h = 2e-3 (5e-4 for biases, which move a whole channel at once and
 * so cross more kinks). Tolerance: |analytic - numeric| <= 5e-3 +
 * 1e-2 |numeric| (float rounding of L, divided by 2h, is about 1e-3 at
 * most here). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/rng.h"
#include "nn/onednn_layers.h"

enum { CHECKS = 24 };

typedef struct harness {
    onednn_ctx ctx;
    onednn_layer layer;
    nn_layer_spec spec;
    int n;
    size_t src_count, dst_count, w_count, b_count;
    float *x, *r, *w, *b;            /* plain: x (n,C,H,W) or (n,C); w (O,I,kh,kw) or (O,I) */
    float *dst, *diff_src, *dw, *db; /* plain outputs */
    float *w_internal, *b_internal, *dw_internal, *db_internal;
    dnnl_memory_t src, diff_dst;
    uint8_t *pattern;                /* ReLU zero pattern / pool workspace, at the base point */
    size_t pattern_bytes;
} harness;

static int is_4d(const nn_layer_spec *s) { return s->kind != NN_LAYER_DENSE; }

static void fill_uniform(hml_rng *rng, float *v, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (2.0f * hml_rng_uniform_float(rng) - 1.0f) * scale;
}

static void check(hml_status s, const hml_err *err)
{
    if (s != HML_OK)
        fail_msg("%s", err->msg);
}

static void harness_init(harness *h, const nn_layer_spec *spec, int n, uint64_t seed)
{
    memset(h, 0, sizeof *h);
    h->spec = *spec;
    h->n = n;
    hml_err err = {0};
    check(onednn_ctx_create(&h->ctx, &err), &err);
    dnnl_memory_desc_t src_md;
    if (is_4d(spec)) {
        dnnl_dim_t dims[4] = {n, spec->in_c, spec->in_h, spec->in_w};
        check(onednn_md(&src_md, 4, dims, dnnl_nchw, &err), &err);
    } else {
        dnnl_dim_t dims[2] = {n, spec->in_c};
        check(onednn_md(&src_md, 2, dims, dnnl_nc, &err), &err);
    }
    check(onednn_layer_create(&h->ctx, &h->layer, &h->spec, n, &src_md, NULL, true, &err), &err);
    h->src_count = (size_t)n * spec->in_c * spec->in_h * spec->in_w;
    h->dst_count = (size_t)n * spec->out_c * spec->out_h * spec->out_w;
    h->x = calloc(h->src_count, sizeof(float));
    h->diff_src = calloc(h->src_count, sizeof(float));
    h->r = calloc(h->dst_count, sizeof(float));
    h->dst = calloc(h->dst_count, sizeof(float));
    hml_rng rng;
    hml_rng_init(&rng, seed, 99);
    fill_uniform(&rng, h->x, h->src_count, 1.0f);
    fill_uniform(&rng, h->r, h->dst_count, 1.0f);
    check(onednn_memory(&h->ctx, &src_md, h->x, &h->src, &err), &err);
    check(onednn_memory(&h->ctx, onednn_layer_dst_md(&h->layer), NULL, &h->diff_dst, &err), &err);
    onednn_layer_link(&h->layer, h->src, h->diff_dst);
    if (spec->kind != NN_LAYER_MAXPOOL) {
        int k = spec->kind == NN_LAYER_CONV ? spec->kernel * spec->kernel : 1;
        h->w_count = (size_t)spec->out_c * spec->in_c * k;
        h->b_count = (size_t)spec->out_c;
        h->w = calloc(h->w_count, sizeof(float));
        h->b = calloc(h->b_count, sizeof(float));
        h->dw = calloc(h->w_count, sizeof(float));
        h->db = calloc(h->b_count, sizeof(float));
        float scale = sqrtf(6.0f / (float)(spec->in_c * k + spec->out_c * k));
        fill_uniform(&rng, h->w, h->w_count, scale);
        fill_uniform(&rng, h->b, h->b_count, 0.1f);
        size_t wb = dnnl_memory_desc_get_size(onednn_layer_weights_md(&h->layer));
        size_t bb = dnnl_memory_desc_get_size(onednn_layer_bias_md(&h->layer));
        h->w_internal = calloc(1, wb);
        h->dw_internal = calloc(1, wb);
        h->b_internal = calloc(1, bb);
        h->db_internal = calloc(1, bb);
        check(onednn_layer_bind_params(&h->ctx, &h->layer, h->w_internal, h->b_internal,
                                       h->dw_internal, h->db_internal, &err),
              &err);
    }
}

static dnnl_format_tag_t plain_tag(const nn_layer_spec *s) { return is_4d(s) ? dnnl_nchw : dnnl_nc; }

static dnnl_format_tag_t weights_tag(const nn_layer_spec *s)
{
    return s->kind == NN_LAYER_CONV ? dnnl_oihw : dnnl_oi;
}

/* Forward at the current x and w; returns L and records the kink pattern. */
static double forward(harness *h, uint8_t *pattern)
{
    hml_err err = {0};
    if (h->w) {
        check(onednn_import(&h->ctx, h->w, weights_tag(&h->spec), h->layer.weights, &err), &err);
        check(onednn_import(&h->ctx, h->b, dnnl_x, h->layer.bias, &err), &err);
    }
    check(onednn_layer_forward(&h->ctx, &h->layer, &err), &err);
    check(onednn_export(&h->ctx, h->layer.dst, plain_tag(&h->spec), h->dst, &err), &err);
    double loss = 0;
    for (size_t i = 0; i < h->dst_count; i++)
        loss += (double)h->dst[i] * h->r[i];
    if (pattern) {
        if (h->spec.kind == NN_LAYER_MAXPOOL) {
            void *ws = NULL;
            dnnl_memory_get_data_handle(h->layer.workspace, &ws);
            memcpy(pattern, ws, h->pattern_bytes);
        } else {
            for (size_t i = 0; i < h->dst_count; i++)
                pattern[i] = h->dst[i] > 0.0f;
        }
    }
    return loss;
}

static void backward(harness *h)
{
    hml_err err = {0};
    check(onednn_import(&h->ctx, h->r, plain_tag(&h->spec), h->diff_dst, &err), &err);
    check(onednn_layer_backward(&h->ctx, &h->layer, &err), &err);
    check(onednn_export(&h->ctx, h->layer.diff_src, plain_tag(&h->spec), h->diff_src, &err), &err);
    if (h->w) {
        check(onednn_export(&h->ctx, h->layer.diff_weights, weights_tag(&h->spec), h->dw, &err),
              &err);
        check(onednn_export(&h->ctx, h->layer.diff_bias, dnnl_x, h->db, &err), &err);
    }
}

/* Checks CHECKS coordinates of v (count values) against analytic[]. */
static void check_coordinates(harness *h, const char *what, float *v, size_t count,
                              const float *analytic, float step, hml_rng *rng)
{
    uint8_t *base = malloc(h->pattern_bytes), *plus = malloc(h->pattern_bytes),
            *minus = malloc(h->pattern_bytes);
    forward(h, base);
    int checked = 0, skipped = 0;
    size_t tries = count < CHECKS ? count : CHECKS;
    for (size_t t = 0; t < tries; t++) {
        size_t i = count <= CHECKS ? t : hml_rng_below(rng, (uint32_t)count);
        float saved = v[i];
        v[i] = saved + step;
        double lp = forward(h, plus);
        v[i] = saved - step;
        double lm = forward(h, minus);
        v[i] = saved;
        if (memcmp(base, plus, h->pattern_bytes) || memcmp(base, minus, h->pattern_bytes)) {
            skipped++;
            continue;
        }
        double numeric = (lp - lm) / (2.0 * step);
        double d = fabs(analytic[i] - numeric);
        if (d > 5e-3 + 1e-2 * fabs(numeric))
            fail_msg("%s %s[%zu]: backward %.6g, finite difference %.6g", h->spec.name, what, i,
                     analytic[i], numeric);
        checked++;
    }
    if (skipped * 4 > (int)tries)
        fail_msg("%s %s: %d of %zu coordinates at a kink", h->spec.name, what, skipped, tries);
    assert_true(checked > 0);
    free(base);
    free(plus);
    free(minus);
}

static void harness_free(harness *h)
{
    onednn_layer_destroy(&h->layer);
    dnnl_memory_destroy(h->src);
    dnnl_memory_destroy(h->diff_dst);
    onednn_ctx_destroy(&h->ctx);
    free(h->x), free(h->r), free(h->w), free(h->b), free(h->dst), free(h->diff_src);
    free(h->dw), free(h->db), free(h->w_internal), free(h->b_internal);
    free(h->dw_internal), free(h->db_internal);
}

static void check_layer(const nn_layer_spec *spec, int n, uint64_t seed)
{
    harness h;
    harness_init(&h, spec, n, seed);
    if (spec->kind == NN_LAYER_MAXPOOL) {
        h.pattern_bytes = dnnl_memory_desc_get_size(
            dnnl_primitive_desc_query_md(h.layer.fwd_pd, dnnl_query_workspace_md, 0));
    } else {
        h.pattern_bytes = h.dst_count;
    }
    forward(&h, NULL);
    backward(&h);
    hml_rng rng;
    hml_rng_init(&rng, seed, 100);
    check_coordinates(&h, "x", h.x, h.src_count, h.diff_src, 2e-3f, &rng);
    if (h.w) {
        check_coordinates(&h, "weight", h.w, h.w_count, h.dw, 2e-3f, &rng);
        check_coordinates(&h, "bias", h.b, h.b_count, h.db, 5e-4f, &rng);
    }
    harness_free(&h);
}

/* Shapes are small versions of the model's layers, large enough to reach
 * the same oneDNN kernels (>= 16 channels: Winograd; 3: direct). */
static void conv_with_few_input_channels(void **state)
{
    (void)state;
    nn_layer_spec s = {NN_LAYER_CONV, "conv(3->16, pad 1)", 3, 8, 8, 16, 8, 8, 3, 1, 1, true, 0};
    check_layer(&s, 1, 1);
}

static void conv_winograd_unpadded(void **state)
{
    (void)state;
    nn_layer_spec s = {NN_LAYER_CONV, "conv(16->16, pad 0)", 16, 8, 8, 16, 6, 6, 3, 1, 0, true, 0};
    check_layer(&s, 1, 2);
}

static void conv_winograd_padded(void **state)
{
    (void)state;
    nn_layer_spec s = {NN_LAYER_CONV, "conv(16->32, pad 1)", 16, 7, 7, 32, 7, 7, 3, 1, 1, true, 0};
    check_layer(&s, 1, 3);
}

static void maxpool_with_odd_input(void **state)
{
    (void)state;
    /* 7 -> 3: the last row and column are dropped, as 13 -> 6 in the model. */
    nn_layer_spec s = {NN_LAYER_MAXPOOL, "pool(7->3)", 16, 7, 7, 16, 3, 3, 2, 2, 0, false, -1};
    check_layer(&s, 2, 4);
}

static void dense_with_relu(void **state)
{
    (void)state;
    nn_layer_spec s = {NN_LAYER_DENSE, "dense(96->32, relu)", 96, 1, 1, 32, 1, 1, 0, 0, 0, true, 0};
    check_layer(&s, 3, 5);
}

static void dense_without_relu(void **state)
{
    (void)state;
    nn_layer_spec s = {NN_LAYER_DENSE, "dense(64->10)", 64, 1, 1, 10, 1, 1, 0, 0, 0, false, 0};
    check_layer(&s, 3, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conv_with_few_input_channels), cmocka_unit_test(conv_winograd_unpadded),
        cmocka_unit_test(conv_winograd_padded),         cmocka_unit_test(maxpool_with_odd_input),
        cmocka_unit_test(dense_with_relu),              cmocka_unit_test(dense_without_relu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
