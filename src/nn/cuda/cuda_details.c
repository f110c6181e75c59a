#include "nn/cuda/cuda_details.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"

void cuda_details_note(cuda_details *d, const char *fmt, ...)
{
    char note[CUDA_DETAILS_NOTE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
    for (int i = 0; i < d->note_count; i++)
        if (strcmp(d->notes[i], note) == 0)
            return;
    if (d->note_count < CUDA_DETAILS_NOTES)
        snprintf(d->notes[d->note_count++], CUDA_DETAILS_NOTE, "%s", note);
    else
        d->notes_dropped++;
}

static cJSON *record_object(const conv_algo_record *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "layer", r->layer);
    cJSON_AddStringToObject(o, "direction", conv_dir_name(r->dir));
    cJSON_AddNumberToObject(o, "algo", r->algo);
    cJSON_AddStringToObject(o, "name", conv_algo_name(r->dir, r->algo));
    cJSON_AddStringToObject(o, "source", conv_source_name(r->source));
    cJSON_AddNumberToObject(o, "workspace_bytes", (double)r->workspace);
    if (r->find_ms >= 0)
        cJSON_AddNumberToObject(o, "find_ms", r->find_ms);
    if (r->rejected_algo >= 0) {
        cJSON *rej = cJSON_AddObjectToObject(o, "rejected");
        cJSON_AddNumberToObject(rej, "algo", r->rejected_algo);
        cJSON_AddStringToObject(rej, "why", r->rejected_why);
    }
    return o;
}

hml_status cuda_details_json(const cuda_details *d, char **out, hml_err *err)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return hml_fail(err, HML_ESYSTEM, "cuda details: out of memory");
    char cc[16];
    snprintf(cc, sizeof cc, "%d.%d", d->cc_major, d->cc_minor);
    cJSON_AddItemToObject(root, "device", json_string_or_null(d->device));
    cJSON_AddItemToObject(root, "compute_capability", json_string_or_null(d->device[0] ? cc : ""));
    cJSON_AddNumberToObject(root, "multiprocessors", d->multiprocessors);
    cJSON_AddItemToObject(root, "driver_cuda", json_string_or_null(d->driver_cuda));
    cJSON_AddItemToObject(root, "cudnn", json_string_or_null(d->cudnn));
    cJSON_AddItemToObject(root, "cublas", json_string_or_null(d->cublas));
    cJSON_AddStringToObject(root, "math", d->tf32 ? "tf32" : "fp32");
    cJSON_AddBoolToObject(root, "graphs", d->graphs);
    cJSON_AddBoolToObject(root, "fused_conv_bias_relu", d->fused);
    cJSON_AddItemToObject(root, "bias_grad", json_string_or_null(d->bias_grad));
    cJSON_AddStringToObject(root, "wgrad", d->wgrad_own ? "own" : "cudnn");
    cJSON_AddStringToObject(root, "pool_bwd", d->pool_fused ? "fused" : "cudnn");
    cJSON_AddBoolToObject(root, "profile", d->profile);
    cJSON_AddStringToObject(root, "algo_policy", conv_policy_name(d->policy));
    cJSON_AddItemToObject(root, "algo_policy_used", json_string_or_null(d->policy_used));
    cJSON_AddItemToObject(root, "algo_table", json_string_or_null(d->table));
    cJSON_AddItemToObject(root, "algo_note", json_string_or_null(d->policy_note));
    cJSON_AddNumberToObject(root, "algo_pins", d->pins);
    char spec[1024];
    conv_algo_spec_format(d->records, d->record_count, spec, sizeof spec);
    cJSON_AddItemToObject(root, "algorithms", json_string_or_null(spec));
    cJSON *choices = cJSON_AddArrayToObject(root, "algorithm_choices");
    for (int i = 0; i < d->record_count; i++)
        if (d->records[i].used)
            cJSON_AddItemToArray(choices, record_object(&d->records[i]));
    cJSON *notes = cJSON_AddArrayToObject(root, "notes");
    for (int i = 0; i < d->note_count; i++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(d->notes[i]));
    if (d->notes_dropped)
        cJSON_AddNumberToObject(root, "notes_dropped", d->notes_dropped);
    cJSON *libs = cJSON_AddObjectToObject(root, "library_load_s");
    cJSON_AddNumberToObject(libs, "probe", d->probe_s);
    for (int i = 0; i < d->lib_count; i++)
        cJSON_AddNumberToObject(libs, d->lib_name[i], d->lib_load_s[i]);
    /* [label, seconds] in order: labels repeat (a first step per plan). */
    cJSON *setup = cJSON_AddArrayToObject(root, "setup_s");
    for (int i = 0; i < d->timing_count; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(d->timing_label[i]));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber(d->timing_s[i]));
        cJSON_AddItemToArray(setup, pair);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return hml_fail(err, HML_ESYSTEM, "cuda details: out of memory");
    *out = text;
    return HML_OK;
}
