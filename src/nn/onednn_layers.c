#include "nn/onednn_layers.h"

#include <stdio.h>
#include <string.h>

/* A relu post-op attribute (or NULL when the layer has no ReLU). */
static hml_status relu_attr(const nn_layer_spec *spec, dnnl_primitive_attr_t *attr, hml_err *err)
{
    *attr = NULL;
    if (!spec->relu)
        return HML_OK;
    dnnl_post_ops_t ops = NULL;
    ONEDNN_TRY(err, dnnl_post_ops_create(&ops), "oneDNN post-ops");
    dnnl_status_t s = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
    if (s == dnnl_success)
        s = dnnl_primitive_attr_create(attr);
    if (s == dnnl_success)
        s = dnnl_primitive_attr_set_post_ops(*attr, ops);
    dnnl_post_ops_destroy(ops);
    if (s != dnnl_success) {
        if (*attr)
            dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
        return onednn_fail(err, s, "oneDNN ReLU post-op");
    }
    return HML_OK;
}

/* The layer's forward primitive from desc (an op descriptor), with the
 * layer's ReLU, when it has one, fused as a post-op. */
static hml_status create_forward(const onednn_ctx *ctx, onednn_layer *layer, const void *desc,
                                 const char *what, hml_err *err)
{
    dnnl_primitive_attr_t attr = NULL;
    hml_status s = relu_attr(layer->spec, &attr, err);
    if (s)
        return s;
    s = onednn_primitive(ctx, desc, attr, NULL, &layer->fwd_pd, &layer->fwd, what, err);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return s;
}

static const dnnl_memory_desc_t *query_md(const_dnnl_primitive_desc_t pd, dnnl_query_t what)
{
    return dnnl_primitive_desc_query_md(pd, what, 0);
}

/* ReLU's backward, computed from the forward output (relu_use_dst_for_bwd),
 * in place on diff_dst. */
static hml_status create_relu_backward(const onednn_ctx *ctx, onednn_layer *layer, hml_err *err)
{
    const dnnl_memory_desc_t *dst_md = onednn_layer_dst_md(layer);
    dnnl_eltwise_desc_t fwd_desc, bwd_desc;
    ONEDNN_TRY(err,
               dnnl_eltwise_forward_desc_init(&fwd_desc, dnnl_forward_training,
                                              dnnl_eltwise_relu_use_dst_for_bwd, dst_md, 0.f, 0.f),
               "oneDNN ReLU forward descriptor");
    dnnl_primitive_desc_t hint = NULL;
    ONEDNN_TRY(err, dnnl_primitive_desc_create(&hint, &fwd_desc, NULL, ctx->engine, NULL),
               "oneDNN ReLU hint");
    dnnl_status_t s = dnnl_eltwise_backward_desc_init(
        &bwd_desc, dnnl_eltwise_relu_use_dst_for_bwd, dst_md, dst_md, 0.f, 0.f);
    hml_status st = s == dnnl_success
                        ? onednn_primitive(ctx, &bwd_desc, NULL, hint, &layer->relu_bwd_pd,
                                           &layer->relu_bwd, "oneDNN ReLU backward", err)
                        : onednn_fail(err, s, "oneDNN ReLU backward descriptor");
    dnnl_primitive_desc_destroy(hint);
    return st;
}

/* When backward-data wants the weights in another layout than the forward
 * pass, a reorder (small: at most 1.2 M floats) runs before it each step. */
static hml_status create_weights_reorder(const onednn_ctx *ctx, onednn_layer *layer,
                                         const dnnl_memory_desc_t *fwd_weights, hml_err *err)
{
    const dnnl_memory_desc_t *want = query_md(layer->bwd_data_pd, dnnl_query_weights_md);
    if (dnnl_memory_desc_equal(want, fwd_weights))
        return HML_OK;
    hml_status s = onednn_memory(ctx, want, NULL, &layer->weights_bwd_data, err);
    if (s)
        return s;
    return onednn_reorder_primitive(ctx, fwd_weights, want, &layer->weights_reorder,
                                    "oneDNN weights reorder", err);
}

