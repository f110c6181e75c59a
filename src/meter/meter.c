#include "meter/meter.h"
#include "common/text.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meter/carbon.h"
#include "meter/cgroup.h"
#include "meter/estimate.h"
#include "meter/fitness.h"
#include "meter/host.h"
#include "meter/nvml.h"
#include "meter/power_model.h"
#include "meter/proctree.h"
#include "meter/rapl.h"

struct meter {
    meter_options opts;
    pid_t root;
    double parent_rss_bytes; /* hmlcost's resident memory at the fork */
    double root_maxrss_bytes;
    proctree *tree;
    proctree_snapshot snap;

    meter_sample *samples;
    size_t sample_count, sample_capacity;
    double peak_sampled_rss;
    double peak_gpu_mem; /* < 0: not known */

    /* Sums over the processes of the tree we reaped (wait4). */
    double reaped_user_s, reaped_sys_s;
    double reaped_maxrss_bytes;
    double helper_user_s, helper_sys_s; /* reported by a helper in the run, taken off */
    char helper[32];

    run_cgroup cgroup;
    bool have_cgroup;
    char accounting_note[320]; /* why /proc, when a cgroup was wanted */

    meter_rapl rapl;
    bool have_rapl;
    char rapl_why[320];

    meter_nvml *nvml;
    bool have_nvml_energy;
    double nvml_start_mj;
    char nvml_why[320];

    /* The CPU estimate when RAPL is not used: the model is fixed at
     * meter_begin; the integral follows the samples. */
    power_model cpu_model;
    power_integral cpu_so_far;

    fitness_snapshot fitness_before; /* the machine just before the window */
    estimate_ram_integral ram_so_far; /* RAM estimate over the samples taken so far */
};

void meter_options_default(meter_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->interval_s = METER_DEFAULT_INTERVAL_S;
    opts->pue = 1.0;
    opts->grid_g_per_kwh = METER_WORLD_G_PER_KWH;
    text_format(opts->grid_source, sizeof opts->grid_source, "world average: IEA 2019");
    opts->use_rapl = true;
    opts->use_nvml = true;
}

void meter_options_set_grid_intensity(meter_options *opts, double g_per_kwh)
{
    opts->grid_g_per_kwh = g_per_kwh;
    text_format(opts->grid_source, sizeof opts->grid_source, "given: %g g/kWh", g_per_kwh);
}

hml_status meter_begin(meter **out, const meter_options *opts, hml_err *err)
{
    *out = NULL;
    meter *m = calloc(1, sizeof *m);
    if (!m || !(m->tree = proctree_new())) {
        free(m);
        return hml_fail(err, HML_ESYSTEM, "meter: out of memory");
    }
    m->opts = *opts;
    m->peak_gpu_mem = -1;
    fitness_read(NULL, &m->fitness_before);

    if (opts->use_rapl) {
        m->have_rapl = meter_rapl_open(&m->rapl, NULL, m->rapl_why, sizeof m->rapl_why);
        char amd_why[320];
        if (!m->have_rapl &&
            !(m->have_rapl = meter_rapl_open_amd_energy(&m->rapl, NULL, amd_why, sizeof amd_why))) {
            text_note_add(m->rapl_why, sizeof m->rapl_why, "%s", amd_why);
        }
        if (m->have_rapl)
            meter_rapl_start(&m->rapl);
    } else {
        text_format(m->rapl_why, sizeof m->rapl_why, "rapl: turned off");
    }
    /* The estimate stands in only where no RAPL counter is read: its CPU
     * facts and TDP lookup are not needed otherwise. */
    if (!m->have_rapl) {
        meter_cpu_facts facts;
        meter_cpu_facts_read(NULL, m->fitness_before.cpus, &facts);
        power_model_init(&m->cpu_model, opts->cpu_tdp_w, facts.model, facts.package_cpus,
                         facts.allowed_cpus);
    }
    if (opts->use_nvml) {
        m->nvml = meter_nvml_open(m->nvml_why, sizeof m->nvml_why);
        if (m->nvml)
            m->have_nvml_energy = meter_nvml_total_energy_mj(m->nvml, &m->nvml_start_mj,
                                                             m->nvml_why, sizeof m->nvml_why);
    } else {
        text_format(m->nvml_why, sizeof m->nvml_why, "nvml: turned off");
    }
    *out = m;
    return HML_OK;
}

int meter_accounting_parse(const char *text, meter_accounting *out)
{
    static const char *const names[] = {"auto", "cgroup-v2", "cgroup-v1", "procfs"};
    for (int i = 0; i < 4; i++)
        if (text && strcmp(text, names[i]) == 0) {
            *out = (meter_accounting)i;
            return 0;
        }
    return -1;
}

