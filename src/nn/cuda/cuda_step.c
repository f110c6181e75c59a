/* The cuda backend's steps (cuda_step.h). */
#include "nn/cuda/cuda_step.h"

#include "nn/cuda/cuda_try.h"

static const float one = 1.0f, zero = 0.0f;

/* After an operation was enqueued: the profiler's mark (cuda_profile.h). */
static void mark(cuda_context *cx, int layer, cuda_op op)
{
    cuda_profile_mark(&cx->prof, cx->stream, layer, op);
}

/* act[0] (and labels) -> act[NN_LAYER_COUNT] = logits. */
hml_status cuda_step_forward(cuda_model *m, cuda_plan *p, hml_err *err)
{
    cuda_context *cx = m->cx;
    const nn_layer_spec *layers = nn_layer_specs();
    const int n = p->n;
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        const nn_layer_spec *l = &layers[i];
        const int spatial = l->out_h * l->out_w;
        if (l->kind == NN_LAYER_CONV && cx->opt.fused && l->relu && !p->unfused[i]) {
            /* y = ReLU(conv(x) + bias); z (alpha2 = 0) is not read. Where cuDNN
             * does not run it (on the first, eager run), this layer stays
             * unfused from then on, noted; any error but a refusal is the
             * unfused call's to report again. */
            const cuda_conv *c = &p->conv[i];
            cudnnStatus_t st = cx->api.cudnnConvolutionBiasActivationForward(
                cx->cudnn, &one, p->act_desc[i], p->act[i], c->w_desc,
                param_ptr(m, l->weight_tensor), c->fwd_desc, c->fwd_algo, p->workspace,
                p->workspace_bytes, &zero, p->act_desc[i + 1], p->act[i + 1], p->bias_desc[i],
                param_ptr(m, l->weight_tensor + 1), cx->relu, p->act_desc[i + 1], p->act[i + 1]);
            if (st == CUDNN_STATUS_SUCCESS) {
                mark(cx, i, OP_CONV_FWD);
                continue;
            }
            p->unfused[i] = true;
            cuda_details_note(&cx->det,
                              "batch of %d: %s: fused conv+bias+ReLU (algorithm %d) "
                              "%s by cuDNN (%s): unfused",
                              n, l->name, (int)c->fwd_algo,
                              conv_status_is_refusal((int)st) ? "refused" : "failed",
                              cx->api.cudnnGetErrorString(st));
        }
        if (l->kind == NN_LAYER_CONV) {
            const cuda_conv *c = &p->conv[i];
            CUDNN_TRY(cx, l->name,
                      cx->api.cudnnConvolutionForward(
                          cx->cudnn, &one, p->act_desc[i], p->act[i], c->w_desc,
                          param_ptr(m, l->weight_tensor), c->fwd_desc, c->fwd_algo, p->workspace,
                          p->workspace_bytes, &zero, p->act_desc[i + 1], p->act[i + 1]));
            mark(cx, i, OP_CONV_FWD);
        } else if (l->kind == NN_LAYER_MAXPOOL) {
            CUDNN_TRY(cx, l->name,
                      cx->api.cudnnPoolingForward(cx->cudnn, p->pool_desc[i], &one, p->act_desc[i],
                                                  p->act[i], &zero, p->act_desc[i + 1],
                                                  p->act[i + 1]));
            mark(cx, i, OP_POOL_FWD);
            continue;
        } else {
            /* y (n, O) = x (n, I) W^T: column-major, y^T = op_T(W) x^T. */
            const int in = l->in_c * l->in_h * l->in_w, out_f = l->out_c;
            CUBLAS_TRY(cx, l->name,
                       cx->api.cublasSgemm_v2(cx->cublas, CUBLAS_OP_T, CUBLAS_OP_N, out_f, n, in,
                                              &one, param_ptr(m, l->weight_tensor), in, p->act[i],
                                              in, &zero, p->act[i + 1], out_f));
            mark(cx, i, OP_GEMM_FWD);
        }
        CUDA_TRY(l->name, cuda_bias_act_forward(cx->stream, p->act[i + 1],
                                                param_ptr(m, l->weight_tensor + 1), n, l->out_c,
                                                spatial, l->relu));
        mark(cx, i, OP_BIAS_ACT);
    }
    return HML_OK;
}

