#include <string.h>

#include "common/escape.h"
#include "report/csv_schema.h"
#include "report/measurement.h"

void report_measurement_csv(FILE *out, const report_measurement *m)
{
    const char *const *names = csv_schema_measurement_metrics;
    fputs("started_at,command,status,reason", out);
    for (size_t i = 0; names[i]; i++)
        fprintf(out, ",%s,%s_method", names[i], names[i]);
    fputs(",cpu_model,threads,notes\n", out);
    char command[4096] = "";
    for (size_t i = 0; m->command[i]; i++) {
        size_t used = strlen(command);
        snprintf(command + used, sizeof command - used, "%s%s", i ? " " : "", m->command[i]);
    }
    fprintf(out, "%s,", m->started_at);
    escape_csv_field(out, command);
    fprintf(out, ",%s,", store_run_status_name(m->status));
    escape_csv_field(out, m->reason);
    for (size_t i = 0; names[i]; i++) {
        const meter_metric *x = meter_metrics_find(m->metrics, names[i]);
        if (x) {
            fprintf(out, ",%.17g,", x->value);
            escape_csv_field(out, x->method);
        } else {
            fputs(",,", out);
        }
    }
    fputc(',', out);
    escape_csv_field(out, m->host->cpu_model);
    fprintf(out, ",%d,", m->host->threads);
    escape_csv_field(out, m->notes);
    fputc('\n', out);
}
