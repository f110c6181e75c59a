/* `hmlcost doctor [--json] [--fail-on LEVEL] [--probe [--probe-seconds S]]
 * [-- train args | --workload CMD]`: audits the environment, the host and
 * the workload's settings for the smells (src/doctor); runs no training
 * unless --probe asks for measured trials. Exit status: 0 clean, 1 findings
 * at or above --fail-on (default warning), 2 usage error. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/escape.h"
#include "common/json.h"
#include "common/text.h"
#include "doctor/doctor.h"
#include "doctor/probe_session.h"
#include "doctor/probe_store.h"
#include "doctor/probe_table.h"
#include "meter/host.h"

extern char **environ;

enum { PROBE_DEFAULT_SECONDS = 60 };

static void print_help(void)
{
    printf("usage: hmlcost doctor [--json] [--fail-on LEVEL] [--probe [--probe-seconds S]]\n"
           "                      [-- TRAIN-ARGS | --workload CMD]\n\n"
           "Audits this environment, this host and the workload's settings for the smells\n"
           "hmlcost measures, before any energy is spent; runs no training unless --probe\n"
           "asks for measured trials. Checks:\n"
           "  libpath  LD_LIBRARY_PATH: missing, relative, empty, duplicate and\n"
           "           world-writable entries, entries that shadow system libraries,\n"
           "           CUDA stubs, several CUDA versions, too many entries\n"
           "  threads  OMP/OPENBLAS/MKL/TF thread variables and --threads against the\n"
           "           CPUs this process may use (affinity, cgroup quota), nested levels\n"
           "  batch    the reference CNN's memory at --batch against the memory; batch\n"
           "           sizes measured faster by the probe\n"
           "  reuse    --model-builds above 1\n"
           "  blas     the kernels an installed OpenBLAS picks against what the CPU has\n\n"
           "Each finding has a level (info, warning, error), evidence and a fix.\n\n"
           "  --json            one JSON object on stdout\n"
           "  --fail-on LEVEL   exit 1 when a finding is at or above LEVEL (info, warning,\n"
           "                    error; default warning)\n"
           "  --workload CMD    audit for an external command (environment checks only);\n"
           "                    {batch} and {threads} in CMD are filled by the probe\n"
           "  --probe           measure before advising: short trials of batch sizes\n"
           "                    (16..1024) and thread counts (1..2x the CPUs), each a fresh\n"
           "                    process measured as `hmlcost measure` does; prints images/s,\n"
           "                    energy per image, peak memory and loss, and stores them in\n"
           "                    $XDG_CACHE_HOME/hmlcost/probes (~/.cache/hmlcost/probes) for\n"
           "                    later runs of doctor on this host and workload\n"
           "  --probe-seconds S the probe's budget for all trials (default %d; implies --probe)\n"
           "  -- TRAIN-ARGS     audit for `hmlcost train TRAIN-ARGS`\n\n"
           "The host is this machine, or the one described in $%s (key = value lines:\n"
           "cpu_model, cores, logical_cpus, cpu_quota, l3, mem_total, gpus, ...).\n\n"
           "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error.\n",
           PROBE_DEFAULT_SECONDS, HOST_FILE_ENV);
}

static void print_probe(const probe_result *probe, const char *source)
{
    dtext table = {0}, advice = {0};
    probe_table_text(probe, &table);
    probe_recommendation_text(probe, &advice);
    /* The source names a path under $XDG_CACHE_HOME: shown by the text rule. */
    printf("%s  recommended: %s\n  ", text_str(&table), text_str(&advice));
    escape_text_fputs(stdout, source);
    fputs("\n\n", stdout);
    text_free(&table);
    text_free(&advice);
}

