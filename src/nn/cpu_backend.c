/* The cpu backend: the reference CNN on oneDNN (f32).
 *
 * A model holds four parameter-sized arrays in oneDNN's weight layouts
 * (parameters, gradients, and the optimizer's two moments), and one "plan"
 * per batch size: the layers' primitives and activation memories for
 * batches of exactly n images. Plans are made once (the full batch at
 * create, the last partial batch at prepare_batch) and reused every step:
 * the training loop allocates nothing. */
#include "nn/cpu_backend.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "nn/loss.h"
#include "nn/onednn_layers.h"

enum { MAX_PLANS = 8 };

/* Flatten between pool2 (blocked (n, 64, 6, 6)) and dense1 (plain
 * (n, 2304)): one small reorder each way (147 K floats at n = 64). */
typedef struct flatten_step {
    int layer;                  /* index of the dense layer that reads a 4-D input */
    dnnl_memory_t plain_4d;     /* (n, C, H, W) nchw, owns the buffer */
    dnnl_memory_t plain_2d;     /* (n, C*H*W) nc over the same buffer: the dense layer's src */
    dnnl_primitive_t forward;   /* previous layer's dst -> plain_4d */
    dnnl_memory_t diff_4d;      /* nchw view of the dense layer's diff_src */
    dnnl_memory_t diff_blocked; /* the previous layer's diff_dst, in its dst layout */
    dnnl_primitive_t backward;  /* diff_4d -> diff_blocked */
} flatten_step;

typedef struct cpu_plan {
    int n;
    onednn_layer layers[NN_LAYER_COUNT];
    flatten_step flatten;
    dnnl_memory_t input_user;       /* (n, 3, 32, 32) nchw over the caller's x */
    dnnl_memory_t input;            /* conv1's src: input_user, or a reordered copy */
    dnnl_primitive_t input_reorder; /* NULL when conv1 reads nchw directly */
    dnnl_memory_t logits_diff;      /* (n, 10) nc: dL/dlogits, dense2's diff_dst */
} cpu_plan;

typedef struct cpu_model {
    onednn_ctx ctx;
    nn_model_config cfg;
    float *arrays;       /* one mapping: params | grads | moment1 | moment2 */
    size_t arrays_bytes;
    float *params, *grads, *moment1, *moment2;
    size_t param_floats; /* per array, in oneDNN's layouts (>= NN_PARAM_COUNT: block padding) */
    size_t tensor_offset[NN_PARAM_TENSOR_COUNT];
    dnnl_memory_desc_t tensor_md[NN_PARAM_TENSOR_COUNT];
    long step;
    int plan_count;
    cpu_plan *plans[MAX_PLANS];
} cpu_model;

static cpu_model *as_cpu(nn_model *m) { return (cpu_model *)m; }

static hml_status cpu_available(hml_err *err)
{
    (void)err;
    return HML_OK;
}

static void cpu_describe(const nn_model_config *cfg, char *buf, size_t size)
{
    (void)cfg; /* the cpu backend has no choices to name */
    char version[32];
    onednn_version_string(version, sizeof version);
    snprintf(buf, size, "onednn-%s", version);
}

