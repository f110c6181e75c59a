#include "doctor/output.h"

#include "common/escape.h"
#include "common/json.h"
#include "doctor/probe_store.h"
#include "doctor/probe_table.h"

static void print_probe(FILE *out, const probe_result *probe, const char *source)
{
    dtext table = {0}, advice = {0};
    probe_table_text(probe, &table);
    probe_recommendation_text(probe, &advice);
    /* The source names a path under $XDG_CACHE_HOME: shown by the text rule. */
    fprintf(out, "%s  recommended: %s\n  ", text_str(&table), text_str(&advice));
    escape_text_fputs(out, source);
    fputs("\n\n", out);
    text_free(&table);
    text_free(&advice);
}

void doctor_output_text(FILE *out, const doctor_report *report, const doctor_context *ctx,
                        const char *probe_source)
{
    if (ctx->probe)
        print_probe(out, ctx->probe, probe_source);
    for (size_t i = 0; i < report->count; i++) {
        const doctor_finding *f = &report->finding[i];
        /* Findings quote the environment: shown by the text rule. */
        fprintf(out, "%s%-7s  ", i ? "\n" : "", doctor_level_name(f->level));
        escape_text_fputs(out, f->id);
        fputs(": ", out);
        escape_text_fputs(out, f->summary);
        fputs("\n  evidence: ", out);
        escape_text_fputs(out, f->evidence);
        fputs("\n  fix:      ", out);
        escape_text_fputs(out, f->fix);
        fputc('\n', out);
    }
    size_t counts[3] = {0, 0, 0};
    for (size_t i = 0; i < report->count; i++)
        counts[report->finding[i].level]++;
    char cpus[256];
    host_describe_cpus(&ctx->host, cpus, sizeof cpus);
    if (report->count)
        fputc('\n', out);
    fprintf(out, "hmlcost doctor: %zu finding%s (%zu error%s, %zu warning%s, %zu info) for %s; "
                 "%ld CPUs available (%s)\n",
            report->count, report->count == 1 ? "" : "s", counts[DOCTOR_ERROR],
            counts[DOCTOR_ERROR] == 1 ? "" : "s", counts[DOCTOR_WARNING],
            counts[DOCTOR_WARNING] == 1 ? "" : "s", counts[DOCTOR_INFO],
            ctx->workload.command ? "the --workload command" : "hmlcost train",
            host_usable_cpus(&ctx->host), cpus);
}

cJSON *doctor_output_json(const doctor_report *report, const doctor_context *ctx,
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
    return root;
}


void doctor_output_probe_progress(const probe_trial *t, size_t i, size_t n, bool done,
                                  void *user)
{
    FILE *out = user;
    if (!done) {
        fprintf(out, "hmlcost doctor: probe %zu/%zu: batch %ld, %ld thread%s ...", i + 1, n,
                t->batch, t->threads, t->threads == 1 ? "" : "s");
    } else if (t->ran && t->images_per_s > 0) {
        fprintf(out, " %.0f images/s\n", t->images_per_s);
    } else if (t->ran) {
        fprintf(out, " %.2f s\n", t->wall_s);
    } else {
        fputc(' ', out);
        escape_text_fputs(out, t->note);
        fputc('\n', out);
    }
}