static hml_status create_conv(const onednn_ctx *ctx, onednn_layer *layer,
                              const dnnl_memory_desc_t *src_md,
                              const dnnl_memory_desc_t *weights_md, hml_err *err)
{
    const nn_layer_spec *l = layer->spec;
    const dnnl_dim_t n = layer->n;
    dnnl_dim_t wdims[4] = {l->out_c, l->in_c, l->kernel, l->kernel};
    dnnl_dim_t bdims[1] = {l->out_c};
    dnnl_dim_t ddims[4] = {n, l->out_c, l->out_h, l->out_w};
    dnnl_dims_t strides = {l->stride, l->stride};
    dnnl_dims_t pad = {l->pad, l->pad};
    dnnl_memory_desc_t w_any, b_md, d_any;
    hml_status s;
    if ((s = onednn_md(&w_any, 4, wdims, dnnl_format_tag_any, err)) ||
        (s = onednn_md(&b_md, 1, bdims, dnnl_x, err)) ||
        (s = onednn_md(&d_any, 4, ddims, dnnl_format_tag_any, err)))
        return s;

    /* Algorithm: oneDNN's choice (Winograd F(4x4, 3x3) on AVX-512 here,
     * 1.4-1.6x faster than direct for conv2..conv4, all passes), except for
     * a layer with few input channels (conv1: 3), where Winograd would pad
     * the input to 16 channels and run 3-6x slower than direct. */
    const dnnl_alg_kind_t alg = l->in_c < 16 ? dnnl_convolution_direct : dnnl_convolution_auto;
    dnnl_convolution_desc_t desc;
    ONEDNN_TRY(err,
               dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, alg, src_md,
                                                  weights_md ? weights_md : &w_any, &b_md, &d_any,
                                                  strides, pad, pad),
               "oneDNN convolution forward descriptor");
    if ((s = create_forward(ctx, layer, &desc, "oneDNN convolution forward", err)))
        return s;

    /* Backward in the forward's layouts: no reorders, gradients line up
     * with the weights. */
    const dnnl_memory_desc_t *src = query_md(layer->fwd_pd, dnnl_query_src_md);
    const dnnl_memory_desc_t *w = query_md(layer->fwd_pd, dnnl_query_weights_md);
    const dnnl_memory_desc_t *dst = query_md(layer->fwd_pd, dnnl_query_dst_md);
    if (layer->backward_data) {
        /* The weights' layout is the backward kernel's own choice: the
         * forward one sends oneDNN 2.6 to its reference kernel here. */
        ONEDNN_TRY(err,
                   dnnl_convolution_backward_data_desc_init(&desc, alg, src,
                                                            &w_any, dst, strides, pad, pad),
                   "oneDNN convolution backward-data descriptor");
        if ((s = onednn_primitive(ctx, &desc, NULL, layer->fwd_pd, &layer->bwd_data_pd,
                                  &layer->bwd_data, "oneDNN convolution backward data", err)) ||
            (s = create_weights_reorder(ctx, layer, w, err)))
            return s;
    }
    ONEDNN_TRY(err,
               dnnl_convolution_backward_weights_desc_init(&desc, alg, src, w,
                                                           &b_md, dst, strides, pad, pad),
               "oneDNN convolution backward-weights descriptor");
    return onednn_primitive(ctx, &desc, NULL, layer->fwd_pd, &layer->bwd_weights_pd,
                            &layer->bwd_weights, "oneDNN convolution backward weights", err);
}

