/* Model-reuse check: a workload that constructs its model more than once. */
#include <stdio.h>

#include "doctor/batch.h"
#include "doctor/doctor.h"
#include "doctor/text.h"

hml_status doctor_check_reuse(const doctor_context *ctx, doctor_report *report, hml_err *err)
{
    long builds = ctx->workload.model_builds;
    if (ctx->workload.command || builds <= 1)
        return HML_OK;
    /* One construction: parameters, gradients and two optimizer moments. */
    doctor_model_memory m = doctor_model_memory_at(0);
    dtext ev = {0}, fix = {0};
    text_printf(&ev, "--model-builds %ld: the model is constructed %ld times in one process; "
                     "each construction allocates and initializes %llu parameters with their "
                     "gradients and optimizer state (", builds, builds, m.parameters);
    text_bytes(&ev, (double)m.bytes);
    text_printf(&ev, ") and creates the backend's primitives, and only the last one trains");
    if (ctx->workload.keep_stale_models) {
        text_printf(&ev, "; --keep-stale-models keeps the %ld earlier models alive: ",
                    builds - 1);
        text_bytes(&ev, (double)m.bytes * (double)(builds - 1));
        text_printf(&ev, " held for nothing");
    }
    text_printf(&fix, "construct the model once and reuse it (leave out --model-builds%s)",
                ctx->workload.keep_stale_models ? " and --keep-stale-models" : "");
    hml_status st = doctor_report_add_text(report, DOCTOR_WARNING, "reuse.model-builds",
                                           "the model is built more than once per process", &ev,
                                           &fix, err);
    text_free(&ev);
    text_free(&fix);
    return st;
}