static void flatten_destroy(flatten_step *f)
{
    dnnl_primitive_t prims[] = {f->forward, f->backward};
    for (int i = 0; i < 2; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    dnnl_memory_t mems[] = {f->plain_2d, f->plain_4d, f->diff_4d, f->diff_blocked};
    for (int i = 0; i < 4; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    memset(f, 0, sizeof *f);
}

/* The flatten's memories and reorders, once the layers around it exist:
 * `blocked` is the previous layer's dst layout. */
static hml_status flatten_create(const onednn_ctx *ctx, flatten_step *f,
                                 const dnnl_memory_desc_t *blocked, const onednn_layer *dense,
                                 hml_err *err)
{
    dnnl_memory_desc_t plain;
    hml_status s;
    if ((s = onednn_md(&plain, 4, blocked->dims, dnnl_nchw, err)) ||
        (s = onednn_memory(ctx, &plain, NULL, &f->plain_4d, err)))
        return s;
    void *buffer = NULL, *diff = NULL;
    ONEDNN_TRY(err, dnnl_memory_get_data_handle(f->plain_4d, &buffer), "flatten buffer");
    ONEDNN_TRY(err, dnnl_memory_get_data_handle(dense->diff_src, &diff), "flatten gradient");
    if ((s = onednn_memory(ctx, onednn_layer_src_md(dense), buffer, &f->plain_2d, err)) ||
        (s = onednn_memory(ctx, &plain, diff, &f->diff_4d, err)) ||
        (s = onednn_memory(ctx, blocked, NULL, &f->diff_blocked, err)) ||
        (s = onednn_reorder_primitive(ctx, blocked, &plain, &f->forward, "flatten reorder", err)) ||
        (s = onednn_reorder_primitive(ctx, &plain, blocked, &f->backward, "unflatten reorder",
                                      err)))
        return s;
    return HML_OK;
}

static void plan_destroy(cpu_plan *plan)
{
    if (!plan)
        return;
    flatten_destroy(&plan->flatten);
    for (int i = 0; i < NN_LAYER_COUNT; i++)
        onednn_layer_destroy(&plan->layers[i]);
    if (plan->input_reorder)
        dnnl_primitive_destroy(plan->input_reorder);
    if (plan->input && plan->input != plan->input_user)
        dnnl_memory_destroy(plan->input);
    if (plan->input_user)
        dnnl_memory_destroy(plan->input_user);
    if (plan->logits_diff)
        dnnl_memory_destroy(plan->logits_diff);
    free(plan);
}

/* Builds the layers for batch n. The first plan (model->plan_count == 0)
 * lets oneDNN choose the weight layouts; later plans reuse them. */
static hml_status plan_create(cpu_model *model, int n, cpu_plan **out, hml_err *err)
{
    const onednn_ctx *ctx = &model->ctx;
    cpu_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return hml_fail(err, HML_ESYSTEM, "out of memory for a batch-%d plan", n);
    plan->n = n;
    const nn_layer_spec *specs = nn_layer_specs();
    bool first_plan = model->plan_count == 0;
    hml_status s;

    /* conv1 reads the data: it gets no backward-data primitive, and its
     * source layout is its own choice (reordered from nchw if needed). */
    dnnl_dim_t in_dims[4] = {n, NN_INPUT_C, NN_INPUT_H, NN_INPUT_W};
    dnnl_memory_desc_t in_any, in_user;
    if ((s = onednn_md(&in_any, 4, in_dims, dnnl_format_tag_any, err)) ||
        (s = onednn_md(&in_user, 4, in_dims, dnnl_nchw, err)))
        goto fail;
    const dnnl_memory_desc_t *src_md = &in_any;
    dnnl_memory_desc_t flat_md;
    plan->flatten.layer = -1;
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        const nn_layer_spec *l = &specs[i];
        const dnnl_memory_desc_t *w_md =
            (!first_plan && l->weight_tensor >= 0) ? &model->tensor_md[l->weight_tensor] : NULL;
        if (l->kind == NN_LAYER_DENSE && src_md->ndims == 4) {
            dnnl_dim_t flat_dims[2] = {n, l->in_c};
            if ((s = onednn_md(&flat_md, 2, flat_dims, dnnl_nc, err)))
                goto fail;
            plan->flatten.layer = i;
            src_md = &flat_md;
        }
        if ((s = onednn_layer_create(ctx, &plan->layers[i], l, n, src_md, w_md, i > 0, err)))
            goto fail;
        src_md = onednn_layer_dst_md(&plan->layers[i]);
    }
    if (plan->flatten.layer > 0) {
        int d = plan->flatten.layer;
        if ((s = flatten_create(ctx, &plan->flatten, onednn_layer_dst_md(&plan->layers[d - 1]),
                                &plan->layers[d], err)))
            goto fail;
    }

    /* No buffer yet: forward() points it at the caller's x every call. */
    dnnl_status_t ms = dnnl_memory_create(&plan->input_user, &in_user, ctx->engine, DNNL_MEMORY_NONE);
    if (ms != dnnl_success) {
        s = onednn_fail(err, ms, "input memory");
        goto fail;
    }
    const dnnl_memory_desc_t *conv1_src = onednn_layer_src_md(&plan->layers[0]);
    if (dnnl_memory_desc_equal(conv1_src, &in_user)) {
        plan->input = plan->input_user;
    } else if ((s = onednn_memory(ctx, conv1_src, NULL, &plan->input, err)) ||
               (s = onednn_reorder_primitive(ctx, &in_user, conv1_src, &plan->input_reorder,
                                             "input reorder", err))) {
        goto fail;
    }
    dnnl_dim_t logit_dims[2] = {n, NN_CLASSES};
    dnnl_memory_desc_t logit_md;
    if ((s = onednn_md(&logit_md, 2, logit_dims, dnnl_nc, err)) ||
        (s = onednn_memory(ctx, &logit_md, NULL, &plan->logits_diff, err)))
        goto fail;

    const int flat = plan->flatten.layer;
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        onednn_layer *layer = &plan->layers[i];
        dnnl_memory_t src = i == 0 ? plan->input
                            : i == flat ? plan->flatten.plain_2d
                                        : plan->layers[i - 1].dst;
        dnnl_memory_t diff_dst = i == NN_LAYER_COUNT - 1 ? plan->logits_diff
                                 : i + 1 == flat      ? plan->flatten.diff_blocked
                                                      : plan->layers[i + 1].diff_src;
        onednn_layer_link(layer, src, diff_dst);
    }
    *out = plan;
    return HML_OK;
fail:
    plan_destroy(plan);
    return s;
}

