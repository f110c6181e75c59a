#include "workload/result_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/fd_write.h"
#include "common/json.h"

/* A diverged run (NaN loss, accuracy) reports null: json_number_or_null. */
static cJSON *number(double value) { return json_number_or_null(value); }

static cJSON *seconds_or_null(double s) { return s >= 0 ? number(s) : cJSON_CreateNull(); }

static cJSON *number_array(const double *values, int count)
{
    cJSON *array = cJSON_CreateArray();
    for (int i = 0; array && i < count; i++)
        cJSON_AddItemToArray(array, number(values ? values[i] : NAN));
    return array;
}

static cJSON *smells_object(const workload_result *r)
{
    cJSON *smells = cJSON_CreateObject();
    /* model-reuse: how many builds, whether earlier models stayed alive,
     * what each build cost. */
    cJSON *reuse = cJSON_AddObjectToObject(smells, "model_reuse");
    cJSON_AddNumberToObject(reuse, "model_builds", r->model_builds);
    cJSON_AddBoolToObject(reuse, "keep_stale_models", r->keep_stale_models);
    cJSON_AddItemToObject(reuse, "build_s", number_array(r->build_s_each, r->model_builds));
    cJSON_AddNumberToObject(reuse, "model_bytes", (double)r->model_bytes);
    cJSON_AddNumberToObject(reuse, "stale_model_bytes", (double)r->stale_model_bytes);
    cJSON_AddNumberToObject(reuse, "primitive_cache_capacity", r->primitive_cache_capacity);
    /* minibatch: the batch as asked (the smell is a batch far above need). */
    cJSON *mini = cJSON_AddObjectToObject(smells, "minibatch");
    cJSON_AddNumberToObject(mini, "batch", r->batch);
    cJSON_AddNumberToObject(mini, "default_batch", WORKLOAD_DEFAULT_BATCH);
    cJSON_AddNumberToObject(mini, "last_batch", r->last_batch);
    /* libpath: what LD_LIBRARY_PATH held; where libraries resolved is in
     * `libraries`, the start-up cost in `startup`. */
    cJSON *libpath = cJSON_AddObjectToObject(smells, "libpath");
    cJSON_AddNumberToObject(libpath, "ld_library_path_entries", r->ld_library_path_entries);
    cJSON_AddNumberToObject(libpath, "ld_library_path_missing", r->ld_library_path_missing);
    /* parallelism: threads asked, where the number came from, used. */
    cJSON *par = cJSON_AddObjectToObject(smells, "parallelism");
    if (r->threads_requested > 0)
        cJSON_AddNumberToObject(par, "threads_requested", r->threads_requested);
    else
        cJSON_AddNullToObject(par, "threads_requested");
    cJSON_AddStringToObject(par, "threads_source", r->threads_source);
    cJSON_AddNumberToObject(par, "threads_used", r->threads);
    cJSON_AddItemToObject(par, "omp_num_threads_env", json_string_or_null(r->omp_num_threads_env));
    cJSON_AddNumberToObject(par, "logical_cpus", r->logical_cpus);
    return smells;
}

