#include "meter/meter.h"
#include "common/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meter/carbon.h"
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
    proctree *tree;
    proctree_snapshot snap;

    meter_sample *samples;
    size_t sample_count, sample_capacity;
    double peak_sampled_rss;
    double peak_gpu_mem; /* < 0: not known */

    /* Sums over the processes of the tree we reaped (wait4). */
    double reaped_user_s, reaped_sys_s;
    double reaped_maxrss_bytes;

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
    meter_cpu_facts facts;
    meter_cpu_facts_read(NULL, &facts);
    power_model_init(&m->cpu_model, opts->cpu_tdp_w, facts.model, facts.package_cpus,
                     facts.allowed_cpus);

    if (opts->use_rapl) {
        m->have_rapl = meter_rapl_open(&m->rapl, NULL, m->rapl_why, sizeof m->rapl_why);
        char amd_why[320];
        if (!m->have_rapl &&
            !(m->have_rapl = meter_rapl_open_amd_energy(&m->rapl, NULL, amd_why, sizeof amd_why))) {
            size_t used = strlen(m->rapl_why);
            text_format(m->rapl_why + used, sizeof m->rapl_why - used, "; %s", amd_why);
        }
        if (m->have_rapl)
            meter_rapl_start(&m->rapl);
    } else {
        text_format(m->rapl_why, sizeof m->rapl_why, "rapl: turned off");
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

void meter_watch(meter *m, pid_t root) { m->root = root; }

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

void meter_add_reaped(meter *m, const struct rusage *usage)
{
    m->reaped_user_s += (double)usage->ru_utime.tv_sec + (double)usage->ru_utime.tv_usec * 1e-6;
    m->reaped_sys_s += (double)usage->ru_stime.tv_sec + (double)usage->ru_stime.tv_usec * 1e-6;
    double maxrss = (double)usage->ru_maxrss * 1024.0; /* kilobytes on Linux */
    if (maxrss > m->reaped_maxrss_bytes)
        m->reaped_maxrss_bytes = maxrss;
}

static void add_note(char *notes, size_t size, const char *note)
{
    size_t used = strlen(notes);
    if (used + 3 >= size)
        return;
    text_format(notes + used, size - used, "%s%s", used ? "; " : "", note);
}

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
        add_note(result->notes, sizeof result->notes, note);
        if (dram_j >= 0) {
            SET("energy_dram_j", dram_j, "J", "rapl");
            total_j += dram_j;
        }
    } else {
        add_note(result->notes, sizeof result->notes, m->rapl_why);
        /* The samples' integral, closed with the final CPU time at the end. */
        power_integral_add(&m->cpu_so_far, &m->cpu_model, wall_s, cpu_s);
        double cpu_j, low_j, high_j;
        power_integral_joules(&m->cpu_so_far, &m->cpu_model, &cpu_j, &low_j, &high_j);
        SET("energy_cpu_j", cpu_j, "J", m->cpu_model.method);
        SET("energy_cpu_low_j", low_j, "J", m->cpu_model.method);
        SET("energy_cpu_high_j", high_j, "J", m->cpu_model.method);
        total_j += cpu_j;
        add_note(result->notes, sizeof result->notes, m->cpu_model.note);
    }
    if (!m->have_rapl || !meter_metrics_find(&result->metrics, "energy_dram_j")) {
        double ram_j = estimate_ram_joules(m->samples, m->sample_count, wall_s, peak_rss, method,
                                           sizeof method);
        SET("energy_ram_j", ram_j, "J", method);
        total_j += ram_j;
        add_note(result->notes, sizeof result->notes,
                 "ram energy estimated: 0.375 W per GiB of RSS over time (CodeCarbon's constant)");
    }
    if (m->have_nvml_energy) {
        double end_mj = 0;
        char why[320];
        if (meter_nvml_total_energy_mj(m->nvml, &end_mj, why, sizeof why)) {
            double gpu_j = (end_mj - m->nvml_start_mj) * 1e-3;
            SET("energy_gpu_j", gpu_j, "J", "nvml");
            total_j += gpu_j;
            add_note(result->notes, sizeof result->notes,
                     "nvml: total-energy counter of every GPU (machine-wide)");
        } else {
            add_note(result->notes, sizeof result->notes, why);
        }
    } else {
        add_note(result->notes, sizeof result->notes, m->nvml_why);
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

hml_status meter_end(meter *m, double wall_s, meter_result *result, hml_err *err)
{
    memset(result, 0, sizeof *result);
    double user_s = m->reaped_user_s, sys_s = m->reaped_sys_s;
    double cpu_s = user_s + sys_s;
    double peak_rss =
        m->peak_sampled_rss > m->reaped_maxrss_bytes ? m->peak_sampled_rss : m->reaped_maxrss_bytes;
    SET("wall_s", wall_s, "s", "measured");
    SET("user_s", user_s, "s", "measured");
    SET("sys_s", sys_s, "s", "measured");
    SET("cpu_s", cpu_s, "s", "measured");
    SET("peak_rss_bytes", peak_rss, "B", "measured");
    if (m->peak_gpu_mem >= 0)
        SET("gpu_mem_bytes", m->peak_gpu_mem, "B", "nvml");
    hml_status status = fill_energy(m, wall_s, cpu_s, peak_rss, result, err);
    fitness_snapshot fitness_after;
    fitness_read(NULL, &fitness_after);
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