static const char *accounting_name(int cgroup_version)
{
    return cgroup_version == 2 ? "cgroup-v2" : cgroup_version == 1 ? "cgroup-v1" : "procfs-sampled";
}

/* AUTO prefers v2 when it accounts memory, then v1 (a hybrid machine keeps
 * its controllers there), then v2 for CPU alone. */
void meter_account_run(meter *m, const char *run_name)
{
    int order[2] = {0};
    switch (m->opts.accounting) {
    case METER_ACCOUNTING_CGROUP_V2: order[0] = 2; break;
    case METER_ACCOUNTING_CGROUP_V1: order[0] = 1; break;
    case METER_ACCOUNTING_PROCFS: return;
    case METER_ACCOUNTING_AUTO: break;
    }
    cgroup_texts texts;
    run_cgroup_texts_read(NULL, &texts);
    if (m->opts.accounting == METER_ACCOUNTING_AUTO) {
        if (run_cgroup_v2_accounts_memory(&texts))
            order[0] = 2, order[1] = 1;
        else
            order[0] = 1, order[1] = 2;
    }
    char why[320] = "";
    for (int i = 0; i < 2 && order[i] && !m->have_cgroup; i++) {
        char this_why[256];
        m->have_cgroup = run_cgroup_create(&m->cgroup, order[i], run_name, &texts, this_why,
                                           sizeof this_why);
        if (!m->have_cgroup && !strstr(why, this_why))
            text_note_add(why, sizeof why, "%s", this_why);
    }
    run_cgroup_texts_free(&texts);
    if (!m->have_cgroup)
        text_format(m->accounting_note, sizeof m->accounting_note,
                    "accounted from /proc (procfs-sampled), no cgroup: %s", why);
}

void meter_forgo_cgroup(meter *m, const char *why)
{
    if (!m->have_cgroup)
        return;
    run_cgroup_remove(&m->cgroup);
    m->have_cgroup = false;
    text_format(m->accounting_note, sizeof m->accounting_note,
                "accounted from /proc (procfs-sampled), no cgroup: %s", why);
}

const int *meter_join_fds(const meter *m, size_t *count)
{
    *count = m->have_cgroup ? m->cgroup.dir_count : 0;
    return m->cgroup.join_fds;
}

int meter_cgroup_dir_fd(const meter *m) { return m->have_cgroup ? m->cgroup.dir_fd : -1; }

void meter_describe_cgroup(const meter *m, char *buf, size_t size)
{
    buf[0] = '\0';
    if (m->have_cgroup)
        run_cgroup_describe(&m->cgroup, buf, size);
}

void meter_watch(meter *m, pid_t root, double parent_rss_bytes)
{
    m->root = root;
    m->parent_rss_bytes = parent_rss_bytes;
    if (m->have_cgroup)
        run_cgroup_close_join_fds(&m->cgroup);
}

int meter_kill_tree(meter *m, int *escaped)
{
    *escaped = 0;
    if (m->have_cgroup) {
        int left = 0;
        return run_cgroup_kill(&m->cgroup, 0, &left);
    }
    if (m->root <= 0)
        return 0;
    kill(-m->root, SIGKILL);
    if (proctree_snapshot_take(m->tree, m->root, &m->snap) != 0)
        return 0;
    for (int i = 0; i < m->snap.processes; i++)
        kill(m->snap.pids[i], SIGKILL);
    *escaped = m->snap.outside_group;
    return m->snap.processes;
}

int meter_tree_count(meter *m)
{
    if (m->have_cgroup)
        return run_cgroup_count(&m->cgroup);
    if (m->root <= 0 || proctree_snapshot_take(m->tree, m->root, &m->snap) != 0)
        return 0;
    return m->snap.processes;
}

void meter_poll_counters(meter *m)
{
    if (m->have_rapl)
        meter_rapl_poll(&m->rapl);
}

/* The energy since the window began up to sample s (whose cpu_s, rss_bytes
 * and t_s are filled), by the components fill_energy sums into
 * energy_total_j: RAPL package (+ DRAM, or else the RAM estimate), or the
 * CPU and RAM estimates; + NVML when its counter is used. The RAPL counters
 * were just polled. NaN when a counter cannot be read now. */