/* Points every plan layer's parameter memories into the model's arrays. */
static hml_status plan_bind(cpu_model *model, cpu_plan *plan, hml_err *err)
{
    const nn_layer_spec *specs = nn_layer_specs();
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        int w = specs[i].weight_tensor;
        if (w < 0)
            continue;
        onednn_layer *layer = &plan->layers[i];
        if (!dnnl_memory_desc_equal(onednn_layer_weights_md(layer), &model->tensor_md[w]) ||
            !dnnl_memory_desc_equal(onednn_layer_bias_md(layer), &model->tensor_md[w + 1]))
            return hml_fail(err, HML_EINTERNAL,
                            "%s: oneDNN chose another weight layout for batch %d", specs[i].name,
                            plan->n);
        size_t wo = model->tensor_offset[w], bo = model->tensor_offset[w + 1];
        hml_status s = onednn_layer_bind_params(&model->ctx, layer, model->params + wo,
                                                model->params + bo, model->grads + wo,
                                                model->grads + bo, err);
        if (s)
            return s;
    }
    return HML_OK;
}

static hml_status find_plan(cpu_model *model, int n, cpu_plan **out, hml_err *err)
{
    for (int i = 0; i < model->plan_count; i++)
        if (model->plans[i]->n == n) {
            *out = model->plans[i];
            return HML_OK;
        }
    if (n < 1 || n > model->cfg.batch)
        return hml_fail(err, HML_EINTERNAL, "batch of %d images, the model was built for 1..%d", n,
                        model->cfg.batch);
    if (model->plan_count == MAX_PLANS)
        return hml_fail(err, HML_EINTERNAL, "more than %d batch sizes in one model", MAX_PLANS);
    cpu_plan *plan = NULL;
    hml_status s = plan_create(model, n, &plan, err);
    if (s == HML_OK && model->plan_count > 0)
        s = plan_bind(model, plan, err);
    if (s) {
        plan_destroy(plan);
        return s;
    }
    model->plans[model->plan_count++] = plan;
    *out = plan;
    return HML_OK;
}

