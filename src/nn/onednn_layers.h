/* The reference CNN's layers on oneDNN: one onednn_layer per row of
 * model_spec.h's table, owning its forward and backward primitives.
 *
 * Activations stay in the layouts oneDNN picks (format_tag any: nChw16c
 * blocks for the convolutions here); a layer's dst is the next layer's src,
 * and its diff_src the previous layer's diff_dst, so no reorders happen
 * between layers. ReLU is a post-op of the forward convolution / inner
 * product; its backward is an in-place eltwise (relu_use_dst_for_bwd) on
 * diff_dst before the layer's own backward. Weights live in the layout the
 * forward primitive picks; backward-weights is created with that same
 * layout, so gradients and weights line up element for element (the
 * optimizer then runs over flat arrays). Backward-data picks its own weight
 * layout (oneDNN 2.6 falls back to its slow reference kernel when forced to
 * the forward's), fed by a small weights reorder per step. */
#ifndef HMLCOST_NN_ONEDNN_LAYERS_H
#define HMLCOST_NN_ONEDNN_LAYERS_H

#include <stdbool.h>

#include "nn/model_spec.h"
#include "nn/onednn_util.h"

typedef struct onednn_layer {
    const nn_layer_spec *spec;
    int n;              /* batch size the primitives are built for */
    bool backward_data; /* compute diff_src (not for the first layer: its input is data) */
    dnnl_primitive_desc_t fwd_pd, bwd_data_pd, bwd_weights_pd, relu_bwd_pd;
    dnnl_primitive_t fwd, bwd_data, bwd_weights, relu_bwd;
    dnnl_memory_t dst, workspace, diff_src;               /* owned */
    dnnl_memory_t src, diff_dst;                          /* borrowed (onednn_layer_link) */
    dnnl_memory_t weights, bias, diff_weights, diff_bias; /* owned objects over the model's arrays */
    dnnl_primitive_t weights_reorder; /* forward -> backward-data weight layout, when they differ */
    dnnl_memory_t weights_bwd_data;   /* owned; the reorder's output */
} onednn_layer;

/* Builds the primitives for a batch of n images. src_md: the input's
 * layout (may be format_tag any for the first layer: query the choice with
 * onednn_layer_src_md). weights_md: NULL to let oneDNN choose, else the
 * layout to use (so plans for other batch sizes share the weights). */
hml_status onednn_layer_create(const onednn_ctx *ctx, onednn_layer *layer,
                               const nn_layer_spec *spec, int n, const dnnl_memory_desc_t *src_md,
                               const dnnl_memory_desc_t *weights_md, bool backward_data,
                               hml_err *err);

const dnnl_memory_desc_t *onednn_layer_src_md(const onednn_layer *layer);
const dnnl_memory_desc_t *onednn_layer_dst_md(const onednn_layer *layer);
/* Weight and bias layouts (conv and dense only). */
const dnnl_memory_desc_t *onednn_layer_weights_md(const onednn_layer *layer);
const dnnl_memory_desc_t *onednn_layer_bias_md(const onednn_layer *layer);

/* Points the layer's parameter memories at the model's arrays (each of
 * dnnl_memory_desc_get_size(weights_md) / bias_md bytes). */
hml_status onednn_layer_bind_params(const onednn_ctx *ctx, onednn_layer *layer, float *weights,
                                    float *bias, float *diff_weights, float *diff_bias,
                                    hml_err *err);

/* src: the previous layer's dst (or the input); diff_dst: the next layer's
 * diff_src (or the loss gradient). Both must have this layer's layouts. */
void onednn_layer_link(onednn_layer *layer, dnnl_memory_t src, dnnl_memory_t diff_dst);

hml_status onednn_layer_forward(const onednn_ctx *ctx, onednn_layer *layer, hml_err *err);

/* ReLU backward (in place on diff_dst), then diff_src (when
 * backward_data) and the parameter gradients (overwritten, not summed). */
hml_status onednn_layer_backward(const onednn_ctx *ctx, onednn_layer *layer, hml_err *err);

/* Bytes of the memories the layer owns (activations, workspaces). */
size_t onednn_layer_footprint_bytes(const onednn_layer *layer);

/* "conv1 fwd brgconv:avx512_core ..." for diagnostics (HMLCOST_ONEDNN_IMPL). */
void onednn_layer_describe(const onednn_layer *layer, char *buf, size_t size);

void onednn_layer_destroy(onednn_layer *layer);

#endif