static double energy_so_far(meter *m, const meter_sample *s)
{
    estimate_ram_add(&m->ram_so_far, s->t_s, s->rss_bytes);
    double joules = 0;
    double dram_j = -1;
    if (m->have_rapl) {
        double package_j;
        meter_rapl_totals(&m->rapl, &package_j, &dram_j);
        joules += package_j;
        if (dram_j >= 0)
            joules += dram_j;
    } else {
        power_integral_add(&m->cpu_so_far, &m->cpu_model, s->t_s, s->cpu_s);
        double central_j, low_j, high_j;
        power_integral_joules(&m->cpu_so_far, &m->cpu_model, &central_j, &low_j, &high_j);
        joules += central_j;
    }
    if (!m->have_rapl || dram_j < 0)
        joules += estimate_ram_integral_joules(&m->ram_so_far);
    if (m->have_nvml_energy) {
        double now_mj = 0;
        char why[320];
        if (!meter_nvml_total_energy_mj(m->nvml, &now_mj, why, sizeof why))
            return NAN;
        joules += (now_mj - m->nvml_start_mj) * 1e-3;
    }
    return joules;
}

void meter_take_sample(meter *m, double t_s)
{
    meter_poll_counters(m);
    if (m->root <= 0 || proctree_snapshot_take(m->tree, m->root, &m->snap) != 0)
        return;
    if (m->have_cgroup)
        run_cgroup_sample_memory(&m->cgroup);
    meter_sample s = {
        .t_s = t_s,
        .rss_bytes = m->snap.rss_bytes,
        .cpu_s = m->snap.cpu_s + m->reaped_user_s + m->reaped_sys_s,
        .processes = m->snap.processes,
        .gpu_mem_bytes = -1,
    };
    s.energy_j = energy_so_far(m, &s);
    if (m->nvml && m->snap.processes > 0) {
        s.gpu_mem_bytes =
            meter_nvml_process_memory(m->nvml, m->snap.pids, (size_t)m->snap.processes);
        if (s.gpu_mem_bytes > m->peak_gpu_mem)
            m->peak_gpu_mem = s.gpu_mem_bytes;
    }
    if (s.rss_bytes > m->peak_sampled_rss)
        m->peak_sampled_rss = s.rss_bytes;
    if (m->sample_count == m->sample_capacity) {
        size_t cap = m->sample_capacity ? m->sample_capacity * 2 : 64;
        meter_sample *grown = realloc(m->samples, cap * sizeof *grown);
        if (!grown)
            return; /* the timeline loses a point; the totals do not depend on it */
        m->samples = grown;
        m->sample_capacity = cap;
    }
    m->samples[m->sample_count++] = s;
}

void meter_add_reaped(meter *m, const struct rusage *usage, bool is_root)
{
    m->reaped_user_s += (double)usage->ru_utime.tv_sec + (double)usage->ru_utime.tv_usec * 1e-6;
    m->reaped_sys_s += (double)usage->ru_stime.tv_sec + (double)usage->ru_stime.tv_usec * 1e-6;
    double maxrss = (double)usage->ru_maxrss * 1024.0; /* kilobytes on Linux */
    if (is_root)
        m->root_maxrss_bytes = maxrss;
    else if (maxrss > m->reaped_maxrss_bytes)
        m->reaped_maxrss_bytes = maxrss;
}

void meter_subtract_helper_cpu(meter *m, double user_s, double sys_s, const char *helper)
{
    m->helper_user_s = user_s > 0 ? user_s : 0;
    m->helper_sys_s = sys_s > 0 ? sys_s : 0;
    text_format(m->helper, sizeof m->helper, "%s", helper);
}

/* Pages a fork copies besides hmlcost's resident ones (the child's first
 * stack and data pages before exec), and the drift of the kernel's per-CPU
 * RSS counters, which both figures are read from. */
#define FORK_RSS_SLACK_BYTES (1024.0 * 1024.0)

#define SET(name, value, unit, method)                                                             \
    do {                                                                                           \
        if (meter_metrics_set(&result->metrics, name, value, unit, method) != 0)                  \
            return hml_fail(err, HML_ESYSTEM, "meter: out of memory");                             \
    } while (0)

