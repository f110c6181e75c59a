/* One measured run (`hmlcost measure`) in each output format: a few lines
 * for people, a JSON object, a CSV header and row; and the units those
 * lines (and run's progress lines) write figures in. */
#ifndef HMLCOST_REPORT_MEASUREMENT_H
#define HMLCOST_REPORT_MEASUREMENT_H

#include <stddef.h>
#include <stdio.h>

#include <cJSON.h>

#include "meter/host.h"
#include "meter/metric.h"
#include "store/store.h"

typedef struct report_measurement {
    char *const *command;         /* NULL-terminated argv as run */
    const char *started_at;       /* ISO 8601 UTC */
    store_run_status status;
    const char *reason;           /* "" when none */
    const meter_metrics *metrics; /* with the workload's */
    const meter_sample *samples;
    size_t sample_count;
    double interval_s;            /* the sampling interval asked for */
    const char *notes;            /* "; "-separated */
    const char *result_json;      /* the workload's line, or NULL */
    const meter_host *host;
} report_measurement;

/* "1.9 MiB", "4.6 J" / "3.40 Wh (12240 J)", "0.0123 g" / "1.20 kg". */
void report_fmt_bytes(double bytes, char *out, size_t size);
void report_fmt_joules(double joules, char *out, size_t size);
void report_fmt_grams(double grams, char *out, size_t size);

/* The run's status and, in parentheses, its reason (escaped), then '\n':
 * "ok", "timeout (killed after 2 s)". */
void report_measurement_status(FILE *out, const report_measurement *m);

/* The figures as a few indented lines for people, each with its method. */
void report_measurement_text(FILE *out, const report_measurement *m);

/* {"command", "started_at", "status", "reason", "metrics", "notes", "host",
 * "result", "samples"}; NULL when memory runs out. */
cJSON *report_measurement_json(const report_measurement *m);

/* A header and one row: the run, then each of csv_schema_measurement_metrics
 * with its method, then the host's CPU and the notes. */
void report_measurement_csv(FILE *out, const report_measurement *m);

/* {"wall_s": {"value":..., "unit":"s", "method":"measured"}, ...}; NULL
 * when memory runs out. */
cJSON *report_metrics_json(const meter_metric *metrics, size_t count);

#endif
