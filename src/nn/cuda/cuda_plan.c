/* The cuda backend's plans (cuda_plan.h): descriptors, memory and the
 * cuDNN algorithms for one batch size. */
#include "nn/cuda/cuda_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/cuda/cuda_kernels.h"
#include "nn/cuda/cuda_try.h"
#include "nn/cuda/own_grad.h"

/* The most workspace one convolution direction may take. */
static const size_t conv_workspace_limit = (size_t)1 << 30;
/* cudnnFind's scratch: algorithms needing more are not timed. */
static const size_t find_workspace_bytes = (size_t)256 << 20;

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

/* Whether an algorithm's math suits the mode: plain fp32 excludes tensor ops. */
static bool math_allowed(const cuda_context *cx, cudnnMathType_t math)
{
    return cx->opt.tf32 ||
           (math != CUDNN_TENSOR_OP_MATH && math != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
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

/* One algorithm's figures in a form common to cuDNN's three *AlgoPerf_t
 * types (directions: conv_dir of conv_algos.h). */
typedef struct algo_perf {
    int algo;
    cudnnStatus_t status;
    float time_ms; /* cudnnFind only; -1 for heuristics */
    size_t memory;
    cudnnDeterminism_t determinism;
    cudnnMathType_t math;
} algo_perf;
enum { MAX_ALGOS = 16 };

#define COPY_PERFS(src, count, out, is_find)                                                       \
    for (int k_ = 0; k_ < (count); k_++)                                                           \
        (out)[k_] = (algo_perf){                                                                   \
            (int)(src)[k_].algo, (src)[k_].status,      (is_find) ? (src)[k_].time : -1.0f,        \
            (src)[k_].memory,    (src)[k_].determinism, (src)[k_].mathType};

/* cudnnFind's scratch: a workspace and an output for backward-filter (the
 * trials must not write into the model's gradients). */
typedef struct find_scratch {
    void *workspace;
    float *dw; /* the largest conv weight */
} find_scratch;

/* cuDNN's candidates for one direction of conv layer i, best first: its
 * heuristics' order, or (find) cudnnFind's measured times. */
static hml_status conv_candidates(cuda_model *m, cuda_plan *p, int i, conv_dir dir, bool find,
                                  const find_scratch *find_ws, algo_perf *out, int *count,
                                  hml_err *err)
{
    cuda_context *cx = m->cx;
    const nn_layer_spec *l = &nn_layer_specs()[i];
    cuda_conv *c = &p->conv[i];
    cudnnTensorDescriptor_t x = p->act_desc[i], y = p->act_desc[i + 1];
    int got = 0;
    if (dir == CONV_FWD) {
        cudnnConvolutionFwdAlgoPerf_t r[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        if (find)
            CUDNN_TRY(cx, "cudnnFindConvolutionForwardAlgorithmEx",
                      cx->api.cudnnFindConvolutionForwardAlgorithmEx(
                          cx->cudnn, x, p->act[i], c->w_desc, param_ptr(m, l->weight_tensor),
                          c->fwd_desc, y, p->act[i + 1], CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, r,
                          find_ws->workspace, find_workspace_bytes));
        else
            CUDNN_TRY(cx, "cudnnGetConvolutionForwardAlgorithm_v7",
                      cx->api.cudnnGetConvolutionForwardAlgorithm_v7(
                          cx->cudnn, x, c->w_desc, c->fwd_desc, y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                          &got, r));
        COPY_PERFS(r, got, out, find)
    } else if (dir == CONV_BWD_DATA) {
        cudnnConvolutionBwdDataAlgoPerf_t r[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        if (find)
            CUDNN_TRY(cx, "cudnnFindConvolutionBackwardDataAlgorithmEx",
                      cx->api.cudnnFindConvolutionBackwardDataAlgorithmEx(
                          cx->cudnn, c->w_desc, param_ptr(m, l->weight_tensor), y, p->dact[i + 1],
                          c->bwd_data_desc, x, p->dact[i], CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                          &got, r, find_ws->workspace, find_workspace_bytes));
        else
            CUDNN_TRY(cx, "cudnnGetConvolutionBackwardDataAlgorithm_v7",
                      cx->api.cudnnGetConvolutionBackwardDataAlgorithm_v7(
                          cx->cudnn, c->w_desc, y, c->bwd_data_desc, x,
                          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, r));
        COPY_PERFS(r, got, out, find)
    } else {
        cudnnConvolutionBwdFilterAlgoPerf_t r[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        if (find)
            CUDNN_TRY(cx, "cudnnFindConvolutionBackwardFilterAlgorithmEx",
                      cx->api.cudnnFindConvolutionBackwardFilterAlgorithmEx(
                          cx->cudnn, x, p->act[i], y, p->dact[i + 1], c->bwd_filter_desc, c->w_desc,
                          find_ws->dw, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got, r,
                          find_ws->workspace, find_workspace_bytes));
        else
            CUDNN_TRY(cx, "cudnnGetConvolutionBackwardFilterAlgorithm_v7",
                      cx->api.cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                          cx->cudnn, x, y, c->bwd_filter_desc, c->w_desc,
                          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got, r));
        COPY_PERFS(r, got, out, find)
    }
    *count = got < MAX_ALGOS ? got : MAX_ALGOS;
    return HML_OK;
}

/* cudnnGet*WorkspaceSize of `algo` for one direction of conv layer i; the
 * status is returned, not raised (a refusal is an answer here). */
static cudnnStatus_t conv_workspace(cuda_context *cx, cuda_plan *p, int i, conv_dir dir, int algo,
                                    size_t *bytes)
{
    cuda_conv *c = &p->conv[i];
    cudnnTensorDescriptor_t x = p->act_desc[i], y = p->act_desc[i + 1];
    *bytes = 0;
    if (dir == CONV_FWD)
        return cx->api.cudnnGetConvolutionForwardWorkspaceSize(
            cx->cudnn, x, c->w_desc, c->fwd_desc, y, (cudnnConvolutionFwdAlgo_t)algo, bytes);
    if (dir == CONV_BWD_DATA)
        return cx->api.cudnnGetConvolutionBackwardDataWorkspaceSize(
            cx->cudnn, c->w_desc, y, c->bwd_data_desc, x, (cudnnConvolutionBwdDataAlgo_t)algo,
            bytes);
    return cx->api.cudnnGetConvolutionBackwardFilterWorkspaceSize(
        cx->cudnn, x, y, c->bwd_filter_desc, c->w_desc, (cudnnConvolutionBwdFilterAlgo_t)algo,
        bytes);
}

static void conv_set_algo(cuda_conv *c, conv_dir dir, int algo)
{
    if (dir == CONV_FWD)
        c->fwd_algo = (cudnnConvolutionFwdAlgo_t)algo;
    else if (dir == CONV_BWD_DATA)
        c->bwd_data_algo = (cudnnConvolutionBwdDataAlgo_t)algo;
    else
        c->bwd_filter_algo = (cudnnConvolutionBwdFilterAlgo_t)algo;
}

/* A fixed algorithm (pinned or from the table) for one direction, if cuDNN
 * takes it for this shape: rec filled, or rec->rejected_* set and the
 * caller asks cuDNN instead. Any failure of the workspace query counts as
 * a refusal (recorded with its status): a real fault of the library shows
 * again in the heuristics' own calls, which report it. */
static void conv_try_fixed(cuda_context *cx, cuda_plan *p, int i, conv_dir dir, int algo,
                           conv_algo_source source, conv_algo_record *rec)
{
    size_t bytes = 0;
    cudnnStatus_t st = conv_workspace(cx, p, i, dir, algo, &bytes);
    if (st == CUDNN_STATUS_SUCCESS && bytes <= conv_workspace_limit) {
        conv_set_algo(&p->conv[i], dir, algo);
        rec->algo = algo;
        rec->source = source;
        rec->workspace = bytes;
        return;
    }
    rec->rejected_algo = algo;
    if (st != CUDNN_STATUS_SUCCESS)
        snprintf(rec->rejected_why, sizeof rec->rejected_why, "%s: %s (%s)",
                 conv_status_is_refusal((int)st) ? "refused" : "failed",
                 cx->api.cudnnGetErrorString(st), conv_source_name(source));
    else
        snprintf(rec->rejected_why, sizeof rec->rejected_why,
                 "needs %zu bytes of workspace, over the %zu limit (%s)", bytes,
                 conv_workspace_limit, conv_source_name(source));
}

/* For each direction of conv layer i (conv_algos.h): a pinned algorithm,
 * else the table's (policy table, a table for this GPU), if cuDNN takes it
 * for this shape; otherwise cuDNN's candidates: with policy find,
 * cudnnFind's timings and the stable rule; else the heuristics' first
 * deterministic algorithm whose math suits the mode and whose workspace
 * fits. recs[dir] says what was chosen and how. */
static hml_status conv_choose(cuda_model *m, cuda_plan *p, int i, const find_scratch *find_ws,
                              conv_algo_record recs[CONV_DIRS], hml_err *err)
{
    cuda_context *cx = m->cx;
    const nn_layer_spec *l = &nn_layer_specs()[i];
    cuda_conv *c = &p->conv[i];
    const bool find = cx->opt.algo == CONV_POLICY_FIND;
    for (int d = 0; d < CONV_DIRS; d++) {
        const conv_dir dir = (conv_dir)d;
        conv_algo_record *rec = &recs[d];
        memset(rec, 0, sizeof *rec);
        rec->algo = -1;
        rec->find_ms = -1;
        rec->rejected_algo = -1;
        rec->dir = dir;
        snprintf(rec->layer, sizeof rec->layer, "%s", l->name);
        if (dir == CONV_BWD_DATA && i == 0)
            continue; /* conv1's input is data: no backward-data */
        rec->used = true;
        int fixed = conv_algo_pins_lookup(&cx->opt.pins, l->name, dir);
        conv_algo_source source = CONV_SOURCE_PINNED;
        if (fixed < 0 && cx->table) {
            fixed = conv_algo_table_lookup(cx->table, l->name, dir);
            source = CONV_SOURCE_TABLE;
        }
        if (fixed >= 0)
            conv_try_fixed(cx, p, i, dir, fixed, source, rec);
        if (rec->algo >= 0)
            continue;

        algo_perf perf[MAX_ALGOS];
        int count = 0, pick = -1;
        if (conv_candidates(m, p, i, dir, find, find_ws, perf, &count, err) != HML_OK)
            return err->status;
        conv_algo_trial trials[MAX_ALGOS];
        for (int k = 0; k < count; k++)
            trials[k] = (conv_algo_trial){.algo = perf[k].algo,
                                          .usable = perf[k].status == CUDNN_STATUS_SUCCESS &&
                                                    perf[k].determinism == CUDNN_DETERMINISTIC &&
                                                    conv_algo_deterministic(dir, perf[k].algo) &&
                                                    perf[k].memory <= conv_workspace_limit &&
                                                    math_allowed(cx, perf[k].math),
                                          .ms = perf[k].time_ms,
                                          .workspace = perf[k].memory};
        if (find) {
            pick = conv_algo_pick_stable(trials, count, CONV_FIND_TOLERANCE, CONV_FIND_SLACK_MS);
        } else {
            for (int k = 0; k < count && pick < 0; k++)
                if (trials[k].usable)
                    pick = k;
        }
        if (pick < 0)
            return hml_fail(err, HML_ESYSTEM, "cudnn: no deterministic %s algorithm for %s",
                            conv_dir_name(dir), l->name);
        cudnnConvolutionDescriptor_t desc = dir == CONV_FWD        ? c->fwd_desc
                                            : dir == CONV_BWD_DATA ? c->bwd_data_desc
                                                                   : c->bwd_filter_desc;
        if (cx->opt.tf32)
            CUDNN_TRY(cx, "cudnnSetConvolutionMathType",
                      cx->api.cudnnSetConvolutionMathType(desc, perf[pick].math));
        size_t bytes = 0;
        CUDNN_TRY(cx, "cudnnGetConvolution*WorkspaceSize",
                  conv_workspace(cx, p, i, dir, perf[pick].algo, &bytes));
        conv_set_algo(c, dir, perf[pick].algo);
        rec->algo = perf[pick].algo;
        rec->source = find ? CONV_SOURCE_FIND : CONV_SOURCE_HEURISTIC;
        rec->workspace = bytes;
        rec->find_ms = find ? (double)perf[pick].time_ms : -1.0;
    }
    for (int d = 0; d < CONV_DIRS; d++)
        if (recs[d].used && recs[d].workspace > p->workspace_bytes)
            p->workspace_bytes = recs[d].workspace;
    return HML_OK;
}

/* A layer's choices: into the details when they are the first full-batch
 * plan's (record); otherwise a refused table/pinned algorithm is noted. */
static void record_choices(cuda_context *cx, const conv_algo_record recs[CONV_DIRS], bool record,
                           int n)
{
    cuda_details *d = &cx->det;
    for (int k = 0; k < CONV_DIRS; k++) {
        const conv_algo_record *r = &recs[k];
        if (!r->used)
            continue;
        if (record && d->record_count < CUDA_DETAILS_RECORDS)
            d->records[d->record_count++] = *r;
        else if (!record && r->rejected_algo >= 0)
            cuda_details_note(d, "batch of %d: %s.%s algorithm %d not taken (%s); %s %d instead", n,
                              r->layer, conv_dir_name(r->dir), r->rejected_algo, r->rejected_why,
                              conv_source_name(r->source), r->algo);
    }
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
    find_scratch find_ws = {0};
    if (cx->opt.algo == CONV_POLICY_FIND) {
        /* The trials run on the handle's stream; nothing queued may still
         * be running (a plan for a new size is made between steps). */
        size_t max_weight = 0;
        for (int i = 0; i < NN_LAYER_COUNT; i++)
            if (layers[i].kind == NN_LAYER_CONV &&
                nn_param_specs()[layers[i].weight_tensor].count > max_weight)
                max_weight = nn_param_specs()[layers[i].weight_tensor].count;
        cudaError_t rc = cudaStreamSynchronize(cx->stream);
        if (rc == cudaSuccess)
            rc = cudaMalloc(&find_ws.workspace, find_workspace_bytes);
        if (rc == cudaSuccess)
            rc = cudaMalloc((void **)&find_ws.dw, max_weight * sizeof(float));
        if (rc != cudaSuccess) {
            cudaFree(find_ws.workspace);
            return hml_fail(err, HML_ESYSTEM, "cuda: cudnnFind's scratch (%zu bytes): %s",
                            find_workspace_bytes, cudaGetErrorString(rc));
        }
    }
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
                     conv_choose(m, p, i, &find_ws, recs, err) != HML_OK)
                st = err->status;
            else
                record_choices(cx, recs, record, n);
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
    if (find_ws.workspace) {
        cudaDeviceSynchronize();
        cudaFree(find_ws.workspace);
        cudaFree(find_ws.dw);
    }
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