/* dact[NN_LAYER_COUNT] = dL/dlogits -> grads (canonical). */
hml_status cuda_step_backward(cuda_model *m, cuda_plan *p, hml_err *err)
{
    cuda_context *cx = m->cx;
    const nn_layer_spec *layers = nn_layer_specs();
    const int n = p->n;
    bool bias_done = false; /* layer i's ReLU and bias backward were fused into the pooling's */
    for (int i = NN_LAYER_COUNT - 1; i >= 0; i--) {
        const nn_layer_spec *l = &layers[i];
        if (l->kind == NN_LAYER_MAXPOOL && p->pool_fused[i]) {
            /* dact[i] = the conv layer's pre-ReLU gradient; its bias gradient too. */
            const nn_layer_spec *conv = &layers[i - 1];
            CUDA_TRY(l->name, cuda_pool_relu_bias_backward(
                                  cx->stream, p->act[i], p->dact[i + 1], p->dact[i],
                                  grad_ptr(m, conv->weight_tensor + 1), p->bias_partial,
                                  p->bias_partial_floats, n, l->in_c, l->in_h, l->in_w, l->out_h,
                                  l->out_w, conv->relu));
            mark(cx, i, OP_POOL_RELU_BIAS_BWD);
            bias_done = true;
            continue;
        }
        if (l->kind == NN_LAYER_CONV && p->wgrad_own[i]) {
            CUDA_TRY(l->name, cuda_wgrad_small(cx->stream, p->act[i], p->dact[i + 1], p->act[i + 1],
                                               grad_ptr(m, l->weight_tensor),
                                               grad_ptr(m, l->weight_tensor + 1), p->bias_partial,
                                               p->bias_partial_floats, n, l->in_h, l->in_w, l->pad,
                                               l->out_c, l->out_h, l->out_w, l->relu));
            mark(cx, i, OP_WGRAD_OWN);
            continue; /* the input layer: no data gradient */
        }
        if (l->kind == NN_LAYER_MAXPOOL) {
            CUDNN_TRY(cx, l->name,
                      cx->api.cudnnPoolingBackward(
                          cx->cudnn, p->pool_desc[i], &one, p->act_desc[i + 1], p->act[i + 1],
                          p->act_desc[i + 1], p->dact[i + 1], p->act_desc[i], p->act[i], &zero,
                          p->act_desc[i], p->dact[i]));
            mark(cx, i, OP_POOL_BWD);
            continue;
        }
        /* Through the ReLU (in place) and the bias, unless the pooling's
         * kernel after this layer did it. */
        if (bias_done) {
            bias_done = false;
        } else {
            const int spatial = l->out_h * l->out_w;
            float *db = grad_ptr(m, l->weight_tensor + 1);
            if (cx->opt.bias_grad == NN_CUDA_BIAS_GRAD_TILED && spatial == 1)
                CUDA_TRY(l->name, cuda_relu_bias_backward_dense_tiled(cx->stream, p->dact[i + 1],
                                                                      p->act[i + 1], db, n,
                                                                      l->out_c, l->relu));
            else if (cx->opt.bias_grad != NN_CUDA_BIAS_GRAD_SINGLE)
                CUDA_TRY(l->name, cuda_relu_bias_backward_split(cx->stream, p->dact[i + 1],
                                                                p->act[i + 1], db, p->bias_partial,
                                                                n, l->out_c, spatial, l->relu));
            else
                CUDA_TRY(l->name, cuda_relu_bias_backward(cx->stream, p->dact[i + 1], p->act[i + 1],
                                                          db, n, l->out_c, spatial, l->relu));
            mark(cx, i, OP_RELU_BIAS_BWD);
        }
        if (l->kind == NN_LAYER_CONV) {
            const cuda_conv *c = &p->conv[i];
            CUDNN_TRY(cx, l->name,
                      cx->api.cudnnConvolutionBackwardFilter(
                          cx->cudnn, &one, p->act_desc[i], p->act[i], p->act_desc[i + 1],
                          p->dact[i + 1], c->bwd_filter_desc, c->bwd_filter_algo, p->workspace,
                          p->workspace_bytes, &zero, c->w_desc, grad_ptr(m, l->weight_tensor)));
            mark(cx, i, OP_BWD_FILTER);
            if (i > 0) {
                CUDNN_TRY(cx, l->name,
                          cx->api.cudnnConvolutionBackwardData(
                              cx->cudnn, &one, c->w_desc, param_ptr(m, l->weight_tensor),
                              p->act_desc[i + 1], p->dact[i + 1], c->bwd_data_desc,
                              c->bwd_data_algo, p->workspace, p->workspace_bytes, &zero,
                              p->act_desc[i], p->dact[i]));
                mark(cx, i, OP_BWD_DATA);
            }
        } else {
            const int in = l->in_c * l->in_h * l->in_w, out_f = l->out_c;
            /* dW (O, I) = dy^T x: column-major, dW^T (I, O) = x^T dy. */
            CUBLAS_TRY(cx, l->name,
                       cx->api.cublasSgemm_v2(cx->cublas, CUBLAS_OP_N, CUBLAS_OP_T, in, out_f, n,
                                              &one, p->act[i], in, p->dact[i + 1], out_f, &zero,
                                              grad_ptr(m, l->weight_tensor), in));
            mark(cx, i, OP_GEMM_DW);
            /* dx (n, I) = dy W: column-major, dx^T = W^T dy^T. */
            if (i > 0) {
                CUBLAS_TRY(cx, l->name,
                           cx->api.cublasSgemm_v2(cx->cublas, CUBLAS_OP_N, CUBLAS_OP_N, in, n,
                                                  out_f, &one, param_ptr(m, l->weight_tensor), in,
                                                  p->dact[i + 1], out_f, &zero, p->dact[i], in));
                mark(cx, i, OP_GEMM_DX);
            }
        }
    }
    return HML_OK;
}