static dnnl_format_tag_t plain_tag(const dnnl_memory_desc_t *md)
{
    return md->ndims == 4 ? dnnl_abcd : md->ndims == 2 ? dnnl_ab : dnnl_a;
}

/* Copies canonical <-> internal for every tensor of one array. */
static hml_status transfer_params(cpu_model *model, float *internal, float *canonical,
                                  bool to_internal, hml_err *err)
{
    const nn_param_spec *specs = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const dnnl_memory_desc_t *md = &model->tensor_md[t];
        dnnl_memory_t mem = NULL;
        hml_status s = onednn_memory(&model->ctx, md, internal + model->tensor_offset[t], &mem, err);
        if (s)
            return s;
        float *plain = canonical + specs[t].offset;
        s = to_internal ? onednn_import(&model->ctx, plain, plain_tag(md), mem, err)
                        : onednn_export(&model->ctx, mem, plain_tag(md), plain, err);
        dnnl_memory_destroy(mem);
        if (s)
            return hml_wrap(err, "%s", specs[t].name);
    }
    return HML_OK;
}

static void cpu_destroy(nn_model *m)
{
    cpu_model *model = as_cpu(m);
    if (!model)
        return;
    for (int i = 0; i < model->plan_count; i++)
        plan_destroy(model->plans[i]);
    if (model->arrays)
        munmap(model->arrays, model->arrays_bytes);
    onednn_ctx_destroy(&model->ctx);
    free(model);
}

static hml_status cpu_create(const nn_model_config *cfg, const float *initial_params,
                             nn_model **out, hml_err *err)
{
    *out = NULL;
    if (cfg->batch < 1 || cfg->threads < 1)
        return hml_fail(err, HML_EUSAGE, "cpu backend: batch %d and threads %d must be >= 1",
                        cfg->batch, cfg->threads);
    /* oneDNN (OpenMP runtime) sizes its kernels for the thread count at
     * primitive creation: set it first. */
    omp_set_num_threads(cfg->threads);
    cpu_model *model = calloc(1, sizeof *model);
    if (!model)
        return hml_fail(err, HML_ESYSTEM, "out of memory for a model");
    model->cfg = *cfg;
    hml_status s = onednn_ctx_create(&model->ctx, err);
    if (s)
        goto fail;

    /* The first plan decides the weight layouts; size the arrays from them. */
    cpu_plan *plan = NULL;
    if ((s = plan_create(model, cfg->batch, &plan, err)))
        goto fail;
    model->plans[model->plan_count++] = plan;
    const nn_layer_spec *layers = nn_layer_specs();
    size_t offset = 0;
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        int w = layers[i].weight_tensor;
        if (w < 0)
            continue;
        model->tensor_md[w] = *onednn_layer_weights_md(&plan->layers[i]);
        model->tensor_md[w + 1] = *onednn_layer_bias_md(&plan->layers[i]);
        for (int t = w; t <= w + 1; t++) {
            model->tensor_offset[t] = offset;
            /* 16-float (64-byte) alignment for every tensor. */
            size_t floats = dnnl_memory_desc_get_size(&model->tensor_md[t]) / sizeof(float);
            offset += (floats + 15) & ~(size_t)15;
        }
    }
    model->param_floats = offset;
    /* Fresh anonymous pages: zeroed (the moments must start at 0, block
     * padding must stay 0) and page-aligned, without touching 20 MB now. */
    model->arrays_bytes = 4 * offset * sizeof(float);
    void *arrays = mmap(NULL, model->arrays_bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (arrays == MAP_FAILED) {
        s = hml_fail(err, HML_ESYSTEM, "out of memory for parameters (%zu bytes)",
                     model->arrays_bytes);
        goto fail;
    }
    model->arrays = arrays;
    model->params = model->arrays;
    model->grads = model->params + offset;
    model->moment1 = model->grads + offset;
    model->moment2 = model->moment1 + offset;
    if ((s = plan_bind(model, plan, err)))
        goto fail;
    if ((s = transfer_params(model, model->params, (float *)(uintptr_t)initial_params, true, err)))
        goto fail;
    *out = (nn_model *)model;
    return HML_OK;
fail:
    cpu_destroy((nn_model *)model);
    return s;
}

