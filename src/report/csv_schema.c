#include "report/csv_schema.h"

#define KWH_TO_J 3.6e6

const char *const csv_schema_columns[] = {
    /* CodeCarbon's emissions.csv */
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
    "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
    "ram_energy", "energy_consumed", "country_name", "country_iso_code", "cpu_count",
    "cpu_model", "gpu_count", "gpu_model", "ram_total_size", "pue",
    /* ours */
    "arm", "smell", "baseline", "order", "status", "reason", "accuracy", "final_loss",
    "images_per_s", "user_s", "sys_s", "cpu_s", "peak_rss_bytes", "gpu_mem_bytes",
    "energy_method", "cpu_energy_method", "gpu_energy_method", "ram_energy_method",
    "emissions_method",
};
const size_t csv_schema_column_count = sizeof csv_schema_columns / sizeof csv_schema_columns[0];

/* ram_energy holds energy_dram_j when its method is "rapl", else energy_ram_j
 * (a run has one or the other); load_csv.c and format_csv.c handle it. */
const csv_metric_column csv_schema_metrics[] = {
    {"duration", "wall_s", "s", 1, NULL, "measured"},
    {"emissions", "co2_g", "g", 1000, "emissions_method", "derived"},
    {"cpu_energy", "energy_cpu_j", "J", KWH_TO_J, "cpu_energy_method", CSV_CODECARBON_METHOD},
    {"gpu_energy", "energy_gpu_j", "J", KWH_TO_J, "gpu_energy_method", CSV_CODECARBON_METHOD},
    {"energy_consumed", "energy_kwh", "kWh", 1, "energy_method", CSV_CODECARBON_METHOD},
    {"accuracy", "accuracy", "1", 1, NULL, "workload"},
    {"final_loss", "final_loss", "1", 1, NULL, "workload"},
    {"images_per_s", "images_per_s", "1/s", 1, NULL, "workload"},
    {"user_s", "user_s", "s", 1, NULL, "measured"},
    {"sys_s", "sys_s", "s", 1, NULL, "measured"},
    {"cpu_s", "cpu_s", "s", 1, NULL, "measured"},
    {"peak_rss_bytes", "peak_rss_bytes", "B", 1, NULL, "measured"},
    {"gpu_mem_bytes", "gpu_mem_bytes", "B", 1, NULL, "nvml"},
};
const size_t csv_schema_metric_count = sizeof csv_schema_metrics / sizeof csv_schema_metrics[0];
