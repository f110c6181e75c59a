/* The probe's plan and its trials. A trial of `hmlcost train` is sized from
 * the first one (the workload's own setting) so that all of them fit the
 * budget; a command gets an equal share of the budget as its timeout. */
#include "doctor/probe.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/procfs.h"
#include "common/text.h"
#include "runner/execute.h"
#include "smells/arms.h"
#include "smells/train_args.h"

enum { PROBE_TEST_IMAGES = 256, PROBE_MIN_IMAGES = 256, PROBE_CALIBRATION_IMAGES = 512 };

static const long probe_batches[] = {16, 32, 64, 128, 256, 512, 1024};

static hml_status oom(hml_err *err)
{
    return hml_fail(err, HML_ESYSTEM, "doctor: --probe: out of memory");
}

static bool planned(const probe_result *r, long batch, long threads)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->trial[i].batch == batch && r->trial[i].threads == threads)
            return true;
    return false;
}

static hml_status add_trial(probe_result *r, long batch, long threads, hml_err *err)
{
    if (planned(r, batch, threads))
        return HML_OK;
    probe_trial *grown = realloc(r->trial, (r->count + 1) * sizeof *grown);
    if (!grown)
        return oom(err);
    r->trial = grown;
    probe_trial *t = &r->trial[r->count++];
    memset(t, 0, sizeof *t);
    t->batch = batch;
    t->threads = threads;
    t->images_per_s = t->energy_per_image_j = t->loss = NAN;
    return HML_OK;
}

hml_status probe_plan(const probe_options *o, probe_result *r, hml_err *err)
{
    r->batch = o->batch;
    r->threads = o->threads;
    r->noise = r->load_before = r->load_after = NAN;
    hml_status st = add_trial(r, o->batch, o->threads, err);
    for (size_t i = 0; st == HML_OK && i < sizeof probe_batches / sizeof probe_batches[0]; i++)
        st = add_trial(r, probe_batches[i], o->threads, err);
    long cpus = o->cpus > 0 ? o->cpus : 1;
    for (long t = 1; st == HML_OK && t <= 2 * cpus; t *= 2)
        st = add_trial(r, o->batch, t, err);
    if (st == HML_OK)
        st = add_trial(r, o->batch, cpus, err);
    if (st == HML_OK)
        st = add_trial(r, o->batch, 2 * cpus, err);
    return st;
}

/* ---- one trial ---------------------------------------------------------- */

static char **train_trial_argv(const probe_options *o, const probe_trial *t, long images,
                               size_t *argc, hml_err *err)
{
    char **argv = NULL;
    size_t n = 0;
    char value[32];
    hml_status st = train_args_copy(o->train_args, o->train_argc, &argv, &n, err);
    const struct {
        const char *name;
        long v;
    } set[] = {{"--batch", t->batch},   {"--threads", t->threads}, {"--epochs", 1},
               {"--train-limit", images}, {"--test-limit", PROBE_TEST_IMAGES}};
    for (size_t i = 0; st == HML_OK && i < sizeof set / sizeof set[0]; i++) {
        snprintf(value, sizeof value, "%ld", set[i].v);
        char **next = NULL;
        size_t next_n = 0;
        st = train_args_with(argv, n, set[i].name, value, &next, &next_n, err);
        train_args_free(argv, n);
        argv = next;
        n = next_n;
    }
    if (st == HML_OK) {
        char **with_quiet = NULL;
        size_t q = 0;
        st = train_args_with(argv, n, "--quiet", NULL, &with_quiet, &q, err);
        train_args_free(argv, n);
        argv = with_quiet;
        n = q;
    }
    if (st != HML_OK)
        return NULL;
    /* exe, "train", the arguments, NULL */
    char **full = calloc(n + 3, sizeof *full);
    if (!full) {
        train_args_free(argv, n);
        oom(err);
        return NULL;
    }
    full[0] = strdup(o->exe);
    full[1] = strdup("train");
    for (size_t i = 0; i < n; i++)
        full[i + 2] = argv[i];
    free(argv);
    *argc = n + 2;
    if (!full[0] || !full[1]) {
        train_args_free(full, *argc);
        oom(err);
        return NULL;
    }
    return full;
}

static char **command_trial_argv(const probe_options *o, const probe_trial *t, size_t *argc,
                                 hml_err *err)
{
    char **argv = calloc(4, sizeof *argv);
    char *line = smell_fill_placeholders(o->command, t->batch, 1, t->threads);
    if (!argv || !line) {
        free(argv);
        free(line);
        oom(err);
        return NULL;
    }
    argv[0] = strdup("/bin/sh");
    argv[1] = strdup("-c");
    argv[2] = line;
    *argc = 3;
    if (!argv[0] || !argv[1]) {
        train_args_free(argv, 3);
        oom(err);
        return NULL;
    }
    return argv;
}

