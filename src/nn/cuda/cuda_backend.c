/* The cuda backend: the reference CNN (model_spec.h) on one NVIDIA GPU,
 * behind nn/backend.h. This file is the interface; the rooms behind it:
 *   cuda_context.c  the process's GPU context (libraries, handles, stream);
 *   cuda_plan.c     per batch size: descriptors and memory;
 *   cuda_conv_choice.c  the cuDNN algorithm of each convolution direction;
 *   cuda_step.c     forward, backward, update, CUDA graphs;
 *   cuda_profile.c  per-operation GPU times (bench/cuda_train --profile);
 *   cuda_report.c   the text report for benchmark drivers;
 *   cuda_config.c   the options (nn_model_config.cuda) and their names.
 *
 * Its defaults are the fastest deterministic configuration measured on an
 * H200 (docs/gpu.md, bench/gpu-explore.sh): cuDNN algorithms from a fixed
 * table per GPU architecture (the heuristics' pick for conv2's weight
 * gradient is 13x slower), conv+bias+ReLU in one cuDNN call, every step
 * replayed from a CUDA graph, plain fp32 like the cpu backend, and the
 * gradient path bench/gpu-check.sh verified (grad_defaults.h): split bias
 * gradients, cuDNN's weight gradient and cuDNN's pooling backward. Each
 * departure (cuda_config.h) is named in the backend string.
 *
 * Determinism: same inputs, same options, same GPU and libraries give
 * bit-identical results; only --cuda-algo find may pick another algorithm
 * in another process when two are about equally fast. What was chosen, and
 * how, is in the result's "cuda" object (details_json). */
#include "nn/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "data/dataset.h"
#include "nn/cuda/cuda_context.h"
#include "nn/cuda/cuda_details.h"
#include "nn/cuda/cuda_kernels.h"
#include "nn/cuda/cuda_model.h"
#include "nn/cuda/cuda_plan.h"
#include "nn/cuda/cuda_step.h"
#include "nn/cuda/cuda_try.h"
#include "nn/model_spec.h"

static cuda_model *as_cuda(nn_model *m)
{
    return (cuda_model *)m;
}

static hml_status cuda_available(hml_err *err)
{
    return cuda_context_available(cuda_context_of_process(), err);
}

static void cuda_describe(const nn_model_config *cfg, char *buf, size_t size)
{
    gpu_libs_need need = cuda_api_need();
    const gpu_libs *libs = gpu_libs_probe_once(&need);
    const char *version = libs->lib[GPU_LIB_CUDNN].version;
    char departures[160];
    nn_cuda_config_name(&cfg->cuda, departures, sizeof departures);
    snprintf(buf, size, "cudnn-%s%s", version[0] ? version : "unavailable", departures);
}

static hml_status check_labels(const int32_t *labels, int n, hml_err *err)
{
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= NN_CLASSES)
            return hml_fail(err, HML_EUSAGE, "cuda: label %d of image %d is not in 0..9", labels[i],
                            i);
    return HML_OK;
}

/* ---- the interface --------------------------------------------------------------------- */

static void cuda_destroy(nn_model *model)
{
    cuda_model *m = as_cuda(model);
    if (!m)
        return;
    cuda_context *cx = m->cx;
    if (cx->ready)
        cudaStreamSynchronize(cx->stream);
    for (int i = 0; i < m->plan_count; i++)
        cuda_plan_destroy(cx, m->plans[i]);
    cudaFree(m->block);
    cudaFree(m->state);
    cudaFree(m->losses);
    cudaFree(m->order);
    cudaFree(m->data[0]);
    cudaFree(m->data[1]);
    free(m);
}

static void initial_state(const nn_optimizer_config *o, cuda_step_state *s)
{
    memset(s, 0, sizeof *s);
    s->adam_step = nn_adam_step_size(o, 1); /* step 1's, as nn_adam_update's */
}

