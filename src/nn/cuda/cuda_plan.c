/* The cuda backend's plans (cuda_plan.h): descriptors and memory for one
 * batch size; the algorithms come from cuda_conv_choice.c. */
#include "nn/cuda/cuda_plan.h"

#include <stdlib.h>

#include "nn/cuda/cuda_conv_choice.h"
#include "nn/cuda/cuda_kernels.h"
#include "nn/cuda/cuda_try.h"
#include "nn/cuda/own_grad.h"

static size_t act_floats(const nn_layer_spec *layers, int i, int n)
{
    /* act[0] is the input; act[i + 1] layer i's output. */
    if (i == 0)
        return (size_t)n * NN_INPUT_SIZE;
    const nn_layer_spec *l = &layers[i - 1];
    return (size_t)n * (size_t)l->out_c * (size_t)l->out_h * (size_t)l->out_w;
}

void cuda_plan_destroy(cuda_context *cx, cuda_plan *p)
{
    if (!p)
        return;
    const nn_layer_spec *layers = nn_layer_specs();
    for (int g = 0; g < 2; g++)
        if (p->graph[g])
            cudaGraphExecDestroy(p->graph[g]);
    for (int i = 0; i <= NN_LAYER_COUNT; i++) {
        if (p->act_desc[i])
            cx->api.cudnnDestroyTensorDescriptor(p->act_desc[i]);
        cudaFree(p->act[i]);
        cudaFree(p->dact[i]);
    }
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        if (layers[i].kind == NN_LAYER_CONV) {
            cuda_conv *c = &p->conv[i];
            if (c->w_desc)
                cx->api.cudnnDestroyFilterDescriptor(c->w_desc);
            if (c->fwd_desc)
                cx->api.cudnnDestroyConvolutionDescriptor(c->fwd_desc);
            if (c->bwd_data_desc)
                cx->api.cudnnDestroyConvolutionDescriptor(c->bwd_data_desc);
            if (c->bwd_filter_desc)
                cx->api.cudnnDestroyConvolutionDescriptor(c->bwd_filter_desc);
        }
        if (p->pool_desc[i])
            cx->api.cudnnDestroyPoolingDescriptor(p->pool_desc[i]);
        if (p->bias_desc[i])
            cx->api.cudnnDestroyTensorDescriptor(p->bias_desc[i]);
    }
    cudaFree(p->labels);
    cudaFree(p->bias_partial);
    cudaFree(p->workspace);
    free(p);
}

static hml_status conv_descriptor(cuda_context *cx, cudnnConvolutionDescriptor_t *desc,
                                  const nn_layer_spec *l, hml_err *err)
{
    CUDNN_TRY(cx, "cudnnCreateConvolutionDescriptor",
              cx->api.cudnnCreateConvolutionDescriptor(desc));
    CUDNN_TRY(cx, "cudnnSetConvolution2dDescriptor",
              cx->api.cudnnSetConvolution2dDescriptor(*desc, l->pad, l->pad, l->stride, l->stride,
                                                      1, 1, CUDNN_CROSS_CORRELATION,
                                                      CUDNN_DATA_FLOAT));
    CUDNN_TRY(cx, "cudnnSetConvolutionMathType",
              cx->api.cudnnSetConvolutionMathType(*desc, cx->opt.tf32 ? CUDNN_DEFAULT_MATH
                                                                      : CUDNN_FMA_MATH));
    return HML_OK;
}

