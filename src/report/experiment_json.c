#include "report/experiment_json.h"

#include "common/json.h"
#include "meter/host_json.h"
#include "report/measurement.h"

static cJSON *run_json(const store_run *run)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", (double)run->run_index);
    cJSON_AddNumberToObject(o, "position", (double)run->position);
    cJSON_AddStringToObject(o, "started_at", run->started_at);
    cJSON_AddStringToObject(o, "status", store_run_status_name(run->status));
    cJSON_AddItemToObject(o, "reason", json_string_or_null(run->reason));
    cJSON_AddItemToObject(o, "metrics", report_metrics_json(run->metrics, run->metric_count));
    cJSON_AddItemToObject(o, "result", json_parsed_or_null(run->result_json));
    cJSON_AddStringToObject(o, "notes", run->notes ? run->notes : "");
    return o;
}

static hml_status arm_json(store *s, const store_arm *arm, cJSON *arm_list, hml_err *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(arm_list, o);
    cJSON_AddStringToObject(o, "name", arm->name);
    cJSON_AddBoolToObject(o, "baseline", arm->is_baseline);
    cJSON_AddItemToObject(o, "smell", json_string_or_null(arm->smell));
    cJSON_AddItemToObject(o, "command", cJSON_Parse(arm->argv_json));
    cJSON_AddItemToObject(o, "env", cJSON_Parse(arm->env_json));
    cJSON *run_list = cJSON_AddArrayToObject(o, "runs");
    store_run *runs = NULL;
    size_t n = 0;
    hml_status st = store_list_runs(s, arm->id, &runs, &n, err);
    if (st != HML_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(run_list, run_json(&runs[i]));
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
    cJSON_AddStringToObject(root, "store", store_path);
    cJSON_AddNumberToObject(root, "experiment_id", (double)exp.id);
    cJSON_AddStringToObject(root, "plan_key", exp.plan_key);
    cJSON_AddStringToObject(root, "created_at", exp.created_at);
    cJSON_AddNumberToObject(root, "runs_per_arm", (double)exp.runs_per_arm);
    cJSON_AddStringToObject(root, "order", exp.order);
    cJSON *plan_json = cJSON_Parse(exp.plan_json);
    if (plan_json)
        cJSON_AddItemToObject(root, "plan", plan_json);
    meter_host host;
    st = store_get_host(s, exp.host_id, &host, &found, err);
    if (st == HML_OK && found)
        cJSON_AddItemToObject(root, "host", meter_host_json(&host));
    cJSON *arm_list = cJSON_AddArrayToObject(root, "arms");
    store_arm *arms = NULL;
    size_t arm_count = 0;
    if (st == HML_OK)
        st = store_list_arms(s, experiment_id, &arms, &arm_count, err);
    for (size_t a = 0; st == HML_OK && a < arm_count; a++)
        st = arm_json(s, &arms[a], arm_list, err);
    store_arms_free(arms, arm_count);
    store_experiment_clear(&exp);
    if (st != HML_OK) {
        cJSON_Delete(root);
        return st;
    }
    *out = root;
    return HML_OK;
}
