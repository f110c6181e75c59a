/* Thread settings against the CPUs this process may use: each runtime's
 * thread variable and train's --threads (oversubscription), the products
 * of nested levels, and values the runtimes would not understand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/thread_count.h"
#include "doctor/doctor.h"
#include "doctor/text.h"

typedef struct thread_var {
    const char *name;
    const char *runtime;
    bool zero_ok; /* 0 means "let the runtime choose" */
} thread_var;

static const thread_var thread_vars[] = {
    {"OMP_NUM_THREADS", "OpenMP (libgomp: oneDNN, PyTorch)", false},
    {"OPENBLAS_NUM_THREADS", "OpenBLAS", false},
    {"MKL_NUM_THREADS", "Intel MKL", false},
    {"TF_NUM_INTRAOP_THREADS", "TensorFlow (intra-op pool)", true},
    {"TF_NUM_INTEROP_THREADS", "TensorFlow (inter-op pool)", true},
};

typedef struct th_state {
    const doctor_context *ctx;
    long cpus;
    char cpus_text[256];
    doctor_report *report;
    hml_err *err;
    dtext ev, fix;
} th_state;

static hml_status add(th_state *s, doctor_level level, const char *id, const char *summary)
{
    hml_status st = doctor_report_add_text(s->report, level, id, summary, &s->ev, &s->fix, s->err);
    text_reset(&s->ev);
    text_reset(&s->fix);
    return st;
}

static hml_status oversubscribed(th_state *s, const char *what, long value, const char *runtime,
                                 const char *fix_fmt_name)
{
    char summary[192];
    const char *sep = what[0] == '-' ? " " : "=";
    snprintf(summary, sizeof summary, "%s%s%ld asks for more threads than the %ld CPU%s "
             "available", what, sep, value, s->cpus, s->cpus == 1 ? "" : "s");
    text_printf(&s->ev, "%s%s%ld for %s; %ld CPUs available to this process (%s). %ld threads "
                        "on %ld CPUs wait for each other at every barrier and preempt each "
                        "other (%.1fx oversubscription)", what, sep, value, runtime, s->cpus,
                s->cpus_text, value, s->cpus, (double)value / (double)s->cpus);
    const probe_result *p = s->ctx->probe;
    const probe_trial *at_value = probe_find(p, p ? p->batch : 0, value);
    const probe_trial *at_cpus = probe_find(p, p ? p->batch : 0, s->cpus);
    if (at_value && at_cpus)
        text_printf(&s->ev, ". Measured here (doctor --probe): %ld threads %.0f images/s, %ld "
                            "threads %.0f images/s (%+.0f%%)", value, probe_speed(at_value),
                    s->cpus, probe_speed(at_cpus),
                    (probe_speed(at_cpus) / probe_speed(at_value) - 1) * 100);
    else
        text_printf(&s->ev, ". That the fix is faster here is an assumption, not measured "
                            "(hmlcost doctor --probe measures it)");
    text_printf(&s->fix, fix_fmt_name[0] == '-' ? "pass %s %ld (or leave it out)"
                                                : "unset %s or set it to at most %ld",
                fix_fmt_name, s->cpus);
    return add(s, DOCTOR_WARNING, "threads.oversubscribed", summary);
}

static hml_status check_var(th_state *s, const thread_var *v, long *value_out)
{
    *value_out = 0;
    const char *text = doctor_getenv(s->ctx, v->name);
    if (!text)
        return HML_OK;
    bool is_omp = strcmp(v->name, "OMP_NUM_THREADS") == 0;
    /* OMP_NUM_THREADS may be a list, one count per nesting level: "8,2". */
    long levels[THREAD_COUNT_MAX_LEVELS];
    long n = (long)thread_count_parse(text, is_omp, v->zero_ok, levels);
    bool ok = n > 0;
    if (!ok) {
        char summary[160];
        snprintf(summary, sizeof summary, "%s is not a valid thread count", v->name);
        text_printf(&s->ev, "%s='%.100s': %s expects %s; it ignores the value and uses its "
                            "default (usually one thread per CPU), so the setting does "
                            "nothing", v->name, text, v->runtime,
                    is_omp ? "a positive integer or a comma-separated list of them"
                    : v->zero_ok ? "a non-negative integer" : "a positive integer");
        text_printf(&s->fix, "set %s to a whole number between 1 and %ld, or unset it", v->name,
                    s->cpus);
        return add(s, DOCTOR_WARNING, "threads.malformed", summary);
    }
    *value_out = levels[0];
    hml_status st = HML_OK;
    if (levels[0] > s->cpus)
        st = oversubscribed(s, v->name, levels[0], v->runtime, v->name);
    if (st == HML_OK && n > 1) {
        long product = 1;
        for (long i = 0; i < n && product <= 1L << 30; i++)
            product *= levels[i];
        if (product > s->cpus) {
            text_printf(&s->ev, "OMP_NUM_THREADS='%s' asks for %ld nesting levels: up to %ld "
                                "threads at once on %ld CPUs (%s)", text, n, product, s->cpus,
                        s->cpus_text);
            text_printf(&s->fix, "use one level (OMP_NUM_THREADS=%ld) or make the product of "
                                 "the levels at most %ld", s->cpus, s->cpus);
            st = add(s, DOCTOR_WARNING, "threads.nested",
                     "nested OpenMP levels multiply to more threads than CPUs");
        }
    }
    return st;
}

