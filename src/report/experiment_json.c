#include "report/experiment_json.h"

#include "common/json.h"
#include "meter/host_json.h"
#include "report/measurement.h"

static cJSON *run_json(bool *ok, const store_run *run)
{
    cJSON *o = cJSON_CreateObject();
    json_put_number(ok, o, "index", (double)run->run_index);
    json_put_number(ok, o, "position", (double)run->position);
    json_put_string(ok, o, "started_at", run->started_at);
    json_put_string(ok, o, "status", store_run_status_name(run->status));
    json_put(ok, o, "reason", json_string_or_null(run->reason));
    json_put(ok, o, "metrics", report_metrics_json(run->metrics, run->metric_count));
    json_put(ok, o, "result", json_parsed_or_null(run->result_json));
    json_put_string(ok, o, "notes", run->notes ? run->notes : "");
    return o;
}

/* A stored command or environment: left out when it is not JSON. */
static void put_parsed(bool *ok, cJSON *o, const char *key, const char *text)
{
    cJSON *parsed = cJSON_Parse(text);
    if (parsed)
        json_put(ok, o, key, parsed);
}

static hml_status arm_json(bool *ok, store *s, const store_arm *arm, cJSON *arm_list,
                           hml_err *err)
{
    cJSON *o = json_append(ok, arm_list, cJSON_CreateObject());
    json_put_string(ok, o, "name", arm->name);
    json_put_bool(ok, o, "baseline", arm->is_baseline);
    json_put(ok, o, "smell", json_string_or_null(arm->smell));
    put_parsed(ok, o, "command", arm->argv_json);
    put_parsed(ok, o, "env", arm->env_json);
    cJSON *run_list = json_put_array(ok, o, "runs");
    store_run *runs = NULL;
    size_t n = 0;
    hml_status st = store_list_runs(s, arm->id, &runs, &n, err);
    if (st != HML_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        json_append(ok, run_list, run_json(ok, &runs[i]));
    store_runs_free(runs, n);
    return HML_OK;
}

hml_status report_experiment_json(store *s, int64_t experiment_id, const char *store_path,
                                  cJSON **out, hml_err *err)
{
    *out = NULL;
    store_experiment exp;
    bool found = false;
    hml_status st = store_get_experiment(s, experiment_id, &exp, &found, err);
    if (st != HML_OK)
        return st;
    if (!found)
        return hml_fail(err, HML_EUSAGE, "%s: no experiment %lld", store_path,
                        (long long)experiment_id);
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    json_put_string(&ok, root, "store", store_path);
    json_put_number(&ok, root, "experiment_id", (double)exp.id);
    json_put_string(&ok, root, "plan_key", exp.plan_key);
    json_put_string(&ok, root, "created_at", exp.created_at);
    json_put_number(&ok, root, "runs_per_arm", (double)exp.runs_per_arm);
    json_put_string(&ok, root, "order", exp.order);
    put_parsed(&ok, root, "plan", exp.plan_json);
    meter_host host;
    st = store_get_host(s, exp.host_id, &host, &found, err);
    if (st == HML_OK && found)
        json_put(&ok, root, "host", meter_host_json(&host));
    cJSON *arm_list = json_put_array(&ok, root, "arms");
    store_arm *arms = NULL;
    size_t arm_count = 0;
    if (st == HML_OK)
        st = store_list_arms(s, experiment_id, &arms, &arm_count, err);
    for (size_t a = 0; st == HML_OK && a < arm_count; a++)
        st = arm_json(&ok, s, &arms[a], arm_list, err);
    store_arms_free(arms, arm_count);
    store_experiment_clear(&exp);
    if (st == HML_OK && !ok)
        st = hml_fail(err, HML_ESYSTEM, "out of memory");
    if (st != HML_OK) {
        cJSON_Delete(root);
        return st;
    }
    *out = root;
    return HML_OK;
}