static hml_status plan_build(cuda_model *m, cuda_plan *p, int n, hml_err *err)
{
    cuda_context *cx = m->cx;
    const double t0 = cuda_wall_now();
    const nn_layer_spec *layers = nn_layer_specs();
    const bool full = n == m->cfg.batch, record = full && !cx->recorded;
    p->n = n;
    for (int i = 0; i <= NN_LAYER_COUNT; i++) {
        int c = NN_INPUT_C, h = NN_INPUT_H, w = NN_INPUT_W;
        if (i > 0) {
            c = layers[i - 1].out_c;
            h = layers[i - 1].out_h;
            w = layers[i - 1].out_w;
        }
        CUDNN_TRY(cx, "cudnnCreateTensorDescriptor",
                  cx->api.cudnnCreateTensorDescriptor(&p->act_desc[i]));
        CUDNN_TRY(cx, "cudnnSetTensor4dDescriptor",
                  cx->api.cudnnSetTensor4dDescriptor(p->act_desc[i], CUDNN_TENSOR_NCHW,
                                                     CUDNN_DATA_FLOAT, n, c, h, w));
        size_t bytes = act_floats(layers, i, n) * sizeof(float);
        if (cuda_device_alloc((void **)&p->act[i], bytes, &p->bytes, err) != HML_OK)
            return err->status;
        if (i > 0 && cuda_device_alloc((void **)&p->dact[i], bytes, &p->bytes, err) != HML_OK)
            return err->status;
    }
    /* Which layers our fused gradient kernels take (own_grad.h), and their scratch. */
    p->bias_partial_floats = BIAS_PARTIAL_FLOATS;
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        const nn_layer_spec *l = &layers[i];
        /* The input layer only: the kernel makes no data gradient. */
        p->wgrad_own[i] = cx->opt.wgrad_own && i == 0 && l->kind == NN_LAYER_CONV &&
                          wgrad_supported(l->in_c, l->in_h, l->in_w, l->kernel, l->stride, l->pad,
                                          l->out_h, l->out_w);
        if (p->wgrad_own[i] && cuda_wgrad_partial_floats(n, l->out_c) > p->bias_partial_floats)
            p->bias_partial_floats = cuda_wgrad_partial_floats(n, l->out_c);
        /* A pooling layer right after a conv layer (its input is that layer's output). */
        p->pool_fused[i] = cx->opt.pool_fused && i > 0 && l->kind == NN_LAYER_MAXPOOL &&
                           layers[i - 1].kind == NN_LAYER_CONV &&
                           pool_fused_supported(l->kernel, l->stride, l->pad, l->in_h, l->in_w,
                                                l->out_h, l->out_w);
    }
    if (cuda_device_alloc((void **)&p->labels, (size_t)n * sizeof(int32_t), &p->bytes, err) !=
            HML_OK ||
        cuda_device_alloc((void **)&p->bias_partial, p->bias_partial_floats * sizeof(float),
                          &p->bytes, err) != HML_OK)
        return err->status;
    cuda_find_scratch find_ws = {0};
    if (cx->opt.algo == CONV_POLICY_FIND && cuda_find_scratch_alloc(cx, &find_ws, err) != HML_OK)
        return err->status;
    hml_status st = HML_OK;
    conv_algo_record recs[CONV_DIRS];
    const double t_desc = cuda_wall_now();
    for (int i = 0; i < NN_LAYER_COUNT && st == HML_OK; i++) {
        const nn_layer_spec *l = &layers[i];
        if (l->kind == NN_LAYER_CONV) {
            cuda_conv *c = &p->conv[i];
            cudnnStatus_t cs = cx->api.cudnnCreateFilterDescriptor(&c->w_desc);
            if (cs == CUDNN_STATUS_SUCCESS)
                cs = cx->api.cudnnSetFilter4dDescriptor(c->w_desc, CUDNN_DATA_FLOAT,
                                                        CUDNN_TENSOR_NCHW, l->out_c, l->in_c,
                                                        l->kernel, l->kernel);
            if (cs == CUDNN_STATUS_SUCCESS)
                cs = cx->api.cudnnCreateTensorDescriptor(&p->bias_desc[i]);
            if (cs == CUDNN_STATUS_SUCCESS)
                cs = cx->api.cudnnSetTensor4dDescriptor(p->bias_desc[i], CUDNN_TENSOR_NCHW,
                                                        CUDNN_DATA_FLOAT, 1, l->out_c, 1, 1);
            if (cs != CUDNN_STATUS_SUCCESS)
                st = hml_fail(err, HML_ESYSTEM, "cudnn: %s descriptors: %s", l->name,
                              cx->api.cudnnGetErrorString(cs));
            else if (conv_descriptor(cx, &c->fwd_desc, l, err) != HML_OK ||
                     conv_descriptor(cx, &c->bwd_data_desc, l, err) != HML_OK ||
                     conv_descriptor(cx, &c->bwd_filter_desc, l, err) != HML_OK ||
                     cuda_conv_choose(m, p, i, &find_ws, recs, err) != HML_OK)
                st = err->status;
            else
                cuda_conv_record_choices(cx, recs, record, n);
        } else if (l->kind == NN_LAYER_MAXPOOL) {
            cudnnStatus_t cs = cx->api.cudnnCreatePoolingDescriptor(&p->pool_desc[i]);
            if (cs == CUDNN_STATUS_SUCCESS)
                cs = cx->api.cudnnSetPooling2dDescriptor(
                    p->pool_desc[i], CUDNN_POOLING_MAX_DETERMINISTIC, CUDNN_NOT_PROPAGATE_NAN,
                    l->kernel, l->kernel, l->pad, l->pad, l->stride, l->stride);
            if (cs != CUDNN_STATUS_SUCCESS)
                st = hml_fail(err, HML_ESYSTEM, "cudnn: %s pooling descriptor: %s", l->name,
                              cx->api.cudnnGetErrorString(cs));
        }
    }
    cuda_find_scratch_free(&find_ws);
    if (st != HML_OK) {
        if (record)
            cx->det.record_count = 0;
        return st;
    }
    if (record)
        cx->recorded = true;
    cuda_timing_add(cx, full ? "plan (full batch): algorithms" : "plan (another size): algorithms",
                    cuda_wall_now() - t_desc);
    if (p->workspace_bytes &&
        cuda_device_alloc(&p->workspace, p->workspace_bytes, &p->bytes, err) != HML_OK)
        return err->status;
    cuda_timing_add(cx, full ? "plan (full batch): total" : "plan (another size): total",
                    cuda_wall_now() - t0);
    return HML_OK;
}

hml_status cuda_plan_for(cuda_model *m, int n, cuda_plan **out, hml_err *err)
{
    if (n < 1 || n > m->cfg.batch)
        return hml_fail(err, HML_EUSAGE, "cuda: batch of %d images (the model takes 1..%d)", n,
                        m->cfg.batch);
    for (int i = 0; i < m->plan_count; i++)
        if (m->plans[i]->n == n) {
            *out = m->plans[i];
            return HML_OK;
        }
    if (m->plan_count == MAX_PLANS)
        return hml_fail(err, HML_EINTERNAL, "cuda: more than %d batch sizes", MAX_PLANS);
    cuda_plan *p = calloc(1, sizeof *p);
    if (!p)
        return hml_fail(err, HML_ESYSTEM, "cuda: out of memory");
    if (plan_build(m, p, n, err) != HML_OK) {
        cuda_plan_destroy(m->cx, p);
        return err->status;
    }
    m->plans[m->plan_count++] = p;
    *out = p;
    return HML_OK;
}