static hml_status create_dense(const onednn_ctx *ctx, onednn_layer *layer,
                               const dnnl_memory_desc_t *src_md,
                               const dnnl_memory_desc_t *weights_md, hml_err *err)
{
    const nn_layer_spec *l = layer->spec;
    /* The weights have the source's rank: (O, I) over a 2-D source (the
     * model flattens pool2's output into one), (O, C, H, W) over a 4-D one.
     * 2-D runs oneDNN's brgemm kernels, 20% faster here than the gemm path
     * a blocked 4-D source gets, and with no weight reorder. */
    dnnl_dim_t wdims[4] = {l->out_c, 0, 0, 0};
    int wnd = src_md->ndims;
    for (int i = 1; i < wnd; i++)
        wdims[i] = src_md->dims[i];
    dnnl_dim_t bdims[1] = {l->out_c};
    dnnl_dim_t ddims[2] = {layer->n, l->out_c};
    dnnl_memory_desc_t w_any, b_md, d_md;
    hml_status s;
    if ((s = onednn_md(&w_any, wnd, wdims, dnnl_format_tag_any, err)) ||
        (s = onednn_md(&b_md, 1, bdims, dnnl_x, err)) ||
        (s = onednn_md(&d_md, 2, ddims, dnnl_nc, err)))
        return s;

    dnnl_inner_product_desc_t desc;
    ONEDNN_TRY(err,
               dnnl_inner_product_forward_desc_init(&desc, dnnl_forward_training, src_md,
                                                    weights_md ? weights_md : &w_any, &b_md,
                                                    &d_md),
               "oneDNN inner product forward descriptor");
    if ((s = create_forward(ctx, layer, &desc, "oneDNN inner product forward", err)))
        return s;

    const dnnl_memory_desc_t *src = query_md(layer->fwd_pd, dnnl_query_src_md);
    const dnnl_memory_desc_t *w = query_md(layer->fwd_pd, dnnl_query_weights_md);
    const dnnl_memory_desc_t *dst = query_md(layer->fwd_pd, dnnl_query_dst_md);
    if (layer->backward_data) {
        ONEDNN_TRY(err, dnnl_inner_product_backward_data_desc_init(&desc, src, &w_any, dst),
                   "oneDNN inner product backward-data descriptor");
        if ((s = onednn_primitive(ctx, &desc, NULL, layer->fwd_pd, &layer->bwd_data_pd,
                                  &layer->bwd_data, "oneDNN inner product backward data", err)) ||
            (s = create_weights_reorder(ctx, layer, w, err)))
            return s;
    }
    ONEDNN_TRY(err, dnnl_inner_product_backward_weights_desc_init(&desc, src, w, &b_md, dst),
               "oneDNN inner product backward-weights descriptor");
    return onednn_primitive(ctx, &desc, NULL, layer->fwd_pd, &layer->bwd_weights_pd,
                            &layer->bwd_weights, "oneDNN inner product backward weights", err);
}

static hml_status create_pool(const onednn_ctx *ctx, onednn_layer *layer,
                              const dnnl_memory_desc_t *src_md, hml_err *err)
{
    const nn_layer_spec *l = layer->spec;
    dnnl_dim_t ddims[4] = {layer->n, l->out_c, l->out_h, l->out_w};
    dnnl_dims_t strides = {l->stride, l->stride};
    dnnl_dims_t kernel = {l->kernel, l->kernel};
    /* 13 -> 6 drops the last row and column (floor), as Keras and PyTorch
     * do: (13 - 2 + 0) / 2 + 1 = 6 with no right padding. */
    dnnl_dims_t pad = {0, 0};
    dnnl_memory_desc_t d_any;
    hml_status s;
    if ((s = onednn_md(&d_any, 4, ddims, dnnl_format_tag_any, err)))
        return s;
    dnnl_pooling_desc_t desc;
    ONEDNN_TRY(err,
               dnnl_pooling_forward_desc_init(&desc, dnnl_forward_training, dnnl_pooling_max,
                                              src_md, &d_any, strides, kernel, pad, pad),
               "oneDNN pooling forward descriptor");
    if ((s = onednn_primitive(ctx, &desc, NULL, NULL, &layer->fwd_pd, &layer->fwd,
                              "oneDNN pooling forward", err)))
        return s;
    const dnnl_memory_desc_t *src = query_md(layer->fwd_pd, dnnl_query_src_md);
    const dnnl_memory_desc_t *dst = query_md(layer->fwd_pd, dnnl_query_dst_md);
    const dnnl_memory_desc_t *ws = query_md(layer->fwd_pd, dnnl_query_workspace_md);
    if (ws && ws->ndims > 0 && (s = onednn_memory(ctx, ws, NULL, &layer->workspace, err)))
        return s;
    if (!layer->backward_data)
        return HML_OK;
    ONEDNN_TRY(err,
               dnnl_pooling_backward_desc_init(&desc, dnnl_pooling_max, src, dst, strides, kernel,
                                               pad, pad),
               "oneDNN pooling backward descriptor");
    return onednn_primitive(ctx, &desc, NULL, layer->fwd_pd, &layer->bwd_data_pd,
                            &layer->bwd_data, "oneDNN pooling backward", err);
}