static hml_status cuda_create(const nn_model_config *cfg, const float *initial_params,
                              nn_model **out, hml_err *err)
{
    *out = NULL;
    if (cfg->batch < 1)
        return hml_fail(err, HML_EUSAGE, "cuda: batch must be >= 1, not %d", cfg->batch);
    cuda_context *cx = cuda_context_of_process();
    if (cuda_context_init(cx, &cfg->cuda, err) != HML_OK)
        return err->status;
    const double t_create = cuda_wall_now();
    cuda_model *m = calloc(1, sizeof *m);
    if (!m)
        return hml_fail(err, HML_ESYSTEM, "cuda: out of memory");
    m->cx = cx;
    m->cfg = *cfg;
    hml_status st = HML_OK;
    const size_t param_bytes = (size_t)NN_PARAM_COUNT * sizeof(float);
    if ((st = cuda_device_alloc((void **)&m->block, 4 * param_bytes, &m->bytes, err)) != HML_OK)
        goto fail;
    m->params = m->block;
    m->grads = m->block + NN_PARAM_COUNT;
    m->moment1 = m->block + 2 * (size_t)NN_PARAM_COUNT;
    m->moment2 = m->block + 3 * (size_t)NN_PARAM_COUNT;
    cuda_step_state state;
    initial_state(&cfg->optimizer, &state);
    if ((st = cuda_device_alloc((void **)&m->state, sizeof state, &m->bytes, err)) != HML_OK ||
        (st = cuda_device_alloc((void **)&m->losses, sizeof(float), &m->bytes, err)) != HML_OK)
        goto fail;
    m->losses_cap = 1;
    {
        cudaError_t rc = cudaMemcpyAsync(m->params, initial_params, param_bytes,
                                         cudaMemcpyHostToDevice, cx->stream);
        if (rc == cudaSuccess)
            rc = cudaMemsetAsync(m->grads, 0, 3 * param_bytes, cx->stream);
        if (rc == cudaSuccess)
            rc =
                cudaMemcpyAsync(m->state, &state, sizeof state, cudaMemcpyHostToDevice, cx->stream);
        if (rc == cudaSuccess)
            rc = cudaStreamSynchronize(cx->stream);
        if (rc != cudaSuccess) {
            st = hml_fail(err, HML_ESYSTEM, "cuda: model upload: %s", cudaGetErrorString(rc));
            goto fail;
        }
    }
    cuda_plan *plan;
    if ((st = cuda_plan_for(m, cfg->batch, &plan, err)) != HML_OK)
        goto fail;
    cuda_timing_add(cx, "create (after the context: parameters, first plan)",
                    cuda_wall_now() - t_create);
    *out = (nn_model *)m;
    return HML_OK;
fail:
    cuda_destroy((nn_model *)m);
    return st;
}

static hml_status cuda_prepare_batch(nn_model *model, int n, hml_err *err)
{
    cuda_plan *p;
    return cuda_plan_for(as_cuda(model), n, &p, err);
}

static hml_status cuda_train_step(nn_model *model, const float *x, const int32_t *labels, int n,
                                  float *loss, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_context *cx = m->cx;
    cuda_plan *p;
    if (check_labels(labels, n, err) != HML_OK || cuda_plan_for(m, n, &p, err) != HML_OK ||
        cuda_step_reset_batch_index(m, false, err) != HML_OK ||
        cuda_step_upload_batch(m, p, x, labels, n, err) != HML_OK ||
        cuda_step_run(m, p, true, err) != HML_OK)
        return err->status;
    CUDA_TRY("copy loss",
             cudaMemcpyAsync(loss, m->losses, sizeof(float), cudaMemcpyDeviceToHost, cx->stream));
    CUDA_TRY("train step", cudaStreamSynchronize(cx->stream));
    return HML_OK;
}

static hml_status read_eval_sums(cuda_model *m, int *correct, double *loss_sum, hml_err *err)
{
    cuda_context *cx = m->cx;
    cuda_step_state s;
    CUDA_TRY("copy state",
             cudaMemcpyAsync(&s, m->state, sizeof s, cudaMemcpyDeviceToHost, cx->stream));
    CUDA_TRY("evaluate", cudaStreamSynchronize(cx->stream));
    *correct = s.correct;
    *loss_sum = s.loss_sum;
    return HML_OK;
}

static hml_status cuda_evaluate(nn_model *model, const float *x, const int32_t *labels, int n,
                                int *correct, double *loss_sum, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_plan *p;
    if (check_labels(labels, n, err) != HML_OK || cuda_plan_for(m, n, &p, err) != HML_OK ||
        cuda_step_reset_batch_index(m, true, err) != HML_OK ||
        cuda_step_upload_batch(m, p, x, labels, n, err) != HML_OK ||
        cuda_step_run(m, p, false, err) != HML_OK)
        return err->status;
    return read_eval_sums(m, correct, loss_sum, err);
}

