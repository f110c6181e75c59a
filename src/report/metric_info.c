#include "report/metric_info.h"

#include <string.h>

/* Costs: the time, memory and energy the study measures. energy_kwh stands
 * for energy (energy_total_j is the same figure in J and is not listed, so it
 * is not tested twice); the components are shown, not tested. CO2 is energy
 * times a constant (pue x grid intensity, docs/contracts.md): its test would
 * repeat energy's, so it is shown but not tested, and the verdict names it
 * with energy. */
const report_metric_info report_metric_table[] = {
    {"wall_s", "wall time", "s", 1, true, false},
    {"cpu_s", "CPU time", "s", 1, true, false},
    {"user_s", "user CPU time", "s", 1, false, false},
    {"sys_s", "system CPU time", "s", 1, false, false},
    {"peak_rss_bytes", "peak RSS", "MiB", 1.0 / (1024 * 1024), true, false},
    {"gpu_mem_bytes", "GPU memory", "MiB", 1.0 / (1024 * 1024), true, false},
    {"energy_kwh", "energy", "Wh", 1000, true, false},
    {"energy_cpu_j", "CPU energy", "Wh", 1 / 3600.0, false, false},
    /* The CPU estimate's band (power_model.h): linear and load-curve models. */
    {"energy_cpu_low_j", "CPU energy low", "Wh", 1 / 3600.0, false, false},
    {"energy_cpu_high_j", "CPU energy high", "Wh", 1 / 3600.0, false, false},
    {"energy_dram_j", "DRAM energy", "Wh", 1 / 3600.0, false, false},
    {"energy_ram_j", "RAM energy", "Wh", 1 / 3600.0, false, false},
    {"energy_gpu_j", "GPU energy", "Wh", 1 / 3600.0, false, false},
    {"co2_g", "CO2", "g", 1, false, false},
    {"accuracy", "accuracy", "%", 100, false, true},
    {"final_loss", "final loss", "", 1, false, false},
    {"images_per_s", "throughput", "img/s", 1, false, true},
    {NULL, NULL, NULL, 0, false, false},
};

const report_metric_info *report_metric_lookup(const char *name)
{
    for (const report_metric_info *m = report_metric_table; m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

int report_metric_rank(const char *name)
{
    int i = 0;
    for (const report_metric_info *m = report_metric_table; m->name; m++, i++)
        if (strcmp(m->name, name) == 0)
            return i;
    return i;
}
