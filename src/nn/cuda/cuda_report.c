/* The cuda backend's report of itself (cuda_report.h). */
#include "nn/cuda/cuda_report.h"

#include <stdarg.h>
#include <stdio.h>

#include "nn/cuda/cuda_context.h"
#include "nn/model_spec.h"

static size_t append(char *buf, size_t size, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t size, size_t used, const char *fmt, ...)
{
    if (used >= size)
        return used;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
    return w < 0 ? used : used + (size_t)w;
}

size_t cuda_backend_report(char *buf, size_t size)
{
    size_t u = 0;
    if (size)
        buf[0] = '\0';
    const cuda_context *cx = cuda_context_of_process();
    if (!cx->ready)
        return append(buf, size, u, "cuda: not initialised\n");
    const cuda_details *d = &cx->det;
    u = append(buf, size, u, "cuda: %s (sm_%d%d); library probe %.4f s (", d->device, d->cc_major,
               d->cc_minor, d->probe_s);
    for (int k = 0; k < d->lib_count; k++)
        u = append(buf, size, u, "%s%s %.4f", k ? ", " : "", d->lib_name[k], d->lib_load_s[k]);
    u = append(buf, size, u, "); set-up steps (s):");
    for (int k = 0; k < d->timing_count; k++)
        u = append(buf, size, u, "%s %s %.4f", k ? "," : "", d->timing_label[k], d->timing_s[k]);
    u = append(buf, size, u,
               "\ncuda: algorithms (policy %s%s%s; layer.direction=algo(source, "
               "workspace[, find ms])):",
               d->policy_used, d->table ? " " : "", d->table ? d->table : "");
    for (int k = 0; k < d->record_count; k++) {
        const conv_algo_record *r = &d->records[k];
        u = append(buf, size, u, " %s.%s=%d(%s,%zuB", r->layer, conv_dir_name(r->dir), r->algo,
                   conv_source_name(r->source), r->workspace);
        if (r->find_ms >= 0)
            u = append(buf, size, u, ",%.3fms", r->find_ms);
        if (r->rejected_algo >= 0)
            u = append(buf, size, u, ",%d refused: %s", r->rejected_algo, r->rejected_why);
        u = append(buf, size, u, ")");
    }
    u = append(buf, size, u, "\n");
    for (int k = 0; k < d->note_count; k++)
        u = append(buf, size, u, "cuda: note: %s\n", d->notes[k]);
    const cuda_profile *pr = &cx->prof;
    if (!pr->steps_timed)
        return u;
    const double steps = pr->steps_timed;
    u = append(buf, size, u,
               "cuda profile: %d training steps of %d images after %d warm-up steps; GPU time "
               "per step %.4f ms (CUDA events, operations back to back)\n",
               pr->steps_timed, pr->n, PROFILE_WARMUP_STEPS, pr->step_ms / steps);
    const nn_layer_spec *layers = nn_layer_specs();
    for (int row = 0; row <= NN_LAYER_COUNT; row++)
        for (int op = 0; op < OP_COUNT; op++) {
            if (!pr->calls[row][op])
                continue;
            const double ms = pr->ms[row][op] / steps;
            u = append(buf, size, u, "  %-8s %-14s %9.4f ms %5.1f %%\n",
                       row == NN_LAYER_COUNT ? "-" : layers[row].name, cuda_op_names[op], ms,
                       100.0 * ms / (pr->step_ms / steps));
        }
    return u;
}
