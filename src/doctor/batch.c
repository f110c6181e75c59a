/* Minibatch checks: the reference model's memory at the workload's batch
 * against the memory available (RAM, GPU) and the last-level cache. */
#include "doctor/batch.h"

#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/text.h"
#include "nn/model_spec.h"
#include "smells/catalogue.h"

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

hml_status doctor_check_batch(const doctor_context *ctx, doctor_report *report, hml_err *err)
{
    long batch = ctx->workload.batch;
    if (ctx->workload.command || batch <= 0)
        return HML_OK; /* a command's batch is not known */
    doctor_model_memory m = doctor_model_memory_at(batch);
    dtext ev = {0}, fix = {0};
    text_printf(&ev, "batch %ld: the reference CNN (%llu parameters) keeps %llu activation and "
                     "%llu gradient floats per image; with parameters, gradients and two "
                     "optimizer moments that is ", batch, m.parameters, m.activations_per_image,
                m.gradients_per_image);
    text_bytes(&ev, (double)m.bytes);
    hml_status st = HML_OK;
    const doctor_host *h = &ctx->host;
    bool gpu = ctx->workload.device && strcmp(ctx->workload.device, "cuda") == 0;

    /* Where the batch lives: GPU memory for the CUDA backend, else RAM. */
    unsigned long long avail = gpu ? h->gpu_mem_free : h->mem_available;
    const char *where = gpu ? "free GPU memory" : "available memory";
    if (avail > 0 && m.bytes > avail / 2) {
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
    } else if (!gpu && h->llc_bytes > 0 && m.bytes > h->llc_bytes) {
        /* On a CPU, a batch whose working set overflows the last-level cache
         * streams from DRAM in every layer: more memory traffic and energy for
         * the same arithmetic. A batch up to the reference is not flagged. */
        long fits = largest_batch_within(h->llc_bytes);
        text_printf(&ev, ", %.1fx the ", (double)m.bytes / (double)h->llc_bytes);
        text_bytes(&ev, (double)h->llc_bytes);
        text_printf(&ev, " L%d cache; every layer streams its activations from DRAM", h->llc_level);
        if (fits > 0)
            text_printf(&fix, "use a batch of at most %ld (fits the L%d cache)", fits,
                        h->llc_level);
        else
            text_printf(&fix, "use a smaller batch");
        bool smelly = batch > SMELL_REFERENCE_BATCH && batch > fits;
        st = doctor_report_add_text(report, smelly ? DOCTOR_WARNING : DOCTOR_INFO,
                                    "batch.exceeds-cache",
                                    "the batch's working set is larger than the last-level cache",
                                    &ev, &fix, err);
    }
    text_free(&ev);
    text_free(&fix);
    return st;
}