static hml_status fill_energy(meter *m, double wall_s, double cpu_s, double peak_rss,
                              meter_result *result, hml_err *err)
{
    double total_j = 0;
    char method[128];
    if (m->have_rapl) {
        meter_rapl_poll(&m->rapl);
        double package_j, dram_j;
        meter_rapl_totals(&m->rapl, &package_j, &dram_j);
        SET("energy_cpu_j", package_j, "J", "rapl");
        total_j += package_j;
        char note[200];
        text_format(note, sizeof note,
                    "rapl (%s): %zu domain(s)%s, machine-wide counters (other processes count too)",
                    m->rapl.source, m->rapl.count,
                    m->rapl.mirrors ? ", die domains repeating one counter counted once" : "");
        text_note_add(result->notes, sizeof result->notes, "%s", note);
        if (dram_j >= 0) {
            SET("energy_dram_j", dram_j, "J", "rapl");
            total_j += dram_j;
        }
    } else {
        text_note_add(result->notes, sizeof result->notes, "%s", m->rapl_why);
        /* The samples' integral, closed with the final CPU time at the end. */
        power_integral_add(&m->cpu_so_far, &m->cpu_model, wall_s, cpu_s);
        double cpu_j, low_j, high_j;
        power_integral_joules(&m->cpu_so_far, &m->cpu_model, &cpu_j, &low_j, &high_j);
        SET("energy_cpu_j", cpu_j, "J", m->cpu_model.method);
        SET("energy_cpu_low_j", low_j, "J", m->cpu_model.method);
        SET("energy_cpu_high_j", high_j, "J", m->cpu_model.method);
        total_j += cpu_j;
        text_note_add(result->notes, sizeof result->notes, "%s", m->cpu_model.note);
    }
    if (!m->have_rapl || !meter_metrics_find(&result->metrics, "energy_dram_j")) {
        double ram_j = estimate_ram_joules(m->samples, m->sample_count, wall_s, peak_rss, method,
                                           sizeof method);
        SET("energy_ram_j", ram_j, "J", method);
        total_j += ram_j;
        text_note_add(result->notes, sizeof result->notes,
                 "ram energy estimated: 0.375 W per GiB of RSS over time (CodeCarbon's constant)");
    }
    if (m->have_nvml_energy) {
        double end_mj = 0;
        char why[320];
        if (meter_nvml_total_energy_mj(m->nvml, &end_mj, why, sizeof why)) {
            double gpu_j = (end_mj - m->nvml_start_mj) * 1e-3;
            SET("energy_gpu_j", gpu_j, "J", "nvml");
            total_j += gpu_j;
            text_note_add(result->notes, sizeof result->notes,
                     "nvml: total-energy counter of every GPU (machine-wide)");
        } else {
            text_note_add(result->notes, sizeof result->notes, "%s", why);
        }
    } else {
        text_note_add(result->notes, sizeof result->notes, "%s", m->nvml_why);
    }
    SET("energy_total_j", total_j, "J", "derived");
    double kwh = total_j / 3.6e6;
    SET("energy_kwh", kwh, "kWh", "derived");
    SET("co2_g", carbon_co2_g(kwh, m->opts.pue, m->opts.grid_g_per_kwh), "g", "derived");
    char source[200];
    text_format(source, sizeof source, "source:%s", m->opts.grid_source);
    SET("grid_intensity", m->opts.grid_g_per_kwh, "g/kWh", source);
    SET("pue", m->opts.pue, "1", "source:option");
    return HML_OK;
}

/* The peak RSS from /proc: the samples, the reaped processes' max RSS, and
 * the command's own when it is above what the fork copied from hmlcost
 * (then it is the command's peak after exec). */
static double procfs_peak(const meter *m, meter_result *result)
{
    double peak = m->peak_sampled_rss;
    if (m->reaped_maxrss_bytes > peak)
        peak = m->reaped_maxrss_bytes;
    bool own = m->root_maxrss_bytes > m->parent_rss_bytes * 1.01 + FORK_RSS_SLACK_BYTES;
    if (own && m->root_maxrss_bytes > peak)
        return m->root_maxrss_bytes;
    if (own || m->root_maxrss_bytes <= peak)
        return peak;
    char note[256];
    if (peak > 0) {
        text_format(note, sizeof note,
                    "peak RSS sampled: the kernel's max RSS of the command (%.1f MiB) may hold "
                    "hmlcost's own memory copied at the fork (%.1f MiB)",
                    m->root_maxrss_bytes / 1048576.0, m->parent_rss_bytes / 1048576.0);
    } else {
        /* Ended before the first sample: only the bound is known. */
        peak = m->root_maxrss_bytes;
        text_format(note, sizeof note,
                    "peak RSS is an upper bound: the command ended before the first sample, and "
                    "the kernel's max RSS may hold hmlcost's own memory copied at the fork "
                    "(%.1f MiB)",
                    m->parent_rss_bytes / 1048576.0);
    }
    text_note_add(result->notes, sizeof result->notes, "%s", note);
    return peak;
}

/* The run's CPU and peak memory, by its accounting: the cgroup's counters,
 * or the usage of the reaped processes and the /proc samples. */
