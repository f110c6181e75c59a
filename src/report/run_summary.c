#include "report/run_summary.h"

#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/name_limits.h"
#include "common/text.h"

/* The metric names behind RUN_SUMMARY_*. */
static const char *const summary_metrics[RUN_SUMMARY_METRICS] = {
    "wall_s", "cpu_s", "peak_rss_bytes", "energy_total_j", "co2_g"};

static void describe_energy_methods(const store_run *run, char *out, size_t size)
{
    const meter_metric *cpu = store_run_metric(run, "energy_cpu_j");
    const meter_metric *ram = store_run_metric(run, "energy_ram_j");
    const meter_metric *dram = store_run_metric(run, "energy_dram_j");
    const meter_metric *gpu = store_run_metric(run, "energy_gpu_j");
    text_format(out, size, "cpu %s; %s %s%s%s", cpu ? cpu->method : "?", dram ? "dram" : "ram",
                dram ? dram->method : (ram ? ram->method : "?"), gpu ? "; gpu " : "",
                gpu ? gpu->method : "");
}

/* Hosts seen so far, and the first one's hardware, for mixed_hardware. */
typedef struct host_tally {
    int64_t ids[64];
    char first_hw[400];
} host_tally;

static hml_status count_host(store *s, int64_t host_id, run_summary *sum, host_tally *tally,
                             hml_err *err)
{
    for (size_t h = 0; h < sum->host_count; h++)
        if (tally->ids[h] == host_id)
            return HML_OK;
    if (sum->host_count == sizeof tally->ids / sizeof tally->ids[0])
        return HML_OK;
    tally->ids[sum->host_count++] = host_id;
    meter_host host;
    bool found = false;
    hml_status st = store_get_host(s, host_id, &host, &found, err);
    if (st != HML_OK || !found)
        return st;
    char hw[400];
    text_format(hw, sizeof hw, "%s | %s", host.cpu_model,
                host.gpu_model[0] ? host.gpu_model : "no GPU");
    if (!tally->first_hw[0])
        text_copy(tally->first_hw, sizeof tally->first_hw, hw);
    else if (strcmp(tally->first_hw, hw) != 0)
        sum->mixed_hardware = true;
    return HML_OK;
}

static hml_status summarize_arm(store *s, const store_arm *arm, run_summary *sum,
                                host_tally *tally, hml_err *err)
{
    run_summary_arm *out = &sum->arms[sum->arm_count];
    if (!(out->name = strdup(arm->name)))
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    sum->arm_count++;
    out->is_baseline = arm->is_baseline;
    store_run *runs = NULL;
    size_t n = 0;
    hml_status st = store_list_runs(s, arm->id, &runs, &n, err);
    if (st != HML_OK)
        return st;
    double total[RUN_SUMMARY_METRICS] = {0};
    out->runs = n;
    for (size_t i = 0; st == HML_OK && i < n; i++) {
        st = count_host(s, runs[i].host_id, sum, tally, err);
        out->by_status[runs[i].status]++;
        if (runs[i].status != STORE_RUN_OK)
            continue;
        for (int k = 0; k < RUN_SUMMARY_METRICS; k++) {
            const meter_metric *m = store_run_metric(&runs[i], summary_metrics[k]);
            total[k] += m ? m->value : 0;
        }
        if (!sum->energy_methods[0])
            describe_energy_methods(&runs[i], sum->energy_methods, sizeof sum->energy_methods);
    }
    double ok = (double)out->by_status[STORE_RUN_OK];
    for (int k = 0; k < RUN_SUMMARY_METRICS; k++)
        out->mean[k] = ok > 0 ? total[k] / ok : 0;
    store_runs_free(runs, n);
    return st;
}

hml_status run_summary_load(store *s, int64_t experiment_id, run_summary *out, hml_err *err)
{
    memset(out, 0, sizeof *out);
    store_arm *arms = NULL;
    size_t arm_count = 0;
    hml_status st = store_list_arms(s, experiment_id, &arms, &arm_count, err);
    if (st != HML_OK)
        return st;
    out->arms = calloc(arm_count ? arm_count : 1, sizeof *out->arms);
    if (!out->arms)
        st = hml_fail(err, HML_ESYSTEM, "out of memory");
    host_tally tally = {.first_hw = ""};
    for (size_t a = 0; st == HML_OK && a < arm_count; a++)
        st = summarize_arm(s, &arms[a], out, &tally, err);
    store_arms_free(arms, arm_count);
    if (st != HML_OK)
        run_summary_free(out);
    return st;
}

void run_summary_free(run_summary *sum)
{
    for (size_t a = 0; sum->arms && a < sum->arm_count; a++)
        free(sum->arms[a].name);
    free(sum->arms);
    memset(sum, 0, sizeof *sum);
}

void run_summary_text(FILE *out, const run_summary *sum)
{
    /* the arm column fits the longest name and its baseline mark: never cut */
    int width = 16;
    for (size_t a = 0; a < sum->arm_count; a++)
        if ((int)strlen(sum->arms[a].name) + 1 > width)
            width = (int)strlen(sum->arms[a].name) + 1;
    fprintf(out, "%-*s %4s %4s %6s %7s %7s %5s %10s %9s %10s %10s %10s\n", width, "arm", "runs",
            "ok", "failed", "crashed", "timeout", "error", "wall s", "cpu s", "peak MiB",
            "energy J", "co2 g");
    for (size_t a = 0; a < sum->arm_count; a++) {
        const run_summary_arm *arm = &sum->arms[a];
        const size_t *st = arm->by_status;
        char label[ARM_NAME_MAX + 2];
        text_format(label, sizeof label, "%s%s", arm->name, arm->is_baseline ? "*" : "");
        if (st[STORE_RUN_OK] > 0)
            fprintf(out, "%-*s %4zu %4zu %6zu %7zu %7zu %5zu %10.3f %9.3f %10.1f %10.4g %10.4g\n",
                    width, label, arm->runs, st[0], st[1], st[2], st[3], st[4],
                    arm->mean[RUN_SUMMARY_WALL_S], arm->mean[RUN_SUMMARY_CPU_S],
                    arm->mean[RUN_SUMMARY_PEAK_RSS_BYTES] / 1048576.0,
                    arm->mean[RUN_SUMMARY_ENERGY_TOTAL_J], arm->mean[RUN_SUMMARY_CO2_G]);
        else
            fprintf(out, "%-*s %4zu %4zu %6zu %7zu %7zu %5zu %10s %9s %10s %10s %10s\n", width,
                    label, arm->runs, st[0], st[1], st[2], st[3], st[4], "-", "-", "-", "-", "-");
    }
    fputs("(* baseline; figures are means over ok runs; energy: ", out);
    escape_text_fputs(out, sum->energy_methods[0] ? sum->energy_methods : "no ok run");
    fputs(")\n", out);
}

void run_summary_nodes_text(FILE *out, const run_summary *sum)
{
    if (sum->host_count > 1)
        fprintf(out, "hmlcost run: the runs come from %zu nodes%s\n", sum->host_count,
                sum->mixed_hardware ? "" : " of the same hardware");
    /* Arms on different hardware make their comparison one of nodes too. */
    if (sum->mixed_hardware)
        fprintf(out, "hmlcost run: warning: the runs ran on different hardware (CPU or GPU "
                     "models differ); compare arms within one node, or keep each node's "
                     "runs apart (--slurm-arg=--nodelist=NODE, or a partition of one "
                     "hardware type)\n");
}