static hml_status cuda_gradients(nn_model *model, const float *x, const int32_t *labels, int n,
                                 float *logits, float *loss, float *grads, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_context *cx = m->cx;
    cuda_plan *p;
    if (check_labels(labels, n, err) != HML_OK || cuda_plan_for(m, n, &p, err) != HML_OK ||
        cuda_step_reset_batch_index(m, false, err) != HML_OK ||
        cuda_step_upload_batch(m, p, x, labels, n, err) != HML_OK ||
        cuda_step_forward(m, p, err) != HML_OK)
        return err->status;
    CUDA_TRY("loss", cuda_softmax_xent(cx->stream, p->act[NN_LAYER_COUNT], p->labels, n, NN_CLASSES,
                                       p->dact[NN_LAYER_COUNT], m->losses, m->state));
    if (cuda_step_backward(m, p, err) != HML_OK)
        return err->status;
    if (logits)
        CUDA_TRY("copy logits", cudaMemcpyAsync(logits, p->act[NN_LAYER_COUNT],
                                                (size_t)n * NN_CLASSES * sizeof(float),
                                                cudaMemcpyDeviceToHost, cx->stream));
    if (loss)
        CUDA_TRY("copy loss", cudaMemcpyAsync(loss, m->losses, sizeof(float),
                                              cudaMemcpyDeviceToHost, cx->stream));
    if (grads)
        CUDA_TRY("copy grads",
                 cudaMemcpyAsync(grads, m->grads, (size_t)NN_PARAM_COUNT * sizeof(float),
                                 cudaMemcpyDeviceToHost, cx->stream));
    CUDA_TRY("gradients", cudaStreamSynchronize(cx->stream));
    return HML_OK;
}

static hml_status cuda_get_params(nn_model *model, float *params, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_context *cx = m->cx;
    CUDA_TRY("copy params",
             cudaMemcpyAsync(params, m->params, (size_t)NN_PARAM_COUNT * sizeof(float),
                             cudaMemcpyDeviceToHost, cx->stream));
    CUDA_TRY("get params", cudaStreamSynchronize(cx->stream));
    return HML_OK;
}

static hml_status cuda_set_params(nn_model *model, const float *params, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_context *cx = m->cx;
    CUDA_TRY("copy params",
             cudaMemcpyAsync(m->params, params, (size_t)NN_PARAM_COUNT * sizeof(float),
                             cudaMemcpyHostToDevice, cx->stream));
    CUDA_TRY("set params", cudaStreamSynchronize(cx->stream));
    return HML_OK;
}

static size_t cuda_footprint_bytes(const nn_model *model)
{
    const cuda_model *m = (const cuda_model *)model;
    size_t total = m->bytes;
    for (int i = 0; i < m->plan_count; i++)
        total += m->plans[i]->bytes;
    return total;
}

static hml_status cuda_upload_data(nn_model *model, int which, const struct data_set *set,
                                   hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_context *cx = m->cx;
    if (which != NN_DATA_TRAIN && which != NN_DATA_TEST)
        return hml_fail(err, HML_EINTERNAL, "cuda: upload_data: no data slot %d", which);
    if (m->data[which]) {
        m->bytes -= m->data_count[which] * DATA_RECORD_BYTES;
        cudaFree(m->data[which]);
        m->data[which] = NULL;
        m->data_count[which] = 0;
    }
    if (!set->count)
        return HML_OK;
    const size_t bytes = set->count * DATA_RECORD_BYTES;
    const double t = cuda_wall_now();
    if (cuda_device_alloc((void **)&m->data[which], bytes, &m->bytes, err) != HML_OK)
        return err->status;
    CUDA_TRY("upload data", cudaMemcpyAsync(m->data[which], set->records, bytes,
                                            cudaMemcpyHostToDevice, cx->stream));
    CUDA_TRY("upload data", cudaStreamSynchronize(cx->stream));
    cuda_timing_add(cx, which == NN_DATA_TRAIN ? "upload_data (train)" : "upload_data (test)",
                    cuda_wall_now() - t);
    m->data_count[which] = set->count;
    return HML_OK;
}

/* Grows a device array to hold `need` elements of `size` bytes. */
static hml_status ensure_capacity(cuda_model *m, void **ptr, size_t *cap, size_t need, size_t size,
                                  hml_err *err)
{
    cuda_context *cx = m->cx;
    if (*cap >= need)
        return HML_OK;
    CUDA_TRY("cudaStreamSynchronize", cudaStreamSynchronize(cx->stream));
    cuda_step_drop_graphs(m);
    cudaFree(*ptr);
    m->bytes -= *cap * size;
    *cap = 0;
    if (cuda_device_alloc(ptr, need * size, &m->bytes, err) != HML_OK)
        return err->status;
    *cap = need;
    return HML_OK;
}

