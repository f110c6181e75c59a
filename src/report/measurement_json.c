#include "common/json.h"
#include "meter/host_json.h"
#include "report/measurement.h"

cJSON *report_metrics_json(const meter_metric *metrics, size_t count)
{
    cJSON *obj = cJSON_CreateObject();
    bool ok = obj != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        cJSON *m = json_put_object(&ok, obj, metrics[i].name);
        json_put_number(&ok, m, "value", metrics[i].value);
        json_put_string(&ok, m, "unit", metrics[i].unit);
        json_put_string(&ok, m, "method", metrics[i].method);
    }
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static cJSON *sample_json(bool *ok, const meter_sample *s)
{
    cJSON *o = cJSON_CreateObject();
    json_put_number(ok, o, "t_s", s->t_s);
    json_put_number(ok, o, "rss_bytes", s->rss_bytes);
    json_put_number(ok, o, "cpu_s", s->cpu_s);
    json_put_number(ok, o, "processes", s->processes);
    if (s->gpu_mem_bytes >= 0)
        json_put_number(ok, o, "gpu_mem_bytes", s->gpu_mem_bytes);
    else
        json_put_null(ok, o, "gpu_mem_bytes");
    /* joules so far, by the run's energy method; NaN (not known): null */
    json_put(ok, o, "energy_j", json_number_or_null(s->energy_j));
    return o;
}

cJSON *report_measurement_json(const report_measurement *m)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    cJSON *cmd = json_put_array(&ok, root, "command");
    for (size_t i = 0; m->command[i]; i++)
        json_append(&ok, cmd, cJSON_CreateString(m->command[i]));
    json_put_string(&ok, root, "started_at", m->started_at);
    json_put_string(&ok, root, "status", store_run_status_name(m->status));
    json_put(&ok, root, "reason", json_string_or_null(m->reason));
    json_put(&ok, root, "metrics", report_metrics_json(m->metrics->items, m->metrics->count));
    json_put_string(&ok, root, "notes", m->notes);
    json_put(&ok, root, "host", meter_host_json(m->host));
    json_put(&ok, root, "result", json_parsed_or_null(m->result_json));
    cJSON *samples = json_put_array(&ok, root, "samples");
    for (size_t i = 0; i < m->sample_count; i++)
        json_append(&ok, samples, sample_json(&ok, &m->samples[i]));
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
