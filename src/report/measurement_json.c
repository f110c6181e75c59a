#include "common/json.h"
#include "meter/host_json.h"
#include "report/measurement.h"

cJSON *report_metrics_json(const meter_metric *metrics, size_t count)
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

static cJSON *sample_json(const meter_sample *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "t_s", s->t_s);
    cJSON_AddNumberToObject(o, "rss_bytes", s->rss_bytes);
    cJSON_AddNumberToObject(o, "cpu_s", s->cpu_s);
    cJSON_AddNumberToObject(o, "processes", s->processes);
    if (s->gpu_mem_bytes >= 0)
        cJSON_AddNumberToObject(o, "gpu_mem_bytes", s->gpu_mem_bytes);
    else
        cJSON_AddNullToObject(o, "gpu_mem_bytes");
    /* joules so far, by the run's energy method; NaN (not known): null */
    cJSON_AddItemToObject(o, "energy_j", json_number_or_null(s->energy_j));
    return o;
}

cJSON *report_measurement_json(const report_measurement *m)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *cmd = cJSON_AddArrayToObject(root, "command");
    for (size_t i = 0; m->command[i]; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(m->command[i]));
    cJSON_AddStringToObject(root, "started_at", m->started_at);
    cJSON_AddStringToObject(root, "status", store_run_status_name(m->status));
    cJSON_AddItemToObject(root, "reason", json_string_or_null(m->reason));
    cJSON_AddItemToObject(root, "metrics",
                          report_metrics_json(m->metrics->items, m->metrics->count));
    cJSON_AddStringToObject(root, "notes", m->notes);
    cJSON_AddItemToObject(root, "host", meter_host_json(m->host));
    cJSON_AddItemToObject(root, "result", json_parsed_or_null(m->result_json));
    cJSON *samples = cJSON_AddArrayToObject(root, "samples");
    for (size_t i = 0; i < m->sample_count; i++)
        cJSON_AddItemToArray(samples, sample_json(&m->samples[i]));
    return root;
}