static hml_status cuda_train_batches(nn_model *model, const uint32_t *order, size_t first,
                                     size_t count, float *losses, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_context *cx = m->cx;
    if (!m->data[NN_DATA_TRAIN])
        return hml_fail(err, HML_EINTERNAL, "cuda: train_batches before upload_data");
    if (!count)
        return HML_OK;
    /* An index past the set would read outside the device copy: refuse. */
    for (size_t i = 0; i < count; i++)
        if (order[first + i] >= m->data_count[NN_DATA_TRAIN])
            return hml_fail(err, HML_EINTERNAL, "cuda: order[%zu] = %u is past the %zu images",
                            first + i, order[first + i], m->data_count[NN_DATA_TRAIN]);
    const size_t batch = (size_t)m->cfg.batch;
    const size_t batches = (count + batch - 1) / batch;
    if (ensure_capacity(m, (void **)&m->order, &m->order_cap, count, sizeof(uint32_t), err) !=
            HML_OK ||
        ensure_capacity(m, (void **)&m->losses, &m->losses_cap, batches, sizeof(float), err) !=
            HML_OK)
        return err->status;
    CUDA_TRY("copy order", cudaMemcpyAsync(m->order, order + first, count * sizeof(uint32_t),
                                           cudaMemcpyHostToDevice, cx->stream));
    if (cuda_step_reset_batch_index(m, false, err) != HML_OK)
        return err->status;
    for (size_t k = 0; k < batches; k++) {
        const int n = (int)(k + 1 < batches ? batch : count - k * batch);
        cuda_plan *p;
        if (cuda_plan_for(m, n, &p, err) != HML_OK)
            return err->status;
        if (cx->opt.profile && n == m->cfg.batch &&
            cuda_profile_begin(&cx->prof, cx->stream, n, err) != HML_OK)
            return err->status;
        CUDA_TRY("gather", cuda_gather_images(cx->stream, m->data[NN_DATA_TRAIN], m->order,
                                              m->state, (int)batch, n, p->act[0], p->labels));
        cuda_profile_mark(&cx->prof, cx->stream, -1, OP_GATHER);
        if (cuda_step_run(m, p, true, err) != HML_OK || cuda_profile_end(&cx->prof, err) != HML_OK)
            return err->status;
    }
    CUDA_TRY("copy losses", cudaMemcpyAsync(losses, m->losses, batches * sizeof(float),
                                            cudaMemcpyDeviceToHost, cx->stream));
    CUDA_TRY("train", cudaStreamSynchronize(cx->stream));
    return HML_OK;
}

static hml_status cuda_evaluate_batches(nn_model *model, size_t first, size_t count, int *correct,
                                        double *loss_sum, hml_err *err)
{
    cuda_model *m = as_cuda(model);
    cuda_context *cx = m->cx;
    *correct = 0;
    *loss_sum = 0.0;
    if (!m->data[NN_DATA_TEST])
        return hml_fail(err, HML_EINTERNAL, "cuda: evaluate_batches before upload_data");
    if (first > m->data_count[NN_DATA_TEST] || count > m->data_count[NN_DATA_TEST] - first)
        return hml_fail(err, HML_EINTERNAL, "cuda: test images %zu..%zu past the %zu uploaded",
                        first, first + count, m->data_count[NN_DATA_TEST]);
    if (!count)
        return HML_OK;
    const size_t batch = (size_t)m->cfg.batch;
    const size_t batches = (count + batch - 1) / batch;
    const uint8_t *records = m->data[NN_DATA_TEST] + first * DATA_RECORD_BYTES;
    if (cuda_step_reset_batch_index(m, true, err) != HML_OK)
        return err->status;
    for (size_t k = 0; k < batches; k++) {
        const int n = (int)(k + 1 < batches ? batch : count - k * batch);
        cuda_plan *p;
        if (cuda_plan_for(m, n, &p, err) != HML_OK)
            return err->status;
        CUDA_TRY("gather", cuda_gather_images(cx->stream, records, NULL, m->state, (int)batch, n,
                                              p->act[0], p->labels));
        if (cuda_step_run(m, p, false, err) != HML_OK)
            return err->status;
    }
    return read_eval_sums(m, correct, loss_sum, err);
}

static hml_status cuda_details_json_of(const nn_model *model, char **json, hml_err *err)
{
    (void)model; /* the choices are the process's (every model makes the same) */
    const cuda_context *cx = cuda_context_of_process();
    *json = NULL;
    if (!cx->ready)
        return HML_OK;
    return cuda_details_json(&cx->det, json, err);
}

static const nn_backend cuda_backend = {
    .device = "cuda",
    .available = cuda_available,
    .describe = cuda_describe,
    .create = cuda_create,
    .prepare_batch = cuda_prepare_batch,
    .train_step = cuda_train_step,
    .evaluate = cuda_evaluate,
    .gradients = cuda_gradients,
    .get_params = cuda_get_params,
    .set_params = cuda_set_params,
    .footprint_bytes = cuda_footprint_bytes,
    .destroy = cuda_destroy,
    .upload_data = cuda_upload_data,
    .train_batches = cuda_train_batches,
    .evaluate_batches = cuda_evaluate_batches,
    .details_json = cuda_details_json_of,
};

const nn_backend *nn_backend_cuda(void)
{
    return &cuda_backend;
}
