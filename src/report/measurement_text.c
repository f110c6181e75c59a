#include <string.h>

#include "common/escape.h"
#include "common/text.h"
#include "report/measurement.h"

void report_fmt_bytes(double bytes, char *out, size_t size)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    text_format(out, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

void report_fmt_joules(double joules, char *out, size_t size)
{
    if (joules >= 3600)
        text_format(out, size, "%.2f Wh (%.0f J)", joules / 3600, joules);
    else if (joules >= 1)
        text_format(out, size, "%.2f J", joules);
    else
        text_format(out, size, "%.3g J", joules);
}

void report_fmt_grams(double grams, char *out, size_t size)
{
    if (grams >= 1000)
        text_format(out, size, "%.2f kg", grams / 1000);
    else
        text_format(out, size, "%.3g g", grams);
}

static double value_of(const meter_metrics *m, const char *name, const char **method)
{
    const meter_metric *x = meter_metrics_find(m, name);
    if (method)
        *method = x ? x->method : "";
    return x ? x->value : -1;
}

void report_measurement_status(FILE *out, const report_measurement *m)
{
    fputs(store_run_status_name(m->status), out);
    if (m->reason && m->reason[0]) {
        fputs(" (", out);
        escape_text_fputs(out, m->reason);
        fputc(')', out);
    }
    fputc('\n', out);
}

void report_measurement_text(FILE *out, const report_measurement *m)
{
    const meter_metrics *metrics = m->metrics;
    char a[64], b[64];
    const char *method;
    fprintf(out, "  wall       %.3f s\n", value_of(metrics, "wall_s", NULL));
    double cpu = value_of(metrics, "cpu_s", &method);
    fprintf(out, "  cpu        %.3f s (user %.3f s, sys %.3f s), every process of the run, %s\n",
            cpu, value_of(metrics, "user_s", NULL), value_of(metrics, "sys_s", NULL), method);
    report_fmt_bytes(value_of(metrics, "peak_rss_bytes", &method), a, sizeof a);
    if (strncmp(method, "cgroup", 6) == 0)
        fprintf(out, "  peak mem   %s (%s: the run's cgroup)\n", a, method);
    else
        fprintf(out, "  peak rss   %s (%s: %zu samples, every %g s at most)\n", a, method,
                m->sample_count, m->interval_s);
    double gpu_mem = value_of(metrics, "gpu_mem_bytes", NULL);
    if (gpu_mem >= 0) {
        report_fmt_bytes(gpu_mem, a, sizeof a);
        fprintf(out, "  gpu memory %s (nvml)\n", a);
    }
    static const char *const parts[][2] = {{"energy_cpu_j", "cpu"},
                                           {"energy_dram_j", "dram"},
                                           {"energy_ram_j", "ram"},
                                           {"energy_gpu_j", "gpu"}};
    report_fmt_joules(value_of(metrics, "energy_total_j", NULL), a, sizeof a);
    fprintf(out, "  energy     %s = %.3g kWh\n", a, value_of(metrics, "energy_kwh", NULL));
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        double j = value_of(metrics, parts[i][0], &method);
        if (j < 0)
            continue;
        report_fmt_joules(j, a, sizeof a);
        fprintf(out, "    %-5s    %-14s %s\n", parts[i][1], a, method);
        if (i == 0 && meter_metrics_find(metrics, "energy_cpu_low_j")) {
            /* An estimate is a band, not a point (power_model.h). */
            report_fmt_joules(value_of(metrics, "energy_cpu_low_j", NULL), a, sizeof a);
            report_fmt_joules(value_of(metrics, "energy_cpu_high_j", NULL), b, sizeof b);
            fprintf(out, "             band %s .. %s (linear .. load curve)\n", a, b);
        }
    }
    report_fmt_grams(value_of(metrics, "co2_g", NULL), a, sizeof a);
    value_of(metrics, "grid_intensity", &method);
    text_format(b, sizeof b, "%s", strncmp(method, "source:", 7) == 0 ? method + 7 : method);
    fprintf(out, "  co2        %s = kWh x PUE %g x %g g/kWh (%s)\n", a,
            value_of(metrics, "pue", NULL), value_of(metrics, "grid_intensity", NULL), b);
    double acc = value_of(metrics, "accuracy", NULL);
    if (meter_metrics_find(metrics, "accuracy"))
        fprintf(out, "  accuracy   %.4f (workload)\n", acc);
    /* One note per line: "a; b; c". Notes may quote what the workload
     * wrote: shown by the text rule. */
    const char *notes = m->notes;
    for (const char *n = notes; n && *n;) {
        const char *end = strstr(n, "; ");
        size_t len = end ? (size_t)(end - n) : strlen(n);
        char note[1024], shown[4096];
        text_format(note, sizeof note, "%.*s", (int)len, n);
        fprintf(out, "  %-10s %s\n", n == notes ? "notes" : "",
                escape_text(shown, sizeof shown, note));
        n = end ? end + 2 : n + len;
    }
}