static hml_status fill_usage(meter *m, meter_result *result, double *cpu_out, double *peak_out,
                             hml_err *err)
{
    const char *cpu_method = accounting_name(m->have_cgroup ? m->cgroup.version : 0);
    const char *memory_method = cpu_method;
    double user_s = m->reaped_user_s, sys_s = m->reaped_sys_s;
    double peak_rss = -1;
    if (m->have_cgroup) {
        run_cgroup_usage usage;
        if (run_cgroup_read(&m->cgroup, &usage)) {
            user_s = usage.user_s;
            sys_s = usage.sys_s;
            text_note_add(result->notes, sizeof result->notes,
                     "CPU time from the run's own cgroup: every process it started");
            if (usage.memory_peak_bytes >= 0) {
                peak_rss = usage.memory_peak_bytes;
                if (m->cgroup.version == 2 && !m->cgroup.memory_peak)
                    memory_method = "cgroup-v2-sampled";
                text_note_add(result->notes, sizeof result->notes,
                         "peak memory of the run's cgroup: resident memory, page cache and "
                         "kernel memory charged to it (shared pages once)");
            } else {
                memory_method = "procfs-sampled";
                text_note_add(result->notes, sizeof result->notes,
                         "peak RSS sampled from /proc: the run's cgroup has no memory "
                         "accounting");
            }
        } else {
            cpu_method = memory_method = "procfs-sampled";
            text_note_add(result->notes, sizeof result->notes,
                     "the run's cgroup could not be read; accounted from /proc");
        }
        run_cgroup_remove(&m->cgroup);
        m->have_cgroup = false;
    } else if (m->accounting_note[0]) {
        text_note_add(result->notes, sizeof result->notes, "%s", m->accounting_note);
    }
    if (peak_rss < 0)
        peak_rss = procfs_peak(m, result);
    if (m->helper[0] && (m->helper_user_s > 0 || m->helper_sys_s > 0)) {
        double u = m->helper_user_s < user_s ? m->helper_user_s : user_s;
        double s = m->helper_sys_s < sys_s ? m->helper_sys_s : sys_s;
        user_s -= u;
        sys_s -= s;
        char note[160];
        text_format(note, sizeof note, "%s's own CPU (%.3f s) is not counted: measured by it and "
                    "taken off", m->helper, u + s);
        text_note_add(result->notes, sizeof result->notes, "%s", note);
        SET("helper_cpu_s", u + s, "s", "measured:getrusage");
    }
    SET("user_s", user_s, "s", cpu_method);
    SET("sys_s", sys_s, "s", cpu_method);
    SET("cpu_s", user_s + sys_s, "s", cpu_method);
    SET("peak_rss_bytes", peak_rss, "B", memory_method);
    *cpu_out = user_s + sys_s;
    *peak_out = peak_rss;
    return HML_OK;
}

hml_status meter_end(meter *m, double wall_s, meter_result *result, hml_err *err)
{
    memset(result, 0, sizeof *result);
    double cpu_s = 0, peak_rss = 0;
    SET("wall_s", wall_s, "s", "measured");
    hml_status status = fill_usage(m, result, &cpu_s, &peak_rss, err);
    if (status != HML_OK) {
        meter_result_free(result);
        return status;
    }
    if (m->peak_gpu_mem >= 0)
        SET("gpu_mem_bytes", m->peak_gpu_mem, "B", "nvml");
    status = fill_energy(m, wall_s, cpu_s, peak_rss, result, err);
    fitness_snapshot fitness_after;
    fitness_read_after(NULL, &m->fitness_before, &fitness_after);
    if (status == HML_OK &&
        fitness_add_metrics(&m->fitness_before, &fitness_after, cpu_s, wall_s, &result->metrics))
        status = hml_fail(err, HML_ESYSTEM, "meter: out of memory");
    if (status != HML_OK) {
        meter_result_free(result);
        return status;
    }
    /* Hand the timeline over. */
    result->samples = m->samples;
    result->sample_count = m->sample_count;
    m->samples = NULL;
    m->sample_count = m->sample_capacity = 0;
    return HML_OK;
}

void meter_free(meter *m)
{
    if (!m)
        return;
    if (m->have_cgroup)
        run_cgroup_remove(&m->cgroup);
    proctree_free(m->tree);
    proctree_snapshot_free(&m->snap);
    free(m->samples);
    if (m->have_rapl)
        meter_rapl_close(&m->rapl);
    meter_nvml_close(m->nvml);
    free(m);
}

void meter_result_free(meter_result *result)
{
    meter_metrics_free(&result->metrics);
    free(result->samples);
    result->samples = NULL;
    result->sample_count = 0;
}
