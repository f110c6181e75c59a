/* The cuda backend's choice of cuDNN algorithms (cuda_conv_choice.h). */
#include "nn/cuda/cuda_conv_choice.h"

#include <stdio.h>
#include <string.h>

#include "nn/cuda/cuda_try.h"

/* The most workspace one convolution direction may take. */
static const size_t conv_workspace_limit = (size_t)1 << 30;
/* cudnnFind's scratch: algorithms needing more are not timed. */
static const size_t find_workspace_bytes = (size_t)256 << 20;

hml_status cuda_find_scratch_alloc(cuda_context *cx, cuda_find_scratch *s, hml_err *err)
{
    /* The trials run on the handle's stream; nothing queued may still be
     * running (a plan for a new size is made between steps). */
    const nn_layer_spec *layers = nn_layer_specs();
    size_t max_weight = 0;
    for (int i = 0; i < NN_LAYER_COUNT; i++)
        if (layers[i].kind == NN_LAYER_CONV &&
            nn_param_specs()[layers[i].weight_tensor].count > max_weight)
            max_weight = nn_param_specs()[layers[i].weight_tensor].count;
    cudaError_t rc = cudaStreamSynchronize(cx->stream);
    if (rc == cudaSuccess)
        rc = cudaMalloc(&s->workspace, find_workspace_bytes);
    if (rc == cudaSuccess)
        rc = cudaMalloc((void **)&s->dw, max_weight * sizeof(float));
    if (rc != cudaSuccess) {
        cudaFree(s->workspace);
        s->workspace = NULL;
        return hml_fail(err, HML_ESYSTEM, "cuda: cudnnFind's scratch (%zu bytes): %s",
                        find_workspace_bytes, cudaGetErrorString(rc));
    }
    return HML_OK;
}

void cuda_find_scratch_free(cuda_find_scratch *s)
{
    if (!s->workspace)
        return;
    cudaDeviceSynchronize();
    cudaFree(s->workspace);
    cudaFree(s->dw);
    s->workspace = NULL;
    s->dw = NULL;
}

/* Whether an algorithm's math suits the mode: plain fp32 excludes tensor ops. */
static bool math_allowed(const cuda_context *cx, cudnnMathType_t math)
{
    return cx->opt.tf32 ||
           (math != CUDNN_TENSOR_OP_MATH && math != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
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

/* cuDNN's candidates for one direction of conv layer i, best first: its
 * heuristics' order, or (find) cudnnFind's measured times. */
static hml_status conv_candidates(cuda_model *m, cuda_plan *p, int i, conv_dir dir, bool find,
                                  const cuda_find_scratch *find_ws, algo_perf *out, int *count,
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
hml_status cuda_conv_choose(cuda_model *m, cuda_plan *p, int i, const cuda_find_scratch *find_ws,
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

void cuda_conv_record_choices(cuda_context *cx, const conv_algo_record recs[CONV_DIRS], bool record,
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