static hml_status update(cuda_model *m, hml_err *err)
{
    cuda_context *cx = m->cx;
    const nn_optimizer_config *o = &m->cfg.optimizer;
    if (o->kind == NN_OPT_SGD)
        CUDA_TRY("sgd", cuda_sgd_update(cx->stream, m->params, m->grads, m->moment1, NN_PARAM_COUNT,
                                        o->lr, o->momentum));
    else
        CUDA_TRY("adam", cuda_adam_update(cx->stream, m->params, m->grads, m->moment1, m->moment2,
                                          NN_PARAM_COUNT, m->state, o->beta1, o->beta2, o->eps));
    mark(cx, -1, OP_UPDATE);
    return HML_OK;
}

/* One step on the plan's act[0]/labels: train (forward, loss, backward,
 * update) or evaluate (forward, loss into the state's sums); then the
 * state advances. */
static hml_status step_body(cuda_model *m, cuda_plan *p, bool train, hml_err *err)
{
    cuda_context *cx = m->cx;
    if (cuda_step_forward(m, p, err) != HML_OK)
        return err->status;
    CUDA_TRY("loss",
             cuda_softmax_xent(cx->stream, p->act[NN_LAYER_COUNT], p->labels, p->n, NN_CLASSES,
                               train ? p->dact[NN_LAYER_COUNT] : NULL, m->losses, m->state));
    mark(cx, -1, OP_LOSS);
    if (train && (cuda_step_backward(m, p, err) != HML_OK || update(m, err) != HML_OK))
        return err->status;
    const nn_optimizer_config *o = &m->cfg.optimizer;
    CUDA_TRY("advance", cuda_step_advance(cx->stream, m->state, train, o->lr, o->beta1, o->beta2));
    mark(cx, -1, OP_ADVANCE);
    return HML_OK;
}

