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

static cJSON *number_array(bool *ok, const double *values, int count)
{
    cJSON *array = cJSON_CreateArray();
    for (int i = 0; *ok && i < count; i++)
        json_append(ok, array, number(values ? values[i] : NAN));
    return array;
}

static cJSON *smells_object(bool *ok, const workload_result *r)
{
    cJSON *smells = cJSON_CreateObject();
    /* model-reuse: how many builds, whether earlier models stayed alive,
     * what each build cost. */
    cJSON *reuse = json_put_object(ok, smells, "model_reuse");
    json_put_number(ok, reuse, "model_builds", r->model_builds);
    json_put_bool(ok, reuse, "keep_stale_models", r->keep_stale_models);
    json_put(ok, reuse, "build_s", number_array(ok, r->build_s_each, r->model_builds));
    json_put_number(ok, reuse, "model_bytes", (double)r->model_bytes);
    json_put_number(ok, reuse, "stale_model_bytes", (double)r->stale_model_bytes);
    json_put_number(ok, reuse, "primitive_cache_capacity", r->primitive_cache_capacity);
    /* minibatch: the batch as asked (the smell is a batch far above need). */
    cJSON *mini = json_put_object(ok, smells, "minibatch");
    json_put_number(ok, mini, "batch", r->batch);
    json_put_number(ok, mini, "default_batch", WORKLOAD_DEFAULT_BATCH);
    json_put_number(ok, mini, "last_batch", r->last_batch);
    /* libpath: what LD_LIBRARY_PATH held; where libraries resolved is in
     * `libraries`, the start-up cost in `startup`. */
    cJSON *libpath = json_put_object(ok, smells, "libpath");
    json_put_number(ok, libpath, "ld_library_path_entries", r->ld_library_path_entries);
    json_put_number(ok, libpath, "ld_library_path_missing", r->ld_library_path_missing);
    /* parallelism: threads asked, where the number came from, used. */
    cJSON *par = json_put_object(ok, smells, "parallelism");
    if (r->threads_requested > 0)
        json_put_number(ok, par, "threads_requested", r->threads_requested);
    else
        json_put_null(ok, par, "threads_requested");
    json_put_string(ok, par, "threads_source", r->threads_source);
    json_put_number(ok, par, "threads_used", r->threads);
    json_put(ok, par, "omp_num_threads_env", json_string_or_null(r->omp_num_threads_env));
    json_put_number(ok, par, "logical_cpus", r->logical_cpus);
    return smells;
}

hml_status workload_result_json(const workload_result *r, char **out, hml_err *err)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    json_put_number(&ok, root, "schema", WORKLOAD_RESULT_SCHEMA);
    json_put_string(&ok, root, "workload", "reference-cnn");
    json_put_string(&ok, root, "version", HMLCOST_VERSION);
    json_put_string(&ok, root, "device_requested", r->device_requested);
    json_put_string(&ok, root, "device_used", r->device_used);
    json_put(&ok, root, "fallback_reason", json_string_or_null(r->fallback_reason));
    json_put_string(&ok, root, "backend", r->backend);
    json_put_string(&ok, root, "data_path", r->data_path);
    json_put_number(&ok, root, "threads", r->threads);
    json_put_number(&ok, root, "batch", r->batch);
    json_put_number(&ok, root, "epochs", r->epochs);
    json_put_number(&ok, root, "seed", (double)r->seed);
    json_put_number(&ok, root, "train_images", (double)r->train_images);
    json_put_number(&ok, root, "test_images", (double)r->test_images);
    json_put_number(&ok, root, "parameters", (double)r->parameters);
    json_put_number(&ok, root, "model_builds", r->model_builds);
    json_put_string(&ok, root, "data", r->data);
    json_put(&ok, root, "data_note", json_string_or_null(r->data_note));
    json_put_string(&ok, root, "optimizer", r->optimizer);
    json_put(&ok, root, "lr", number(r->lr));
    json_put(&ok, root, "accuracy", number(r->accuracy));
    json_put(&ok, root, "test_loss", number(r->test_loss));
    json_put(&ok, root, "loss", number_array(&ok, r->loss, r->epochs));
    json_put(&ok, root, "images_per_s", number(r->images_per_s));

    cJSON *phase = json_put_object(&ok, root, "phase_s");
    json_put(&ok, phase, "start", seconds_or_null(r->start_s));
    json_put(&ok, phase, "data", number(r->data_s));
    json_put(&ok, phase, "build", number(r->build_s));
    json_put(&ok, phase, "train", number(r->train_s));
    json_put(&ok, phase, "eval", number(r->eval_s));

    cJSON *startup = json_put_object(&ok, root, "startup");
    json_put_string(&ok, startup, "clock", r->start_clock);
    json_put(&ok, startup, "process_to_main_s", seconds_or_null(r->process_to_main_s));
    json_put(&ok, startup, "onednn_load_s", number(r->onednn_load_s));
    json_put(&ok, startup, "process_to_first_step_s", seconds_or_null(r->first_step_s));
    json_put(&ok, startup, "cpu_before_main_s", seconds_or_null(r->cpu_before_main_s));

    cJSON *libs = json_put_array(&ok, root, "libraries");
    for (size_t i = 0; i < r->library_count; i++) {
        cJSON *lib = cJSON_CreateObject();
        json_put_string(&ok, lib, "name", r->libraries[i].name);
        json_put_string(&ok, lib, "path", r->libraries[i].path);
        json_put(&ok, lib, "version", json_string_or_null(r->libraries[i].version));
        json_append(&ok, libs, lib);
    }
    json_put(&ok, root, "smells", smells_object(&ok, r));
    /* The backend's own record, under the device's name ("cuda"). */
    cJSON *details = r->backend_details ? cJSON_Parse(r->backend_details) : NULL;
    if (cJSON_IsObject(details))
        json_put(&ok, root, r->device_used, details);
    else
        cJSON_Delete(details);

    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
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