static void print_text(const doctor_report *report, const doctor_context *ctx,
                       const char *probe_source)
{
    if (ctx->probe)
        print_probe(ctx->probe, probe_source);
    for (size_t i = 0; i < report->count; i++) {
        const doctor_finding *f = &report->finding[i];
        /* Findings quote the environment: shown by the text rule. */
        printf("%s%-7s  ", i ? "\n" : "", doctor_level_name(f->level));
        escape_text_fputs(stdout, f->id);
        fputs(": ", stdout);
        escape_text_fputs(stdout, f->summary);
        fputs("\n  evidence: ", stdout);
        escape_text_fputs(stdout, f->evidence);
        fputs("\n  fix:      ", stdout);
        escape_text_fputs(stdout, f->fix);
        fputc('\n', stdout);
    }
    size_t counts[3] = {0, 0, 0};
    for (size_t i = 0; i < report->count; i++)
        counts[report->finding[i].level]++;
    char cpus[256];
    host_describe_cpus(&ctx->host, cpus, sizeof cpus);
    if (report->count)
        printf("\n");
    printf("hmlcost doctor: %zu finding%s (%zu error%s, %zu warning%s, %zu info) for %s; "
           "%ld CPUs available (%s)\n",
           report->count, report->count == 1 ? "" : "s", counts[DOCTOR_ERROR],
           counts[DOCTOR_ERROR] == 1 ? "" : "s", counts[DOCTOR_WARNING],
           counts[DOCTOR_WARNING] == 1 ? "" : "s", counts[DOCTOR_INFO],
           ctx->workload.command ? "the --workload command" : "hmlcost train",
           host_usable_cpus(&ctx->host), cpus);
}

static int print_json(const doctor_report *report, const doctor_context *ctx,
                      const char *probe_source)
{
    cJSON *root = doctor_report_json(report);
    cJSON *host = root ? cJSON_AddObjectToObject(root, "host") : NULL;
    cJSON *wl = host ? cJSON_AddObjectToObject(root, "workload") : NULL;
    const host_info *h = &ctx->host;
    int llc_level = 0;
    unsigned long long llc = host_llc_bytes(h, &llc_level);
    bool ok = wl && cJSON_AddStringToObject(host, "source", h->source) &&
              cJSON_AddStringToObject(host, "cpu_vendor", h->cpu_vendor) &&
              cJSON_AddStringToObject(host, "cpu_model", h->cpu_model) &&
              cJSON_AddNumberToObject(host, "cpu_family", h->cpu_family) &&
              cJSON_AddNumberToObject(host, "cpus", (double)host_usable_cpus(h)) &&
              cJSON_AddNumberToObject(host, "logical_cpus", (double)h->logical_cpus) &&
              cJSON_AddNumberToObject(host, "allowed_cpus", (double)h->allowed_cpus) &&
              cJSON_AddNumberToObject(host, "allowed_cores", (double)h->allowed_cores) &&
              cJSON_AddNumberToObject(host, "default_threads", (double)host_default_threads(h)) &&
              cJSON_AddNumberToObject(host, "cpu_quota", h->cpu_quota) &&
              cJSON_AddNumberToObject(host, "llc_bytes", (double)llc) &&
              cJSON_AddNumberToObject(host, "llc_level", llc_level) &&
              cJSON_AddNumberToObject(host, "mem_available_bytes", (double)h->mem_available) &&
              cJSON_AddNumberToObject(host, "gpus", h->gpus) &&
              cJSON_AddNumberToObject(host, "gpu_mem_free_bytes", (double)h->gpu_mem_free);
    if (ok && ctx->workload.command)
        ok = cJSON_AddStringToObject(wl, "command", ctx->workload.command) != NULL;
    else if (ok)
        ok = cJSON_AddStringToObject(wl, "command", "hmlcost train") &&
             cJSON_AddNumberToObject(wl, "threads", (double)ctx->workload.threads) &&
             cJSON_AddNumberToObject(wl, "batch", (double)ctx->workload.batch) &&
             cJSON_AddNumberToObject(wl, "model_builds", (double)ctx->workload.model_builds) &&
             cJSON_AddBoolToObject(wl, "keep_stale_models", ctx->workload.keep_stale_models) &&
             cJSON_AddStringToObject(wl, "device", ctx->workload.device);
    if (ok && ctx->probe) {
        cJSON *probe = probe_result_json(ctx->probe);
        ok = json_add_item(root, "probe", probe) &&
             cJSON_AddStringToObject(probe, "source", probe_source);
    }
    if (!ok) {
        cJSON_Delete(root);
        root = NULL;
    }
    return cli_print_json("doctor", root);
}

static void probe_progress(const probe_trial *t, size_t i, size_t n, bool done, void *user)
{
    (void)user;
    if (!done) {
        fprintf(stderr, "hmlcost doctor: probe %zu/%zu: batch %ld, %ld thread%s ...", i + 1, n,
                t->batch, t->threads, t->threads == 1 ? "" : "s");
    } else if (t->ran && t->images_per_s > 0) {
        fprintf(stderr, " %.0f images/s\n", t->images_per_s);
    } else if (t->ran) {
        fprintf(stderr, " %.2f s\n", t->wall_s);
    } else {
        fputc(' ', stderr);
        escape_text_fputs(stderr, t->note);
        fputc('\n', stderr);
    }
}