static hml_status capture(cuda_model *m, cuda_plan *p, bool train, hml_err *err)
{
    cuda_context *cx = m->cx;
    cudaGraph_t graph = NULL;
    CUDA_TRY("cudaStreamBeginCapture",
             cudaStreamBeginCapture(cx->stream, cudaStreamCaptureModeThreadLocal));
    hml_err inner = {0};
    hml_status st = step_body(m, p, train, &inner);
    cudaError_t rc = cudaStreamEndCapture(cx->stream, &graph);
    if (st == HML_OK && rc == cudaSuccess)
        rc = cudaGraphInstantiate(&p->graph[train], graph, 0);
    if (graph)
        cudaGraphDestroy(graph);
    if (st != HML_OK || rc != cudaSuccess) {
        /* Not capturable here (a library call refused): run this plan
         * eagerly from now on. Clear the sticky launch error, if any. */
        p->graph[train] = NULL;
        p->graph_failed[train] = true;
        cuda_details_note(&cx->det,
                          "batch of %d: the %s step could not be captured in a CUDA "
                          "graph (%s): eager launches",
                          p->n, train ? "training" : "evaluation",
                          st != HML_OK ? inner.msg : cudaGetErrorString(rc));
        cudaGetLastError();
    }
    return HML_OK;
}

/* Runs a step: eagerly the first time (the libraries load their kernels
 * then), from the captured graph afterwards. */
hml_status cuda_step_run(cuda_model *m, cuda_plan *p, bool train, hml_err *err)
{
    cuda_context *cx = m->cx;
    const bool profiled = cx->prof.active;
    if (cx->opt.graphs && !profiled && !p->graph_failed[train] && p->eager_runs[train] > 0) {
        if (!p->graph[train]) {
            const double t = cuda_wall_now();
            if (capture(m, p, train, err) != HML_OK)
                return err->status;
            cuda_timing_add(cx,
                            train ? "graph capture + instantiate (train)"
                                  : "graph capture + instantiate (eval)",
                            cuda_wall_now() - t);
        }
        if (p->graph[train]) {
            CUDA_TRY("cudaGraphLaunch", cudaGraphLaunch(p->graph[train], cx->stream));
            return HML_OK;
        }
    }
    if (p->eager_runs[train]++ == 0 && !profiled) {
        /* The first run of a plan: cuDNN and cuBLAS load their kernels.
         * Timed alone: the steps already queued are waited for first. */
        CUDA_TRY("first step", cudaStreamSynchronize(cx->stream));
        const double t = cuda_wall_now();
        hml_status st = step_body(m, p, train, err);
        if (st == HML_OK)
            CUDA_TRY("first step", cudaStreamSynchronize(cx->stream));
        cuda_timing_add(cx, train ? "first step, eager (train)" : "first step, eager (eval)",
                        cuda_wall_now() - t);
        return st;
    }
    return step_body(m, p, train, err);
}

hml_status cuda_step_reset_batch_index(cuda_model *m, bool reset_eval_sums, hml_err *err)
{
    cuda_context *cx = m->cx;
    CUDA_TRY("cudaMemsetAsync", cudaMemsetAsync(&m->state->batch, 0, sizeof(int), cx->stream));
    if (reset_eval_sums) {
        CUDA_TRY("cudaMemsetAsync",
                 cudaMemsetAsync(&m->state->correct, 0, sizeof(int), cx->stream));
        CUDA_TRY("cudaMemsetAsync",
                 cudaMemsetAsync(&m->state->loss_sum, 0, sizeof(double), cx->stream));
    }
    return HML_OK;
}

hml_status cuda_step_upload_batch(cuda_model *m, cuda_plan *p, const float *x,
                                  const int32_t *labels, int n, hml_err *err)
{
    cuda_context *cx = m->cx;
    CUDA_TRY("copy x", cudaMemcpyAsync(p->act[0], x, (size_t)n * NN_INPUT_SIZE * sizeof(float),
                                       cudaMemcpyHostToDevice, cx->stream));
    CUDA_TRY("copy labels", cudaMemcpyAsync(p->labels, labels, (size_t)n * sizeof(int32_t),
                                            cudaMemcpyHostToDevice, cx->stream));
    return HML_OK;
}

/* Drops every captured graph (they hold device pointers that are about to
 * change); the next steps capture them again. */
void cuda_step_drop_graphs(cuda_model *m)
{
    for (int i = 0; i < m->plan_count; i++)
        for (int g = 0; g < 2; g++)
            if (m->plans[i]->graph[g]) {
                cudaGraphExecDestroy(m->plans[i]->graph[g]);
                m->plans[i]->graph[g] = NULL;
            }
}
