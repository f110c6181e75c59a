/* The cuda backend's record for the result JSON (src/nn/cuda/cuda_details.h):
 * the keys the GPU check and a reader rely on, notes once each, and the
 * algorithms in the form --cuda-algos reads back. No GPU needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/cjson_alloc.h"
#include "nn/cuda/cuda_details.h"

static cuda_details example(void)
{
    cuda_details d;
    memset(&d, 0, sizeof d);
    strcpy(d.device, "NVIDIA H200");
    d.cc_major = 9;
    d.multiprocessors = 132;
    strcpy(d.driver_cuda, "13.0");
    strcpy(d.cudnn, "9.14.0");
    strcpy(d.cublas, "13.1.0");
    d.graphs = d.fused = d.wgrad_own = true;
    d.bias_grad = "tiled";
    d.policy = CONV_POLICY_TABLE;
    d.policy_used = "table";
    d.table = "sm90-fp32";
    d.records[0] = (conv_algo_record){.used = true, .layer = "conv2", .dir = CONV_BWD_FILTER,
                                      .algo = 2, .source = CONV_SOURCE_TABLE,
                                      .workspace = 43024384, .find_ms = -1, .rejected_algo = -1};
    d.records[1] = (conv_algo_record){.used = true, .layer = "conv4", .dir = CONV_FWD, .algo = 1,
                                      .source = CONV_SOURCE_HEURISTIC, .workspace = 1024,
                                      .find_ms = -1, .rejected_algo = 4,
                                      .rejected_why = "CUDNN_STATUS_NOT_SUPPORTED (table)"};
    d.records[2] = (conv_algo_record){.used = true, .layer = "conv3", .dir = CONV_FWD, .algo = 0,
                                      .source = CONV_SOURCE_FIND, .find_ms = 0.051,
                                      .rejected_algo = -1};
    d.record_count = 3;
    d.timing_label[0] = "context (cudaSetDevice, cudaFree(0))";
    d.timing_s[0] = 0.11;
    d.timing_label[1] = "first step, eager (train)";
    d.timing_s[1] = 0.037;
    d.timing_label[2] = "first step, eager (train)";
    d.timing_s[2] = 0.005;
    d.timing_count = 3;
    d.lib_name[0] = "cuda-driver";
    d.lib_load_s[0] = 0.1;
    d.lib_count = 1;
    d.probe_s = 0.25;
    return d;
}

static cJSON *to_json(const cuda_details *d)
{
    char *text = NULL;
    hml_err err = {0};
    assert_int_equal(cuda_details_json(d, &text, &err), HML_OK);
    assert_null(strchr(text, '\n'));
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_true(cJSON_IsObject(root));
    return root;
}

static const char *string_of(cJSON *o, const char *key)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(item))
        fail_msg("'%s' is not a string", key);
    return item->valuestring;
}

static void json_has_the_record(void **state)
{
    (void)state;
    cuda_details d = example();
    cuda_details_note(&d, "batch of %d: %s: fused call not run", 16, "conv4");
    cJSON *root = to_json(&d);
    assert_string_equal(string_of(root, "device"), "NVIDIA H200");
    assert_string_equal(string_of(root, "compute_capability"), "9.0");
    assert_int_equal(cJSON_GetObjectItem(root, "multiprocessors")->valueint, 132);
    assert_string_equal(string_of(root, "cudnn"), "9.14.0");
    assert_string_equal(string_of(root, "math"), "fp32");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "fused_conv_bias_relu")));
    assert_string_equal(string_of(root, "bias_grad"), "tiled");
    assert_string_equal(string_of(root, "wgrad"), "own");
    assert_string_equal(string_of(root, "pool_bwd"), "cudnn");
    assert_string_equal(string_of(root, "algo_policy"), "table");
    assert_string_equal(string_of(root, "algo_table"), "sm90-fp32");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "algo_note")));
    assert_string_equal(string_of(root, "algorithms"),
                        "conv2.bwd_filter=2 conv4.fwd=1 conv3.fwd=0");
    cJSON *choices = cJSON_GetObjectItem(root, "algorithm_choices");
    assert_int_equal(cJSON_GetArraySize(choices), 3);
    cJSON *c0 = cJSON_GetArrayItem(choices, 0), *c1 = cJSON_GetArrayItem(choices, 1),
          *c2 = cJSON_GetArrayItem(choices, 2);
    assert_string_equal(string_of(c0, "name"), "FFT");
    assert_string_equal(string_of(c0, "source"), "table");
    assert_int_equal(cJSON_GetObjectItem(c0, "workspace_bytes")->valuedouble, 43024384);
    assert_null(cJSON_GetObjectItem(c0, "find_ms"));
    assert_null(cJSON_GetObjectItem(c0, "rejected"));
    assert_string_equal(string_of(c1, "source"), "heuristic");
    cJSON *rejected = cJSON_GetObjectItem(c1, "rejected");
    assert_int_equal(cJSON_GetObjectItem(rejected, "algo")->valueint, 4);
    assert_non_null(strstr(string_of(rejected, "why"), "NOT_SUPPORTED"));
    assert_true(cJSON_GetObjectItem(c2, "find_ms")->valuedouble > 0.05);
    cJSON *notes = cJSON_GetObjectItem(root, "notes");
    assert_int_equal(cJSON_GetArraySize(notes), 1);
    assert_string_equal(cJSON_GetArrayItem(notes, 0)->valuestring,
                        "batch of 16: conv4: fused call not run");
    cJSON *setup = cJSON_GetObjectItem(root, "setup_s");
    assert_int_equal(cJSON_GetArraySize(setup), 3);
    cJSON *second = cJSON_GetArrayItem(setup, 2);
    assert_string_equal(cJSON_GetArrayItem(second, 0)->valuestring, "first step, eager (train)");
    assert_true(cJSON_GetArrayItem(second, 1)->valuedouble == 0.005);
    cJSON *libs = cJSON_GetObjectItem(root, "library_load_s");
    assert_true(cJSON_GetObjectItem(libs, "probe")->valuedouble == 0.25);
    assert_true(cJSON_GetObjectItem(libs, "cuda-driver")->valuedouble == 0.1);
    cJSON_Delete(root);
}

static void notes_once_and_bounded(void **state)
{
    (void)state;
    cuda_details d = example();
    for (int k = 0; k < 3; k++)
        cuda_details_note(&d, "the same note %d", 1);
    assert_int_equal(d.note_count, 1);
    for (int k = 0; k < CUDA_DETAILS_NOTES + 5; k++)
        cuda_details_note(&d, "note %d", k);
    assert_int_equal(d.note_count, CUDA_DETAILS_NOTES);
    assert_int_equal(d.notes_dropped, 6);
    /* A long note is cut, not overrun. */
    char long_text[600];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    cuda_details e = example();
    cuda_details_note(&e, "%s", long_text);
    assert_int_equal(strlen(e.notes[0]), CUDA_DETAILS_NOTE - 1);
    cJSON *root = to_json(&d);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "notes")), CUDA_DETAILS_NOTES);
    assert_int_equal(cJSON_GetObjectItem(root, "notes_dropped")->valueint, 6);
    cJSON_Delete(root);
}