int cmd_doctor(int argc, char **argv)
{
    bool json = false, probe_now = false;
    double probe_seconds = PROBE_DEFAULT_SECONDS;
    doctor_level fail_on = DOCTOR_WARNING;
    const char *command = NULL;
    int train_start = argc; /* first train argument after "--" */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help();
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--probe") == 0) {
            probe_now = true;
        } else if (strcmp(a, "--probe-seconds") == 0 || strncmp(a, "--probe-seconds=", 16) == 0) {
            const char *v = a[15] == '=' ? a + 16 : i + 1 < argc ? argv[++i] : NULL;
            if (!v)
                return cli_usage_error("doctor: --probe-seconds: expected seconds");
            hml_err perr = {0};
            if (cli_parse_double("probe-seconds", v, 1, 86400, &probe_seconds, &perr) != HML_OK)
                return cli_usage_error("doctor: %s", perr.msg);
            probe_now = true;
        } else if (strcmp(a, "--fail-on") == 0 || strncmp(a, "--fail-on=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : NULL;
            if (!v)
                return cli_usage_error("doctor: --fail-on: expected a level (info, warning, "
                                       "error)");
            if (!doctor_level_parse(v, &fail_on))
                return cli_usage_error("doctor: --fail-on: '%s' is not a level (info, warning, "
                                       "error)", v);
        } else if (strcmp(a, "--workload") == 0 || strncmp(a, "--workload=", 11) == 0) {
            command = a[10] == '=' ? a + 11 : i + 1 < argc ? argv[++i] : NULL;
            if (!command || !*command)
                return cli_usage_error("doctor: --workload: expected a command");
        } else if (strcmp(a, "--") == 0) {
            train_start = i + 1;
            break;
        } else {
            return cli_usage_error("doctor: unexpected argument '%s' (train arguments go "
                                   "after --)", a);
        }
    }
    if (command && train_start < argc)
        return cli_usage_error("doctor: give either --workload CMD or -- TRAIN-ARGS, not both");

    hml_err err = {0};
    doctor_context ctx = {
        .env = environ,
        .ld_cache = "/etc/ld.so.cache",
        .system_dirs = doctor_default_system_dirs,
        .blas_names = doctor_default_blas_names,
    };
    char *const *train_args = argv + train_start;
    size_t train_argc = (size_t)(argc - train_start);
    if (command) {
        ctx.workload.command = command;
    } else if (doctor_workload_from_train_args(train_args, train_argc, &ctx.workload, &err) !=
               HML_OK) {
        return cli_usage_error("doctor: %s", err.msg);
    }
    if (meter_host_facts(&ctx.host, &err) != HML_OK)
        return cli_report_error(&err);
    probe_result probe = {0};
    bool have_probe = false;
    char probe_source[4200] = "";
    probe_options probing = {
        .budget_s = probe_seconds,
        .interrupted = probe_now ? cli_catch_interrupts() : NULL,
        .progress = probe_progress,
    };
    if (doctor_probe_obtain(&ctx, train_args, train_argc, probe_now ? &probing : NULL, &probe,
                            &have_probe, probe_source, sizeof probe_source, &err) != HML_OK)
        return cli_report_error(&err);
    if (!have_probe && probe_source[0]) {
        fputs("hmlcost: doctor: ", stderr);
        escape_text_fputs(stderr, probe_source);
        fputc('\n', stderr);
    }
    ctx.probe = have_probe ? &probe : NULL;
    doctor_report report = {0};
    if (doctor_check_all(&ctx, &report, &err) != HML_OK) {
        doctor_report_free(&report);
        probe_result_free(&probe);
        return cli_report_error(&err);
    }
    int status = json ? print_json(&report, &ctx, probe_source)
                  : (print_text(&report, &ctx, probe_source), CLI_EXIT_OK);
    if (status == CLI_EXIT_OK && doctor_report_count_at_least(&report, fail_on) > 0)
        status = CLI_EXIT_FAILURE;
    doctor_report_free(&report);
    probe_result_free(&probe);
    return status;
}