/* The thread sweep of the probe: a thread count measured faster than the
 * one the workload runs with, by more than the trials' noise. */
static hml_status check_measured(th_state *s)
{
    const probe_result *p = s->ctx->probe;
    long threads = doctor_workload_threads(s->ctx);
    const probe_trial *own = probe_find(p, p->batch, threads);
    const probe_trial *best = probe_fastest(p, p->batch, 0);
    double gain;
    if (!probe_beats(p, own, best, &gain))
        return HML_OK;
    text_printf(&s->ev, "measured on this machine (doctor --probe, %s, batch %ld):",
                p->measured_at, p->batch);
    for (size_t i = 0; i < p->count; i++) {
        const probe_trial *t = &p->trial[i];
        if (t->ran && t->batch == p->batch)
            text_printf(&s->ev, " %ld thread%s %.0f images/s;", t->threads,
                        t->threads == 1 ? "" : "s", probe_speed(t));
    }
    text_printf(&s->ev, " the workload runs with %ld; %ld is the fastest, %+.0f%%, beyond the "
                        "%.0f%% by which the repeated setting differed", threads, best->threads,
                gain * 100, p->noise * 100);
    text_printf(&s->fix, "run with %ld thread%s (--threads %ld or OMP_NUM_THREADS=%ld; measured "
                         "%+.0f%% here)", best->threads, best->threads == 1 ? "" : "s",
                best->threads, best->threads, gain * 100);
    char summary[160];
    snprintf(summary, sizeof summary, "%ld thread%s measured %.0f%% slower than %ld",
             threads, threads == 1 ? " was" : "s were",
             (1 - probe_speed(own) / probe_speed(best)) * 100, best->threads);
    return add(s, DOCTOR_WARNING, "threads.measured-slower", summary);
}

hml_status doctor_check_threads(const doctor_context *ctx, doctor_report *report, hml_err *err)
{
    th_state s = {.ctx = ctx, .cpus = host_usable_cpus(&ctx->host), .report = report, .err = err};
    host_describe_cpus(&ctx->host, s.cpus_text, sizeof s.cpus_text);
    hml_status st = HML_OK;
    long values[sizeof thread_vars / sizeof thread_vars[0]];
    for (size_t i = 0; st == HML_OK && i < sizeof thread_vars / sizeof thread_vars[0]; i++)
        st = check_var(&s, &thread_vars[i], &values[i]);

    /* TensorFlow runs up to inter-op x intra-op threads at once. */
    long intra = values[3], inter = values[4];
    if (st == HML_OK && intra > 0 && inter > 0 && intra <= 1L << 20 && inter <= 1L << 20 &&
        intra * inter > s.cpus) {
        text_printf(&s.ev, "TF_NUM_INTEROP_THREADS=%ld x TF_NUM_INTRAOP_THREADS=%ld: up to %ld "
                           "threads at once on %ld CPUs (%s)", inter, intra, inter * intra,
                    s.cpus, s.cpus_text);
        text_printf(&s.fix, "keep TF_NUM_INTEROP_THREADS x TF_NUM_INTRAOP_THREADS at most %ld "
                            "(e.g. 1 x %ld)", s.cpus, s.cpus);
        st = add(&s, DOCTOR_WARNING, "threads.nested",
                 "TensorFlow's inter-op x intra-op threads exceed the CPUs");
    }

    if (st == HML_OK && ctx->probe)
        st = check_measured(&s);
    if (st == HML_OK && !ctx->workload.command && ctx->workload.threads > s.cpus)
        st = oversubscribed(&s, "--threads", ctx->workload.threads, "hmlcost train",
                            "--threads");
    text_free(&s.ev);
    text_free(&s.fix);
    return st;
}