/* Before the context exists (or with no GPU) the record is still valid JSON. */
static void empty_record_is_valid(void **state)
{
    (void)state;
    cuda_details d;
    memset(&d, 0, sizeof d);
    cJSON *root = to_json(&d);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "device")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "compute_capability")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "algorithms")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "algorithm_choices")), 0);
    assert_null(cJSON_GetObjectItem(root, "notes_dropped"));
    cJSON_Delete(root);
}

static bool details_made(void *arg)
{
    char *text = NULL;
    hml_err err = {0};
    hml_status st = cuda_details_json(arg, &text, &err);
    cJSON_free(text);
    if (st != HML_OK) {
        assert_null(text);
        assert_string_equal(err.msg, "cuda details: out of memory");
    }
    return st == HML_OK;
}

/* Memory out while the record is built (cjson_alloc_sweep): an error, never
 * part of the record, nothing left allocated. */
static void out_of_memory_is_an_error(void **state)
{
    (void)state;
    cuda_details d = example();
    cuda_details_note(&d, "cudnnFind: skipped");
    d.notes_dropped = 1;
    cjson_alloc_sweep("cuda_details_json", details_made, &d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_has_the_record),
        cmocka_unit_test(notes_once_and_bounded),
        cmocka_unit_test(empty_record_is_valid),
        cmocka_unit_test(out_of_memory_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
