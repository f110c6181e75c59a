/* CSV: one row per run, every run of every arm (failed ones too, with their
 * status), columns as csv_schema.h lists them. Numbers are written with 17
 * significant digits so that reading the file back gives the same values. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "report/csv_schema.h"
#include "report/csv_table.h"
#include "report/format.h"

#define J_PER_KWH 3.6e6

static const char *method_of(const report_run *run, const char *name)
{
    const report_metric *m = report_run_metric(run, name);
    return m ? m->method : "";
}

static void number(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.17g", v);
}

/* Text cells by the CSV rule (quoting, formula prefix neutralised); numbers
 * go through number() and stay numbers. */
static void text(FILE *out, const char *s) { escape_csv_field(out, s); }

static void sep(FILE *out) { fputc(',', out); }

static void write_run(FILE *out, const report_dataset *d, const report_arm *arm,
                      const report_run *run, const report_smell_result *verdict)
{
    double wall = report_run_metric_or(run, "wall_s", NAN);
    double co2_kg = report_run_metric_or(run, "co2_g", NAN) / 1000;
    double cpu_j = report_run_metric_or(run, "energy_cpu_j", NAN);
    double gpu_j = report_run_metric_or(run, "energy_gpu_j", NAN);
    bool dram = report_run_metric(run, "energy_dram_j") != NULL;
    const char *ram_name = dram ? "energy_dram_j" : "energy_ram_j";
    double ram_j = report_run_metric_or(run, ram_name, NAN);
    double kwh = report_run_metric_or(run, "energy_kwh", NAN);
    if (isnan(kwh))
        kwh = report_run_metric_or(run, "energy_total_j", NAN) / J_PER_KWH;
    const report_host *h = &run->host;
    char energy_method[192];
    report_run_energy_method(run, energy_method, sizeof energy_method);

    text(out, run->started_at), sep(out);
    text(out, d->name), sep(out);
    text(out, run->id), sep(out);
    text(out, d->experiment_id), sep(out);
    number(out, wall), sep(out);
    number(out, co2_kg), sep(out);
    number(out, wall > 0 ? co2_kg / wall : NAN), sep(out);
    number(out, wall > 0 ? cpu_j / wall : NAN), sep(out);
    number(out, wall > 0 ? gpu_j / wall : NAN), sep(out);
    number(out, wall > 0 ? ram_j / wall : NAN), sep(out);
    number(out, cpu_j / J_PER_KWH), sep(out);
    number(out, gpu_j / J_PER_KWH), sep(out);
    number(out, ram_j / J_PER_KWH), sep(out);
    number(out, kwh), sep(out);
    text(out, h->country_name), sep(out);
    text(out, h->country_iso_code), sep(out);
    if (h->cpu_count >= 0)
        fprintf(out, "%d", h->cpu_count);
    sep(out);
    text(out, h->cpu_model), sep(out);
    if (h->gpu_count >= 0)
        fprintf(out, "%d", h->gpu_count);
    sep(out);
    text(out, h->gpu_model), sep(out);
    number(out, h->ram_total_gb), sep(out);
    number(out, h->pue), sep(out);

    text(out, arm->name), sep(out);
    text(out, arm->is_baseline ? "" : arm->smell), sep(out);
    text(out, arm->is_baseline ? "" : arm->baseline), sep(out);
    if (run->order >= 0)
        fprintf(out, "%ld", run->order);
    sep(out);
    text(out, h->hostname), sep(out);
    text(out, run->status), sep(out);
    text(out, run->reason), sep(out);
    static const char *const ours[] = {"accuracy", "final_loss", "images_per_s", "user_s",
                                       "sys_s",    "cpu_s",      "peak_rss_bytes", "gpu_mem_bytes"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        number(out, report_run_metric_or(run, ours[i], NAN));
        sep(out);
    }
    text(out, energy_method), sep(out);
    text(out, method_of(run, "energy_cpu_j")), sep(out);
    text(out, method_of(run, "energy_gpu_j")), sep(out);
    text(out, method_of(run, ram_name)), sep(out);
    text(out, method_of(run, "co2_g")), sep(out);
    text(out, verdict ? stats_verdict_id(verdict->verdict) : ""), sep(out);
    number(out, verdict ? verdict->stability : NAN), sep(out);
    number(out, verdict && verdict->strata ? (double)verdict->strata : NAN);
    fputc('\n', out);
}

hml_status report_render_csv(FILE *out, const report_analysis *a,
                             const report_render_options *opts, hml_err *err)
{
    (void)opts;
    (void)err;
    const report_dataset *d = a->data;
    for (size_t c = 0; c < csv_schema_column_count; c++) {
        if (c)
            sep(out);
        text(out, csv_schema_columns[c]);
    }
    fputc('\n', out);
    for (size_t i = 0; i < d->n_arms; i++) {
        const report_smell_result *verdict = NULL;
        for (size_t k = 0; k < a->n_smells; k++)
            if (a->smells[k].arm == i)
                verdict = &a->smells[k];
        for (size_t r = 0; r < d->arms[i].n_runs; r++)
            write_run(out, d, &d->arms[i], &d->arms[i].runs[r], verdict);
    }
    return HML_OK;
}
