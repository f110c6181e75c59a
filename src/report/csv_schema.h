/* The columns of our CSV: CodeCarbon's emissions.csv names where they
 * overlap (so dashboards that read CodeCarbon read ours), then our own.
 * Shared by the writer (format_csv.c) and the reader (load_csv.c); below
 * them, the columns of one measured run (measurement_csv.c). */
#ifndef HMLCOST_REPORT_CSV_SCHEMA_H
#define HMLCOST_REPORT_CSV_SCHEMA_H

#include <stddef.h>

/* Every column of a report's CSV, in order. */
extern const char *const csv_schema_columns[];
extern const size_t csv_schema_column_count;

/* A column that holds one metric, in the column's own unit. */
typedef struct csv_metric_column {
    const char *column;        /* e.g. "cpu_energy" (kWh, as CodeCarbon) */
    const char *metric;        /* e.g. "energy_cpu_j" */
    const char *unit;          /* the metric's unit */
    double to_metric;          /* metric value = column value * to_metric */
    const char *method_column; /* the column holding the metric's method, or NULL */
    const char *default_method; /* when there is no method column (or it is empty) */
    double min, max;           /* the column's contract: values outside are refused */
    const char *contract;      /* the contract in words, for the refusal */
} csv_metric_column;

/* Contracts in words. */
#define CSV_NOT_NEGATIVE "0 or more"
#define CSV_FRACTION "from 0 to 1 (a fraction: a percentage must be divided by 100)"

extern const csv_metric_column csv_schema_metrics[];
extern const size_t csv_schema_metric_count;

/* The method CodeCarbon's figures get: its file does not say whether it read
 * RAPL or estimated from the CPU's TDP. */
#define CSV_CODECARBON_METHOD "codecarbon"

/* The metrics of `hmlcost measure --csv`, in order, NULL-terminated: each
 * becomes a column of its value and one of its method (contract names). */
extern const char *const csv_schema_measurement_metrics[];

#endif
