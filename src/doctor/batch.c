/* Minibatch checks: the reference model's memory at the workload's batch
 * against the memory available (RAM, GPU) and the last-level cache. */
#include "doctor/batch.h"

#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/text.h"
#include "smells/catalogue.h"

/* The reference CNN, layer by layer: output shape (C, H, W) per image and
 * parameter count. conv: 3x3 kernels, "pad" 1 keeps H and W; pool: 2x2. */
typedef struct layer_shape {
    const char *name;
    long c, h, w;
    long parameters;
} layer_shape;

static const layer_shape reference_layers[] = {
    {"input", 3, 32, 32, 0},
    {"conv1 3->32 pad1", 32, 32, 32, 3 * 32 * 9 + 32},
    {"relu1", 32, 32, 32, 0},
    {"conv2 32->32 pad0", 32, 30, 30, 32 * 32 * 9 + 32},
    {"relu2", 32, 30, 30, 0},
    {"pool1", 32, 15, 15, 0},
    {"conv3 32->64 pad1", 64, 15, 15, 32 * 64 * 9 + 64},
    {"relu3", 64, 15, 15, 0},
    {"conv4 64->64 pad0", 64, 13, 13, 64 * 64 * 9 + 64},
    {"relu4", 64, 13, 13, 0},
    {"pool2", 64, 6, 6, 0},
    {"dense1 2304->512", 512, 1, 1, 2304 * 512 + 512},
    {"relu5", 512, 1, 1, 0},
    {"dense2 512->10", 10, 1, 1, 512 * 10 + 10},
    {"softmax", 10, 1, 1, 0},
};

doctor_model_memory doctor_model_memory_at(long batch)
{
    doctor_model_memory m = {0};
    for (size_t i = 0; i < sizeof reference_layers / sizeof reference_layers[0]; i++) {
        const layer_shape *l = &reference_layers[i];
        unsigned long long size = (unsigned long long)(l->c * l->h * l->w);
        m.parameters += (unsigned long long)l->parameters;
        m.activations_per_image += size;
        if (i > 0) /* no gradient for the input images */
            m.gradients_per_image += size;
    }
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
        st = doctor_report_add(report, over ? DOCTOR_ERROR : DOCTOR_WARNING,
                               over ? "batch.exceeds-memory" : "batch.memory-pressure",
                               over ? "the batch does not fit in memory"
                                    : "the batch takes over half of the memory",
                               text_str(&ev), text_str(&fix), err);
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
        st = doctor_report_add(report, smelly ? DOCTOR_WARNING : DOCTOR_INFO,
                               "batch.exceeds-cache",
                               "the batch's working set is larger than the last-level cache",
                               text_str(&ev), text_str(&fix), err);
    }
    if (st == HML_OK && (text_failed(&ev) || text_failed(&fix)))
        st = hml_fail(err, HML_ESYSTEM, "doctor: out of memory");
    text_free(&ev);
    text_free(&fix);
    return st;
}
