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

static cJSON *record_object(bool *ok, const conv_algo_record *r)
{
    cJSON *o = cJSON_CreateObject();
    json_put_string(ok, o, "layer", r->layer);
    json_put_string(ok, o, "direction", conv_dir_name(r->dir));
    json_put_number(ok, o, "algo", r->algo);
    json_put_string(ok, o, "name", conv_algo_name(r->dir, r->algo));
    json_put_string(ok, o, "source", conv_source_name(r->source));
    json_put_number(ok, o, "workspace_bytes", (double)r->workspace);
    if (r->find_ms >= 0)
        json_put_number(ok, o, "find_ms", r->find_ms);
    if (r->rejected_algo >= 0) {
        cJSON *rej = json_put_object(ok, o, "rejected");
        json_put_number(ok, rej, "algo", r->rejected_algo);
        json_put_string(ok, rej, "why", r->rejected_why);
    }
    return o;
}

hml_status cuda_details_json(const cuda_details *d, char **out, hml_err *err)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    char cc[16];
    snprintf(cc, sizeof cc, "%d.%d", d->cc_major, d->cc_minor);
    json_put(&ok, root, "device", json_string_or_null(d->device));
    json_put(&ok, root, "compute_capability", json_string_or_null(d->device[0] ? cc : ""));
    json_put_number(&ok, root, "multiprocessors", d->multiprocessors);
    json_put(&ok, root, "driver_cuda", json_string_or_null(d->driver_cuda));
    json_put(&ok, root, "cudnn", json_string_or_null(d->cudnn));
    json_put(&ok, root, "cublas", json_string_or_null(d->cublas));
    json_put_string(&ok, root, "math", d->tf32 ? "tf32" : "fp32");
    json_put_bool(&ok, root, "graphs", d->graphs);
    json_put_bool(&ok, root, "fused_conv_bias_relu", d->fused);
    json_put(&ok, root, "bias_grad", json_string_or_null(d->bias_grad));
    json_put_string(&ok, root, "wgrad", d->wgrad_own ? "own" : "cudnn");
    json_put_string(&ok, root, "pool_bwd", d->pool_fused ? "fused" : "cudnn");
    json_put_bool(&ok, root, "profile", d->profile);
    json_put_string(&ok, root, "algo_policy", conv_policy_name(d->policy));
    json_put(&ok, root, "algo_policy_used", json_string_or_null(d->policy_used));
    json_put(&ok, root, "algo_table", json_string_or_null(d->table));
    json_put(&ok, root, "algo_note", json_string_or_null(d->policy_note));
    json_put_number(&ok, root, "algo_pins", d->pins);
    char spec[1024];
    conv_algo_spec_format(d->records, d->record_count, spec, sizeof spec);
    json_put(&ok, root, "algorithms", json_string_or_null(spec));
    cJSON *choices = json_put_array(&ok, root, "algorithm_choices");
    for (int i = 0; i < d->record_count; i++)
        if (d->records[i].used)
            json_append(&ok, choices, record_object(&ok, &d->records[i]));
    cJSON *notes = json_put_array(&ok, root, "notes");
    for (int i = 0; i < d->note_count; i++)
        json_append(&ok, notes, cJSON_CreateString(d->notes[i]));
    if (d->notes_dropped)
        json_put_number(&ok, root, "notes_dropped", d->notes_dropped);
    cJSON *libs = json_put_object(&ok, root, "library_load_s");
    json_put_number(&ok, libs, "probe", d->probe_s);
    for (int i = 0; i < d->lib_count; i++)
        json_put_number(&ok, libs, d->lib_name[i], d->lib_load_s[i]);
    /* [label, seconds] in order: labels repeat (a first step per plan). */
    cJSON *setup = json_put_array(&ok, root, "setup_s");
    for (int i = 0; i < d->timing_count; i++) {
        cJSON *pair = cJSON_CreateArray();
        json_append(&ok, pair, cJSON_CreateString(d->timing_label[i]));
        json_append(&ok, pair, cJSON_CreateNumber(d->timing_s[i]));
        json_append(&ok, setup, pair);
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return hml_fail(err, HML_ESYSTEM, "cuda details: out of memory");
    *out = text;
    return HML_OK;
}