hml_status onednn_layer_create(const onednn_ctx *ctx, onednn_layer *layer,
                               const nn_layer_spec *spec, int n, const dnnl_memory_desc_t *src_md,
                               const dnnl_memory_desc_t *weights_md, bool backward_data,
                               hml_err *err)
{
    memset(layer, 0, sizeof *layer);
    layer->spec = spec;
    layer->n = n;
    layer->backward_data = backward_data;
    hml_status s;
    switch (spec->kind) {
    case NN_LAYER_CONV: s = create_conv(ctx, layer, src_md, weights_md, err); break;
    case NN_LAYER_DENSE: s = create_dense(ctx, layer, src_md, weights_md, err); break;
    case NN_LAYER_MAXPOOL: s = create_pool(ctx, layer, src_md, err); break;
    default: s = hml_fail(err, HML_EINTERNAL, "unknown layer kind %d", (int)spec->kind);
    }
    if (s == HML_OK && spec->relu)
        s = create_relu_backward(ctx, layer, err);
    if (s == HML_OK)
        s = onednn_memory(ctx, onednn_layer_dst_md(layer), NULL, &layer->dst, err);
    if (s == HML_OK && backward_data)
        s = onednn_memory(ctx, onednn_layer_src_md(layer), NULL, &layer->diff_src, err);
    if (s != HML_OK) {
        hml_wrap(err, "%s (batch %d)", spec->name, n);
        onednn_layer_destroy(layer);
    }
    return s;
}

const dnnl_memory_desc_t *onednn_layer_src_md(const onednn_layer *layer)
{
    return query_md(layer->fwd_pd, dnnl_query_src_md);
}

const dnnl_memory_desc_t *onednn_layer_dst_md(const onednn_layer *layer)
{
    return query_md(layer->fwd_pd, dnnl_query_dst_md);
}

const dnnl_memory_desc_t *onednn_layer_weights_md(const onednn_layer *layer)
{
    return query_md(layer->fwd_pd, dnnl_query_weights_md);
}

const dnnl_memory_desc_t *onednn_layer_bias_md(const onednn_layer *layer)
{
    return dnnl_primitive_desc_query_md(layer->fwd_pd, dnnl_query_weights_md, 1);
}

hml_status onednn_layer_bind_params(const onednn_ctx *ctx, onednn_layer *layer, float *weights,
                                    float *bias, float *diff_weights, float *diff_bias,
                                    hml_err *err)
{
    if (layer->spec->kind == NN_LAYER_MAXPOOL)
        return HML_OK;
    const dnnl_memory_desc_t *w = onednn_layer_weights_md(layer);
    const dnnl_memory_desc_t *b = onednn_layer_bias_md(layer);
    hml_status s;
    if ((s = onednn_memory(ctx, w, weights, &layer->weights, err)) ||
        (s = onednn_memory(ctx, b, bias, &layer->bias, err)) ||
        (s = onednn_memory(ctx, w, diff_weights, &layer->diff_weights, err)) ||
        (s = onednn_memory(ctx, b, diff_bias, &layer->diff_bias, err)))
        return s;
    return HML_OK;
}

void onednn_layer_link(onednn_layer *layer, dnnl_memory_t src, dnnl_memory_t diff_dst)
{
    layer->src = src;
    layer->diff_dst = diff_dst;
}

hml_status onednn_layer_forward(const onednn_ctx *ctx, onednn_layer *layer, hml_err *err)
{
    if (layer->spec->kind == NN_LAYER_MAXPOOL) {
        dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, layer->src},
                                  {DNNL_ARG_DST, layer->dst},
                                  {DNNL_ARG_WORKSPACE, layer->workspace}};
        return onednn_execute(ctx, layer->fwd, layer->workspace ? 3 : 2, args,
                              layer->spec->name, err);
    }
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, layer->src},
                              {DNNL_ARG_WEIGHTS, layer->weights},
                              {DNNL_ARG_BIAS, layer->bias},
                              {DNNL_ARG_DST, layer->dst}};
    return onednn_execute(ctx, layer->fwd, 4, args, layer->spec->name, err);
}