static double metric(const execute_result *x, const char *name, const char **method)
{
    const meter_metric *m = meter_metrics_find(&x->meter.metrics, name);
    if (method)
        *method = m ? m->method : "";
    return m ? m->value : NAN;
}

/* Fills t from a finished measurement. */
static void read_trial(const execute_result *x, probe_trial *t)
{
    t->wall_s = metric(x, "wall_s", NULL);
    t->peak_rss_bytes = metric(x, "peak_rss_bytes", NULL);
    t->images_per_s = metric(x, "images_per_s", NULL);
    t->loss = metric(x, "final_loss", NULL);
    const char *method = "";
    double cpu_j = metric(x, "energy_cpu_j", &method);
    double total_j = metric(x, "energy_total_j", NULL);
    text_copy(t->energy_method, sizeof t->energy_method, isnan(cpu_j) ? "" : method);
    cJSON *result = x->result_json ? cJSON_Parse(x->result_json) : NULL;
    double images = cJSON_GetNumberValue(cJSON_GetObjectItem(result, "train_images"));
    double epochs = cJSON_GetNumberValue(cJSON_GetObjectItem(result, "epochs"));
    cJSON_Delete(result);
    if (images > 0)
        t->images = (long)(images * (epochs >= 1 ? epochs : 1));
    if (t->images > 0 && total_j >= 0)
        t->energy_per_image_j = total_j / (double)t->images;
    if (x->status == STORE_RUN_OK && x->exit_code == 0) {
        t->ran = true;
    } else {
        text_format(t->note, sizeof t->note, "%s%s%s", store_run_status_name(x->status),
                    x->reason[0] ? ": " : "", x->reason);
    }
}

static hml_status run_trial(const probe_options *o, probe_trial *t, long images, double timeout_s,
                            hml_err *err)
{
    size_t argc = 0;
    char **argv = o->command ? command_trial_argv(o, t, &argc, err)
                             : train_trial_argv(o, t, images, &argc, err);
    if (!argv)
        return HML_ESYSTEM;
    char omp[48];
    snprintf(omp, sizeof omp, "OMP_NUM_THREADS=%ld", t->threads);
    char *env[] = {omp};
    execute_options opts = {.timeout_s = timeout_s, .quiet = true, .interrupted = o->interrupted};
    meter_options_default(&opts.meter);
    execute_result x;
    hml_status st = execute_measured(argv, env, 1, &opts, &x, err);
    if (st == HML_OK) {
        read_trial(&x, t);
    } else if (st == HML_EUSAGE) {
        /* the command cannot start: a fact about this trial, not a crash of the probe */
        text_copy(t->note, sizeof t->note, x.reason[0] ? x.reason : err->msg);
        hml_err_clear(err);
        st = HML_OK;
    }
    execute_result_free(&x);
    train_args_free(argv, argc);
    return st;
}

/* ---- the whole probe ---------------------------------------------------- */