static hml_status cpu_prepare_batch(nn_model *m, int n, hml_err *err)
{
    cpu_plan *plan = NULL;
    return find_plan(as_cpu(m), n, &plan, err);
}

/* Forward through all layers; returns dense2's output (n, 10). */
static hml_status forward(cpu_model *model, cpu_plan *plan, const float *x, const float **logits,
                          hml_err *err)
{
    const onednn_ctx *ctx = &model->ctx;
    /* oneDNN only reads the source: dropping const is safe. */
    ONEDNN_TRY(err, dnnl_memory_set_data_handle(plan->input_user, (void *)(uintptr_t)x),
               "input memory");
    if (plan->input_reorder) {
        dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, plan->input_user}, {DNNL_ARG_TO, plan->input}};
        hml_status s = onednn_execute(ctx, plan->input_reorder, 2, args, "input reorder", err);
        if (s)
            return s;
    }
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        hml_status s;
        if (i == plan->flatten.layer) {
            dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, plan->layers[i - 1].dst},
                                      {DNNL_ARG_TO, plan->flatten.plain_4d}};
            if ((s = onednn_execute(ctx, plan->flatten.forward, 2, args, "flatten", err)))
                return s;
        }
        if ((s = onednn_layer_forward(ctx, &plan->layers[i], err)))
            return s;
    }
    void *out = NULL;
    ONEDNN_TRY(err, dnnl_memory_get_data_handle(plan->layers[NN_LAYER_COUNT - 1].dst, &out),
               "logits");
    *logits = out;
    return HML_OK;
}

static hml_status check_labels(const int32_t *labels, int n, hml_err *err)
{
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= NN_CLASSES)
            return hml_fail(err, HML_EINTERNAL, "label %d of image %d is not in 0..9",
                            (int)labels[i], i);
    return HML_OK;
}

/* The plan for a batch of n, its labels checked, and the forward pass:
 * *logits is (n, NN_CLASSES), inside the plan. */
static hml_status forward_batch(cpu_model *model, const float *x, const int32_t *labels, int n,
                                cpu_plan **plan, const float **logits, hml_err *err)
{
    hml_status s;
    if ((s = find_plan(model, n, plan, err)) || (s = check_labels(labels, n, err)))
        return s;
    return forward(model, *plan, x, logits, err);
}

/* Forward, loss, backward: leaves the gradients in model->grads. */
static hml_status forward_backward(cpu_model *model, const float *x, const int32_t *labels, int n,
                                   float *logits_out, float *loss, hml_err *err)
{
    cpu_plan *plan = NULL;
    const float *logits = NULL;
    hml_status s = forward_batch(model, x, labels, n, &plan, &logits, err);
    if (s)
        return s;
    void *diff = NULL;
    ONEDNN_TRY(err, dnnl_memory_get_data_handle(plan->logits_diff, &diff), "logits gradient");
    double sum = nn_softmax_cross_entropy(logits, labels, n, NN_CLASSES, diff, NULL);
    if (loss)
        *loss = (float)(sum / n);
    if (logits_out)
        memcpy(logits_out, logits, (size_t)n * NN_CLASSES * sizeof(float));
    for (int i = NN_LAYER_COUNT - 1; i >= 0; i--) {
        if ((s = onednn_layer_backward(&model->ctx, &plan->layers[i], err)))
            return s;
        if (i == plan->flatten.layer) {
            dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, plan->flatten.diff_4d},
                                      {DNNL_ARG_TO, plan->flatten.diff_blocked}};
            if ((s = onednn_execute(&model->ctx, plan->flatten.backward, 2, args, "unflatten", err)))
                return s;
        }
    }
    return HML_OK;
}

