#include "cli/measure_common.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "meter/carbon.h"
#include "common/escape.h"
#include "common/text.h"

bool cli_meter_option(int code, const char *arg, meter_options *opts, hml_status *status,
                      hml_err *err)
{
    *status = HML_OK;
    switch (code) {
    case CLI_OPT_INTERVAL:
        *status = cli_parse_double("interval", arg, 0.001, 3600, &opts->interval_s, err);
        return true;
    case CLI_OPT_CPU_TDP:
        *status = cli_parse_double("cpu-tdp", arg, 0.001, 100000, &opts->cpu_tdp_w, err);
        return true;
    case CLI_OPT_PUE:
        *status = cli_parse_double("pue", arg, 1, 10, &opts->pue, err);
        return true;
    case CLI_OPT_GRID_INTENSITY:
    {
        double g_per_kwh;
        *status = cli_parse_double("grid-intensity", arg, 0, 5000, &g_per_kwh, err);
        if (*status == HML_OK)
            meter_options_set_grid_intensity(opts, g_per_kwh);
        return true;
    }
    case CLI_OPT_COUNTRY:
        *status = carbon_country_intensity(arg, &opts->grid_g_per_kwh, opts->grid_source,
                                           sizeof opts->grid_source, err);
        return true;
    case CLI_OPT_NO_RAPL:
        opts->use_rapl = false;
        return true;
    case CLI_OPT_NO_NVML:
        opts->use_nvml = false;
        return true;
    case CLI_OPT_ACCOUNTING:
        if (meter_accounting_parse(arg, &opts->accounting) != 0)
            *status = hml_fail(err, HML_EUSAGE,
                               "--accounting: '%s' is not one of auto, cgroup-v2, cgroup-v1, "
                               "procfs",
                               arg);
        return true;
    default:
        return false;
    }
}

int cli_option_error(const char *command, int code, char **argv, int optind_now,
                     const struct option *longopts)
{
    const char *arg = optind_now > 0 ? argv[optind_now - 1] : "?";
    if (code == ':')
        return cli_usage_error("%s: option '%s' needs a value", command, arg);
    (void)longopts;
    return cli_usage_error("%s: unknown option '%s' (see 'hmlcost %s --help')", command, arg,
                           command);
}

void cli_format_bytes(double bytes, char *out, size_t size)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    text_format(out, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

void cli_format_joules(double joules, char *out, size_t size)
{
    if (joules >= 3600)
        text_format(out, size, "%.2f Wh (%.0f J)", joules / 3600, joules);
    else if (joules >= 1)
        text_format(out, size, "%.2f J", joules);
    else
        text_format(out, size, "%.3g J", joules);
}

void cli_format_grams(double grams, char *out, size_t size)
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

void cli_print_run_summary(FILE *out, const meter_metrics *metrics, size_t sample_count,
                           double interval_s, const char *notes)
{
    char a[64], b[64];
    const char *method;
    fprintf(out, "  wall       %.3f s\n", value_of(metrics, "wall_s", NULL));
    double cpu = value_of(metrics, "cpu_s", &method);
    fprintf(out, "  cpu        %.3f s (user %.3f s, sys %.3f s), every process of the run, %s\n",
            cpu, value_of(metrics, "user_s", NULL), value_of(metrics, "sys_s", NULL), method);
    cli_format_bytes(value_of(metrics, "peak_rss_bytes", &method), a, sizeof a);
    if (strncmp(method, "cgroup", 6) == 0)
        fprintf(out, "  peak mem   %s (%s: the run's cgroup)\n", a, method);
    else
        fprintf(out, "  peak rss   %s (%s: %zu samples, every %g s at most)\n", a, method,
                sample_count, interval_s);
    double gpu_mem = value_of(metrics, "gpu_mem_bytes", NULL);
    if (gpu_mem >= 0) {
        cli_format_bytes(gpu_mem, a, sizeof a);
        fprintf(out, "  gpu memory %s (nvml)\n", a);
    }
    static const char *const parts[][2] = {{"energy_cpu_j", "cpu"},
                                           {"energy_dram_j", "dram"},
                                           {"energy_ram_j", "ram"},
                                           {"energy_gpu_j", "gpu"}};
    cli_format_joules(value_of(metrics, "energy_total_j", NULL), a, sizeof a);
    fprintf(out, "  energy     %s = %.3g kWh\n", a, value_of(metrics, "energy_kwh", NULL));
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        double j = value_of(metrics, parts[i][0], &method);
        if (j < 0)
            continue;
        cli_format_joules(j, a, sizeof a);
        fprintf(out, "    %-5s    %-14s %s\n", parts[i][1], a, method);
        if (i == 0 && meter_metrics_find(metrics, "energy_cpu_low_j")) {
            /* An estimate is a band, not a point (power_model.h). */
            cli_format_joules(value_of(metrics, "energy_cpu_low_j", NULL), a, sizeof a);
            cli_format_joules(value_of(metrics, "energy_cpu_high_j", NULL), b, sizeof b);
            fprintf(out, "             band %s .. %s (linear .. load curve)\n", a, b);
        }
    }
    cli_format_grams(value_of(metrics, "co2_g", NULL), a, sizeof a);
    value_of(metrics, "grid_intensity", &method);
    text_format(b, sizeof b, "%s", strncmp(method, "source:", 7) == 0 ? method + 7 : method);
    fprintf(out, "  co2        %s = kWh x PUE %g x %g g/kWh (%s)\n", a,
            value_of(metrics, "pue", NULL), value_of(metrics, "grid_intensity", NULL), b);
    double acc = value_of(metrics, "accuracy", NULL);
    if (meter_metrics_find(metrics, "accuracy"))
        fprintf(out, "  accuracy   %.4f (workload)\n", acc);
    /* One note per line: "a; b; c". Notes may quote what the workload
     * wrote: shown by the text rule. */
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

cJSON *cli_metrics_json(const meter_metric *metrics, size_t count)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; obj && i < count; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "value", metrics[i].value);
        cJSON_AddStringToObject(m, "unit", metrics[i].unit);
        cJSON_AddStringToObject(m, "method", metrics[i].method);
        cJSON_AddItemToObject(obj, metrics[i].name, m);
    }
    return obj;
}

const char *const cli_csv_metric_names[] = {
    "wall_s",       "user_s",        "sys_s",          "cpu_s",      "peak_rss_bytes",
    "gpu_mem_bytes", "energy_cpu_j", "energy_dram_j",  "energy_ram_j", "energy_gpu_j",
    "energy_total_j", "energy_kwh",  "co2_g",          "grid_intensity", "pue",
    "accuracy",     "final_loss",    "images_per_s",   "exit_code",  NULL,
};