static void now_utc(char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double load_average(void)
{
    char text[128];
    double load = NAN;
    if (procfs_read("/proc/loadavg", text, sizeof text) != 0 || sscanf(text, "%lf", &load) != 1)
        return NAN;
    return load;
}

static long round_up(long n, long step)
{
    return step > 0 ? (n + step - 1) / step * step : n;
}

hml_status probe_run(const probe_options *o, probe_result *r, hml_err *err)
{
    now_utc(r->measured_at, sizeof r->measured_at);
    r->load_before = load_average();
    double start = monotonic_s();
    /* From the first trial: seconds per image at the workload's threads and
     * the fixed cost of a process (start-up, data, evaluation). */
    double per_image_s = 0, overhead_s = 0;
    long first_images = 0;
    hml_status st = HML_OK;
    r->noise = NAN;
    r->control = r->trial[0];
    /* trial[0], the others, then the control: count + 1 runs */
    for (size_t i = 0; st == HML_OK && i <= r->count; i++) {
        bool control = i == r->count;
        probe_trial *t = control ? &r->control : &r->trial[i];
        double left = o->budget_s - (monotonic_s() - start);
        size_t remaining = r->count + 1 - i;
        long images = 0;
        double expect_s = left / (double)remaining;
        if (!o->command) {
            if (control) {
                images = first_images;
                expect_s = overhead_s + (double)images * per_image_s;
            } else if (i == 0 || per_image_s <= 0) {
                images = round_up(PROBE_CALIBRATION_IMAGES > 2 * t->batch
                                      ? PROBE_CALIBRATION_IMAGES : 2 * t->batch, t->batch);
            } else {
                /* fewer threads than the calibration: slower in proportion */
                double slow = t->threads < r->threads ? (double)r->threads / (double)t->threads : 1;
                double share = left / (double)remaining - overhead_s;
                images = (long)(share / (per_image_s * slow));
                /* a few steps at least: the first one also builds the primitives */
                long least = PROBE_MIN_IMAGES > 4 * t->batch ? PROBE_MIN_IMAGES : 4 * t->batch;
                images = round_up(images < least ? least : images, t->batch);
                expect_s = overhead_s + (double)images * per_image_s * slow;
            }
        }
        if (control && !r->trial[0].ran) {
            text_format(t->note, sizeof t->note, "not repeated: the first run failed");
            continue;
        }
        if (left <= 0 || (i > 0 && expect_s > left)) {
            text_format(t->note, sizeof t->note, "skipped: would not fit in the %.0f s budget",
                        o->budget_s);
            continue;
        }
        if (o->progress)
            o->progress(t, i, r->count + 1, false, o->user);
        st = run_trial(o, t, images, o->command ? expect_s : left, err);
        if (st == HML_OK && o->progress)
            o->progress(t, i, r->count + 1, true, o->user);
        if (i == 0)
            first_images = images;
        if (st == HML_OK && t->ran && !o->command && i == 0 && t->images > 0 &&
            t->images_per_s > 0) {
            per_image_s = 1.0 / t->images_per_s;
            overhead_s = t->wall_s - (double)t->images * per_image_s;
            if (overhead_s < 0)
                overhead_s = 0;
        }
        if (o->interrupted && *o->interrupted)
            return hml_fail(err, HML_ESYSTEM, "doctor: --probe: interrupted");
    }
    r->seconds = monotonic_s() - start;
    r->load_after = load_average();
    if (r->trial[0].ran && r->control.ran) {
        double a = probe_speed(&r->trial[0]), b = probe_speed(&r->control);
        r->noise = fabs(a - b) / (a < b ? a : b);
    }
    return st;
}

double probe_min_gain(const probe_result *r)
{
    if (!isfinite(r->noise))
        return INFINITY;
    return r->noise > PROBE_MIN_GAIN ? r->noise : PROBE_MIN_GAIN;
}

const probe_trial *probe_find(const probe_result *r, long batch, long threads)
{
    for (size_t i = 0; r && i < r->count; i++)
        if (r->trial[i].ran && r->trial[i].batch == batch && r->trial[i].threads == threads)
            return &r->trial[i];
    return NULL;
}

double probe_speed(const probe_trial *t)
{
    if (t->images_per_s > 0)
        return t->images_per_s;
    return t->wall_s > 0 ? 1.0 / t->wall_s : 0;
}

const probe_trial *probe_fastest(const probe_result *r, long batch, long threads)
{
    const probe_trial *best = NULL;
    for (size_t i = 0; r && i < r->count; i++) {
        const probe_trial *t = &r->trial[i];
        if (!t->ran || (batch && t->batch != batch) || (threads && t->threads != threads))
            continue;
        if (!best || probe_speed(t) > probe_speed(best))
            best = t;
    }
    return best;
}

void probe_describe_host(const host_info *h, char *out, size_t size)
{
    text_format(out, size, "%s (%s family %u model %u), %ld logical CPUs (%ld allowed, quota "
                "%.2f), L3 %llu MiB, %llu MiB memory%s%s",
                h->cpu_model[0] ? h->cpu_model : "unknown CPU", h->cpu_vendor, h->cpu_family,
                h->cpu_model_id, h->logical_cpus, h->allowed_cpus, h->cpu_quota,
                h->l3_bytes >> 20, h->mem_total >> 20, h->gpus ? ", GPU " : "",
                h->gpus ? h->gpu_name : "");
}

void probe_describe_workload(const char *command, char *const *train_args, size_t argc,
                             char *out, size_t size)
{
    if (command) {
        text_copy(out, size, command);
        return;
    }
    text_format(out, size, "hmlcost train");
    for (size_t i = 0; i < argc; i++) {
        const char *a = train_args[i];
        bool varied = strcmp(a, "--batch") == 0 || strcmp(a, "--threads") == 0;
        if (varied) {
            i++; /* and its value */
            continue;
        }
        if (strncmp(a, "--batch=", 8) == 0 || strncmp(a, "--threads=", 10) == 0)
            continue;
        size_t used = strlen(out);
        text_format(out + used, size - used, " %s", a);
    }
}

bool probe_beats(const probe_result *r, const probe_trial *own, const probe_trial *best,
                 double *gain)
{
    *gain = 0;
    if (!own || !best || best == own || !(probe_speed(own) > 0))
        return false;
    *gain = probe_speed(best) / probe_speed(own) - 1;
    return *gain >= probe_min_gain(r);
}

void probe_result_free(probe_result *r)
{
    if (!r)
        return;
    free(r->trial);
    r->trial = NULL;
    r->count = 0;
}
