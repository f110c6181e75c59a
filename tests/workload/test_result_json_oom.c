/* The workload's result line when memory runs out while it is built
 * (cjson_alloc_sweep): an error, never part of the line, nothing left
 * allocated. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/cjson_alloc.h"
#include "workload/result_json.h"

static bool result_made(void *arg)
{
    char *text = NULL;
    hml_err err = {0};
    hml_status st = workload_result_json(arg, &text, &err);
    cJSON_free(text);
    if (st != HML_OK)
        assert_string_equal(err.msg, "result: out of memory");
    return st == HML_OK;
}

static void out_of_memory_is_an_error(void **state)
{
    (void)state;
    workload_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.device_requested, sizeof r.device_requested, "cuda");
    snprintf(r.device_used, sizeof r.device_used, "cpu");
    snprintf(r.fallback_reason, sizeof r.fallback_reason, "no GPU");
    snprintf(r.data_path, sizeof r.data_path, "host-batches");
    snprintf(r.backend, sizeof r.backend, "onednn 3.0");
    snprintf(r.data, sizeof r.data, "synthetic");
    snprintf(r.threads_source, sizeof r.threads_source, "--threads");
    snprintf(r.optimizer, sizeof r.optimizer, "sgd");
    snprintf(r.start_clock, sizeof r.start_clock, "spawn");
    snprintf(r.omp_num_threads_env, sizeof r.omp_num_threads_env, "4");
    double loss[2] = {2.1, NAN}, builds[2] = {0.5, 0.4};
    r.loss = loss;
    r.epochs = 2;
    r.build_s_each = builds;
    r.model_builds = 2;
    r.accuracy = 0.5;
    r.start_s = -1;
    r.process_to_main_s = 0.01;
    r.threads_requested = 4;
    workload_library libs[2] = {{"libdnnl.so.3", "/usr/lib/libdnnl.so.3", "3.0"},
                                {"libgomp.so.1", "/usr/lib/libgomp.so.1", ""}};
    r.libraries = libs;
    r.library_count = 2;
    cjson_alloc_sweep("workload_result_json", result_made, &r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(out_of_memory_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