hml_status workload_result_json(const workload_result *r, char **out, hml_err *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return hml_fail(err, HML_ESYSTEM, "result: out of memory");
    cJSON_AddNumberToObject(root, "schema", WORKLOAD_RESULT_SCHEMA);
    cJSON_AddStringToObject(root, "workload", "reference-cnn");
    cJSON_AddStringToObject(root, "version", HMLCOST_VERSION);
    cJSON_AddStringToObject(root, "device_requested", r->device_requested);
    cJSON_AddStringToObject(root, "device_used", r->device_used);
    cJSON_AddItemToObject(root, "fallback_reason", json_string_or_null(r->fallback_reason));
    cJSON_AddStringToObject(root, "backend", r->backend);
    cJSON_AddStringToObject(root, "data_path", r->data_path);
    cJSON_AddNumberToObject(root, "threads", r->threads);
    cJSON_AddNumberToObject(root, "batch", r->batch);
    cJSON_AddNumberToObject(root, "epochs", r->epochs);
    cJSON_AddNumberToObject(root, "seed", (double)r->seed);
    cJSON_AddNumberToObject(root, "train_images", (double)r->train_images);
    cJSON_AddNumberToObject(root, "test_images", (double)r->test_images);
    cJSON_AddNumberToObject(root, "parameters", (double)r->parameters);
    cJSON_AddNumberToObject(root, "model_builds", r->model_builds);
    cJSON_AddStringToObject(root, "data", r->data);
    cJSON_AddItemToObject(root, "data_note", json_string_or_null(r->data_note));
    cJSON_AddStringToObject(root, "optimizer", r->optimizer);
    cJSON_AddItemToObject(root, "lr", number(r->lr));
    cJSON_AddItemToObject(root, "accuracy", number(r->accuracy));
    cJSON_AddItemToObject(root, "test_loss", number(r->test_loss));
    cJSON_AddItemToObject(root, "loss", number_array(r->loss, r->epochs));
    cJSON_AddItemToObject(root, "images_per_s", number(r->images_per_s));

    cJSON *phase = cJSON_AddObjectToObject(root, "phase_s");
    cJSON_AddItemToObject(phase, "start", seconds_or_null(r->start_s));
    cJSON_AddItemToObject(phase, "data", number(r->data_s));
    cJSON_AddItemToObject(phase, "build", number(r->build_s));
    cJSON_AddItemToObject(phase, "train", number(r->train_s));
    cJSON_AddItemToObject(phase, "eval", number(r->eval_s));

    cJSON *startup = cJSON_AddObjectToObject(root, "startup");
    cJSON_AddStringToObject(startup, "clock", r->start_clock);
    cJSON_AddItemToObject(startup, "process_to_main_s", seconds_or_null(r->process_to_main_s));
    cJSON_AddItemToObject(startup, "onednn_load_s", number(r->onednn_load_s));
    cJSON_AddItemToObject(startup, "process_to_first_step_s", seconds_or_null(r->first_step_s));
    cJSON_AddItemToObject(startup, "cpu_before_main_s", seconds_or_null(r->cpu_before_main_s));

    cJSON *libs = cJSON_AddArrayToObject(root, "libraries");
    for (size_t i = 0; i < r->library_count; i++) {
        cJSON *lib = cJSON_CreateObject();
        cJSON_AddStringToObject(lib, "name", r->libraries[i].name);
        cJSON_AddStringToObject(lib, "path", r->libraries[i].path);
        cJSON_AddItemToObject(lib, "version", json_string_or_null(r->libraries[i].version));
        cJSON_AddItemToArray(libs, lib);
    }
    cJSON_AddItemToObject(root, "smells", smells_object(r));
    /* The backend's own record, under the device's name ("cuda"). */
    cJSON *details = r->backend_details ? cJSON_Parse(r->backend_details) : NULL;
    if (details && cJSON_IsObject(details))
        cJSON_AddItemToObject(root, r->device_used, details);
    else
        cJSON_Delete(details);

    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return hml_fail(err, HML_ESYSTEM, "result: out of memory");
    *out = text;
    return HML_OK;
}

static hml_status write_line(int fd, const char *text, hml_err *err)
{
    size_t len = strlen(text);
    char *line = malloc(len + 2);
    if (!line)
        return hml_fail(err, HML_ESYSTEM, "result: out of memory");
    memcpy(line, text, len);
    line[len] = '\n';
    line[len + 1] = '\0';
    int e = fd_write_all(fd, line, len + 1);
    free(line);
    if (e != 0)
        return hml_fail(err, HML_ESYSTEM, "result: cannot write to fd %d: %s", fd,
                        e > 0 ? strerror(e) : "nothing written");
    return HML_OK;
}

hml_status workload_result_write(int fd, const workload_result *result, hml_err *err)
{
    char *json = NULL;
    hml_status s = workload_result_json(result, &json, err);
    if (s == HML_OK)
        s = write_line(fd, json, err);
    free(json);
    return s;
}
