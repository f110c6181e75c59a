/* Minibatch checks: the reference model's memory at the workload's batch
 * against the memory available (RAM, GPU), and the batch sizes the probe
 * measured. */
#include "doctor/batch.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/text.h"
#include "nn/model_spec.h"

/* The reference CNN's shapes come from its one table (nn/model_spec.h).
 * Kept for the backward pass, per image: the input, every layer's output,
 * a separate ReLU output where the layer has one, and the softmax of the
 * logits; the activation gradients are the same tensors but the input. */
doctor_model_memory doctor_model_memory_at(long batch)
{
    doctor_model_memory m = {0};
    const nn_layer_spec *layers = nn_layer_specs();
    m.activations_per_image = NN_INPUT_SIZE;
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        unsigned long long size =
            (unsigned long long)layers[i].out_c * layers[i].out_h * layers[i].out_w;
        m.activations_per_image += size * (layers[i].relu ? 2 : 1);
    }
    m.activations_per_image += NN_CLASSES; /* softmax */
    m.gradients_per_image = m.activations_per_image - NN_INPUT_SIZE;
    const nn_param_spec *params = nn_param_specs();
    for (int i = 0; i < NN_PARAM_TENSOR_COUNT; i++)
        m.parameters += params[i].count;
    unsigned long long per_image = m.activations_per_image + m.gradients_per_image;
    m.bytes = 4ULL * (per_image * (unsigned long long)(batch > 0 ? batch : 0) + 4 * m.parameters);
    return m;
}

/* The largest power-of-two batch whose memory fits in limit (0 if none). */
static long largest_batch_within(unsigned long long limit)
{
    long best = 0;
    for (long b = 1; b <= 1L << 20; b *= 2)
        if (doctor_model_memory_at(b).bytes <= limit)
            best = b;
    return best;
}

/* The batch sweep of the probe: a batch measured faster than the
 * workload's, by more than the trials' noise, at the same threads. */
static hml_status check_measured(const doctor_context *ctx, doctor_report *report, hml_err *err)
{
    const probe_result *p = ctx->probe;
    const probe_trial *own = probe_find(p, ctx->workload.batch, p->threads);
    const probe_trial *best = probe_fastest(p, 0, p->threads);
    double gain;
    if (!probe_beats(p, own, best, &gain))
        return HML_OK;
    dtext ev = {0}, fix = {0};
    text_printf(&ev, "measured on this machine (doctor --probe, %s, %ld threads):",
                p->measured_at, p->threads);
    for (size_t i = 0; i < p->count; i++) {
        const probe_trial *t = &p->trial[i];
        if (t->ran && t->threads == p->threads)
            text_printf(&ev, " batch %ld %.0f images/s;", t->batch, t->images_per_s);
    }
    text_printf(&ev, " batch %ld is the fastest, %+.0f%% over batch %ld, beyond the %.0f%% by "
                     "which the repeated batch %ld differed", best->batch, gain * 100, own->batch,
                p->noise * 100, own->batch);
    if (isfinite(best->loss) && isfinite(own->loss))
        text_printf(&ev, " (training loss after the probe %.4f vs %.4f)", best->loss, own->loss);
    text_printf(&fix, "use --batch %ld (measured %+.0f%% images/s here; check that accuracy "
                      "holds at the new batch)", best->batch, gain * 100);
    char summary[160];
    snprintf(summary, sizeof summary, "batch %ld was measured %.0f%% slower than batch %ld",
             own->batch, (1 - probe_speed(own) / probe_speed(best)) * 100, best->batch);
    hml_status st = doctor_report_add_text(report, DOCTOR_WARNING, "batch.measured-slower",
                                           summary, &ev, &fix, err);
    text_free(&ev);
    text_free(&fix);
    return st;
}

hml_status doctor_check_batch(const doctor_context *ctx, doctor_report *report, hml_err *err)
{
    long batch = ctx->workload.batch;
    if (ctx->workload.command || batch <= 0)
        return HML_OK; /* a command's batch is not known */
    doctor_model_memory m = doctor_model_memory_at(batch);
    const host_info *h = &ctx->host;
    bool gpu = ctx->workload.device && strcmp(ctx->workload.device, "cuda") == 0;
    /* Where the batch lives: GPU memory for the CUDA backend, else RAM.
     * Running out of it is a fact; whether a batch is fast is only known
     * from the probe's measurements (a cache-sized batch was measured
     * slower on machines with large L3 caches). */
    unsigned long long avail = gpu ? h->gpu_mem_free : h->mem_available;
    hml_status st = HML_OK;
    if (avail > 0 && m.bytes > avail / 2) {
        const char *where = gpu ? "free GPU memory" : "available memory";
        dtext ev = {0}, fix = {0};
        text_printf(&ev, "batch %ld: the reference CNN (%llu parameters) keeps %llu activation "
                         "and %llu gradient floats per image; with parameters, gradients and "
                         "two optimizer moments that is ", batch, m.parameters,
                    m.activations_per_image, m.gradients_per_image);
        text_bytes(&ev, (double)m.bytes);
        bool over = m.bytes > avail;
        text_printf(&ev, ", %s the ", over ? "more than" : "over half of");
        text_bytes(&ev, (double)avail);
        text_printf(&ev, " of %s%s%s", where, gpu && *h->gpu_name ? " on " : "",
                    gpu ? h->gpu_name : "");
        long fits = largest_batch_within(avail / 2);
        text_printf(&fix, "use a batch of at most %ld (its memory stays under half of the %s)",
                    fits, where);
        st = doctor_report_add_text(report, over ? DOCTOR_ERROR : DOCTOR_WARNING,
                                    over ? "batch.exceeds-memory" : "batch.memory-pressure",
                                    over ? "the batch does not fit in memory"
                                         : "the batch takes over half of the memory",
                                    &ev, &fix, err);
        text_free(&ev);
        text_free(&fix);
    }
    if (st == HML_OK && ctx->probe)
        st = check_measured(ctx, report, err);
    return st;
}
