#include "report/csv_schema.h"

#include <math.h>

#define KWH_TO_J 3.6e6

const char *const csv_schema_columns[] = {
    /* CodeCarbon's emissions.csv */
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
    "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
    "ram_energy", "energy_consumed", "country_name", "country_iso_code", "cpu_count",
    "cpu_model", "gpu_count", "gpu_model", "ram_total_size", "pue",
    /* ours */
    "arm", "smell", "baseline", "order", "hostname", "status", "reason", "accuracy", "final_loss",
    "images_per_s", "user_s", "sys_s", "cpu_s", "peak_rss_bytes", "gpu_mem_bytes",
    "energy_method", "cpu_energy_method", "gpu_energy_method", "ram_energy_method",
    "emissions_method",
    /* the arm's verdict against its baseline (empty for a baseline), its stability,
     * and the nodes its cost tests were stratified over (empty: the runs pooled) */
    "verdict", "verdict_stability", "verdict_nodes",
};
const size_t csv_schema_column_count = sizeof csv_schema_columns / sizeof csv_schema_columns[0];

/* ram_energy holds energy_dram_j when its method is "rapl", else energy_ram_j
 * (a run has one or the other); load_csv.c and format_csv.c handle it. */
/* Durations, energies, emissions, memory and throughput cannot be negative;
 * accuracy is a fraction; a loss may be any number. */
#define NOT_NEGATIVE 0, HUGE_VAL, CSV_NOT_NEGATIVE
const csv_metric_column csv_schema_metrics[] = {
    {"duration", "wall_s", "s", 1, NULL, "measured", NOT_NEGATIVE},
    {"emissions", "co2_g", "g", 1000, "emissions_method", "derived", NOT_NEGATIVE},
    {"cpu_energy", "energy_cpu_j", "J", KWH_TO_J, "cpu_energy_method", CSV_CODECARBON_METHOD,
     NOT_NEGATIVE},
    {"gpu_energy", "energy_gpu_j", "J", KWH_TO_J, "gpu_energy_method", CSV_CODECARBON_METHOD,
     NOT_NEGATIVE},
    {"energy_consumed", "energy_kwh", "kWh", 1, "energy_method", CSV_CODECARBON_METHOD,
     NOT_NEGATIVE},
    {"accuracy", "accuracy", "1", 1, NULL, "workload", 0, 1, CSV_FRACTION},
    {"final_loss", "final_loss", "1", 1, NULL, "workload", -HUGE_VAL, HUGE_VAL, "a number"},
    {"images_per_s", "images_per_s", "1/s", 1, NULL, "workload", NOT_NEGATIVE},
    {"user_s", "user_s", "s", 1, NULL, "measured", NOT_NEGATIVE},
    {"sys_s", "sys_s", "s", 1, NULL, "measured", NOT_NEGATIVE},
    {"cpu_s", "cpu_s", "s", 1, NULL, "measured", NOT_NEGATIVE},
    {"peak_rss_bytes", "peak_rss_bytes", "B", 1, NULL, "measured", NOT_NEGATIVE},
    {"gpu_mem_bytes", "gpu_mem_bytes", "B", 1, NULL, "nvml", NOT_NEGATIVE},
};
const size_t csv_schema_metric_count = sizeof csv_schema_metrics / sizeof csv_schema_metrics[0];

const char *const csv_schema_measurement_metrics[] = {
    "wall_s",       "user_s",        "sys_s",          "cpu_s",      "peak_rss_bytes",
    "gpu_mem_bytes", "energy_cpu_j", "energy_dram_j",  "energy_ram_j", "energy_gpu_j",
    "energy_total_j", "energy_kwh",  "co2_g",          "grid_intensity", "pue",
    "accuracy",     "final_loss",    "images_per_s",   "exit_code",  NULL,
};