static hml_status cpu_train_step(nn_model *m, const float *x, const int32_t *labels, int n,
                                 float *loss, hml_err *err)
{
    cpu_model *model = as_cpu(m);
    hml_status s = forward_backward(model, x, labels, n, NULL, loss, err);
    if (s)
        return s;
    model->step++;
    const nn_optimizer_config *opt = &model->cfg.optimizer;
    if (opt->kind == NN_OPT_ADAM)
        nn_adam_update(model->params, model->grads, model->moment1, model->moment2,
                       model->param_floats, model->step, opt);
    else
        nn_sgd_update(model->params, model->grads, model->moment1, model->param_floats, opt);
    return HML_OK;
}

static hml_status cpu_evaluate(nn_model *m, const float *x, const int32_t *labels, int n,
                               int *correct, double *loss_sum, hml_err *err)
{
    cpu_model *model = as_cpu(m);
    cpu_plan *plan = NULL;
    const float *logits = NULL;
    hml_status s = forward_batch(model, x, labels, n, &plan, &logits, err);
    if (s)
        return s;
    int hits = 0;
    double sum = nn_softmax_cross_entropy(logits, labels, n, NN_CLASSES, NULL, &hits);
    if (correct)
        *correct = hits;
    if (loss_sum)
        *loss_sum = sum;
    return HML_OK;
}

static hml_status cpu_gradients(nn_model *m, const float *x, const int32_t *labels, int n,
                                float *logits, float *loss, float *grads, hml_err *err)
{
    cpu_model *model = as_cpu(m);
    hml_status s = forward_backward(model, x, labels, n, logits, loss, err);
    if (s == HML_OK && grads)
        s = transfer_params(model, model->grads, grads, false, err);
    return s;
}

static hml_status cpu_get_params(nn_model *m, float *params, hml_err *err)
{
    cpu_model *model = as_cpu(m);
    return transfer_params(model, model->params, params, false, err);
}

static hml_status cpu_set_params(nn_model *m, const float *params, hml_err *err)
{
    cpu_model *model = as_cpu(m);
    return transfer_params(model, model->params, (float *)(uintptr_t)params, true, err);
}

static size_t cpu_footprint_bytes(const nn_model *m)
{
    const cpu_model *model = (const cpu_model *)m;
    size_t bytes = sizeof *model + 4 * model->param_floats * sizeof(float);
    for (int i = 0; i < model->plan_count; i++)
        for (int l = 0; l < NN_LAYER_COUNT; l++)
            bytes += onednn_layer_footprint_bytes(&model->plans[i]->layers[l]);
    /* (the flatten's two buffers are as large as pool2's output: small) */
    return bytes;
}

hml_status nn_cpu_describe_kernels(nn_model *m, int n, char *buf, size_t size, hml_err *err)
{
    cpu_plan *plan = NULL;
    hml_status s = find_plan(as_cpu(m), n, &plan, err);
    if (s)
        return s;
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < NN_LAYER_COUNT && used + 1 < size; i++) {
        char line[512];
        onednn_layer_describe(&plan->layers[i], line, sizeof line);
        int w = snprintf(buf + used, size - used, "%s\n", line);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return HML_OK;
}

static const nn_backend cpu_backend = {
    .device = "cpu",
    .available = cpu_available,
    .describe = cpu_describe,
    .create = cpu_create,
    .prepare_batch = cpu_prepare_batch,
    .train_step = cpu_train_step,
    .evaluate = cpu_evaluate,
    .gradients = cpu_gradients,
    .get_params = cpu_get_params,
    .set_params = cpu_set_params,
    .footprint_bytes = cpu_footprint_bytes,
    .destroy = cpu_destroy,
};

const nn_backend *nn_backend_cpu(void) { return &cpu_backend; }