hml_status onednn_layer_backward(const onednn_ctx *ctx, onednn_layer *layer, hml_err *err)
{
    const char *name = layer->spec->name;
    hml_status s;
    if (layer->relu_bwd) {
        dnnl_exec_arg_t args[] = {{DNNL_ARG_DST, layer->dst},
                                  {DNNL_ARG_DIFF_DST, layer->diff_dst},
                                  {DNNL_ARG_DIFF_SRC, layer->diff_dst}};
        if ((s = onednn_execute(ctx, layer->relu_bwd, 3, args, name, err)))
            return s;
    }
    if (layer->spec->kind == NN_LAYER_MAXPOOL) {
        if (!layer->bwd_data)
            return HML_OK;
        dnnl_exec_arg_t args[] = {{DNNL_ARG_DIFF_DST, layer->diff_dst},
                                  {DNNL_ARG_DIFF_SRC, layer->diff_src},
                                  {DNNL_ARG_WORKSPACE, layer->workspace}};
        return onednn_execute(ctx, layer->bwd_data, layer->workspace ? 3 : 2, args, name, err);
    }
    if (layer->bwd_data) {
        dnnl_memory_t weights = layer->weights;
        if (layer->weights_reorder) {
            dnnl_exec_arg_t rargs[] = {{DNNL_ARG_FROM, layer->weights},
                                       {DNNL_ARG_TO, layer->weights_bwd_data}};
            if ((s = onednn_execute(ctx, layer->weights_reorder, 2, rargs, name, err)))
                return s;
            weights = layer->weights_bwd_data;
        }
        dnnl_exec_arg_t args[] = {{DNNL_ARG_DIFF_DST, layer->diff_dst},
                                  {DNNL_ARG_WEIGHTS, weights},
                                  {DNNL_ARG_DIFF_SRC, layer->diff_src}};
        if ((s = onednn_execute(ctx, layer->bwd_data, 3, args, name, err)))
            return s;
    }
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, layer->src},
                              {DNNL_ARG_DIFF_DST, layer->diff_dst},
                              {DNNL_ARG_DIFF_WEIGHTS, layer->diff_weights},
                              {DNNL_ARG_DIFF_BIAS, layer->diff_bias}};
    return onednn_execute(ctx, layer->bwd_weights, 4, args, name, err);
}

static size_t memory_bytes(dnnl_memory_t mem)
{
    const dnnl_memory_desc_t *md = NULL;
    if (!mem || dnnl_memory_get_memory_desc(mem, &md) != dnnl_success)
        return 0;
    return dnnl_memory_desc_get_size(md);
}

size_t onednn_layer_footprint_bytes(const onednn_layer *layer)
{
    return memory_bytes(layer->dst) + memory_bytes(layer->workspace) +
           memory_bytes(layer->diff_src) + memory_bytes(layer->weights_bwd_data);
}

void onednn_layer_describe(const onednn_layer *layer, char *buf, size_t size)
{
    snprintf(buf, size, "%s n=%d fwd=%s bwd_data=%s%s bwd_weights=%s relu_bwd=%s",
             layer->spec->name, layer->n, onednn_impl_name(layer->fwd_pd),
             layer->bwd_data_pd ? onednn_impl_name(layer->bwd_data_pd) : "-",
             layer->weights_reorder ? "(+weights reorder)" : "",
             layer->bwd_weights_pd ? onednn_impl_name(layer->bwd_weights_pd) : "-",
             layer->relu_bwd_pd ? onednn_impl_name(layer->relu_bwd_pd) : "-");
}

void onednn_layer_destroy(onednn_layer *layer)
{
    dnnl_primitive_t prims[] = {layer->fwd, layer->bwd_data, layer->bwd_weights, layer->relu_bwd,
                                layer->weights_reorder};
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    dnnl_primitive_desc_t pds[] = {layer->fwd_pd, layer->bwd_data_pd, layer->bwd_weights_pd,
                                   layer->relu_bwd_pd};
    for (size_t i = 0; i < sizeof pds / sizeof pds[0]; i++)
        if (pds[i])
            dnnl_primitive_desc_destroy(pds[i]);
    dnnl_memory_t mems[] = {layer->weights_bwd_data, layer->dst, layer->workspace, layer->diff_src,
                            layer->weights, layer->bias,         layer->diff_weights,
                            layer->diff_bias};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    memset(layer, 0, sizeof *layer);
}
