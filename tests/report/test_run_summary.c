/* The summary `hmlcost run` prints from the store: counts by status, means
 * over the ok runs only, the energy methods, the nodes; and a store that
 * cannot be read is an error, not a shorter table. Also the experiment as
 * `run --json` prints it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cjson_alloc.h"
#include "report/experiment_json.h"
#include "report/run_summary.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    int64_t experiment;
} fixture;

static void put_host(store *s, const char *name, const char *cpu, int64_t *id)
{
    hml_err err;
    meter_host host = {.cores = 2, .threads = 4, .mem_bytes = 8e9, .kernel = "Linux",
                       .hmlcost_version = "0.1.0"};
    snprintf(host.hostname, sizeof host.hostname, "%s", name);
    snprintf(host.cpu_model, sizeof host.cpu_model, "%s", cpu);
    assert_int_equal(store_put_host(s, &host, id, &err), HML_OK);
}

static void put_run(store *s, int64_t arm, long index, int64_t host, store_run_status status,
                    double wall_s, double rss)
{
    hml_err err;
    meter_metric metrics[3] = {
        {.name = "wall_s", .value = wall_s, .unit = "s", .method = "measured"},
        {.name = "peak_rss_bytes", .value = rss, .unit = "B", .method = "cgroup-v2"},
        {.name = "energy_cpu_j", .value = 2.0, .unit = "J", .method = "rapl"}};
    store_run_record run = {.arm_id = arm, .run_index = index, .position = index,
                            .started_at = "2025-01-01T00:00:00.000Z", .status = status,
                            .host_id = host, .metrics = metrics, .metric_count = 3};
    assert_int_equal(store_put_run(s, &run, NULL, &err), HML_OK);
}

/* Arms "base" (2 ok runs, 1 failed) and "smell" (1 crashed), on two hosts
 * of different CPUs. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hmlcost-summary-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/runs.db", f->dir);
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    int64_t host_a = 0, host_b = 0;
    put_host(s, "node-a", "cpu A", &host_a);
    put_host(s, "node-b", "cpu B", &host_b);
    store_experiment_spec spec = {.plan_key = "00000000000000aa", .plan_json = "{}",
                                  .command = "true", .host_id = host_a, .runs_per_arm = 3,
                                  .order = "interleaved", .seed = 1};
    bool resumed = false;
    assert_int_equal(store_begin_experiment(s, &spec, &f->experiment, &resumed, &err), HML_OK);
    int64_t arms[2];
    const char *names[] = {"base", "smell"};
    for (int i = 0; i < 2; i++) {
        store_arm_spec arm = {.name = names[i], .position = i, .is_baseline = i == 0,
                              .argv_json = "[\"true\"]", .env_json = "[]"};
        assert_int_equal(store_put_arm(s, f->experiment, &arm, &arms[i], &err), HML_OK);
    }
    put_run(s, arms[0], 0, host_a, STORE_RUN_OK, 1.0, 1048576.0);
    put_run(s, arms[0], 1, host_b, STORE_RUN_OK, 3.0, 3 * 1048576.0);
    put_run(s, arms[0], 2, host_a, STORE_RUN_FAILED, 100.0, 0);
    put_run(s, arms[1], 0, host_a, STORE_RUN_CRASHED, 5.0, 0);
    store_close(s);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void means_are_over_the_ok_runs_only(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_OK);
    run_summary sum;
    assert_int_equal(run_summary_load(s, f->experiment, &sum, &err), HML_OK);
    store_close(s);
    assert_int_equal(sum.arm_count, 2);
    assert_string_equal(sum.arms[0].name, "base");
    assert_true(sum.arms[0].is_baseline);
    assert_int_equal(sum.arms[0].runs, 3);
    assert_int_equal(sum.arms[0].by_status[STORE_RUN_OK], 2);
    assert_int_equal(sum.arms[0].by_status[STORE_RUN_FAILED], 1);
    assert_float_equal(sum.arms[0].mean[RUN_SUMMARY_WALL_S], 2.0, 1e-12);
    assert_float_equal(sum.arms[0].mean[RUN_SUMMARY_PEAK_RSS_BYTES], 2 * 1048576.0, 1e-6);
    assert_int_equal(sum.arms[1].by_status[STORE_RUN_CRASHED], 1);
    assert_string_equal(sum.energy_methods, "cpu rapl; ram ?");
    assert_int_equal(sum.host_count, 2);
    assert_true(sum.mixed_hardware);

    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    run_summary_text(out, &sum);
    run_summary_nodes_text(out, &sum);
    fclose(out);
    assert_non_null(strstr(text, "\nbase*               3    2      1       0       0     0      2.000"));
    assert_non_null(strstr(text, "\nsmell               1    0      0       1       0     0          -         -"));
    assert_non_null(strstr(text, "energy: cpu rapl; ram ?)\n"));
    assert_non_null(strstr(text, "the runs come from 2 nodes\n"));
    assert_non_null(strstr(text, "warning: the runs ran on different hardware"));
    free(text);
    run_summary_free(&sum);
}

/* A table that has lost its runs (a damaged or foreign-edited store). */
static void a_store_that_cannot_be_read_is_an_error(void **state)
{
    fixture *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE metrics", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_OK);
    run_summary sum;
    assert_int_not_equal(run_summary_load(s, f->experiment, &sum, &err), HML_OK);
    assert_non_null(strstr(err.msg, "metrics"));
    assert_int_equal(sum.arm_count, 0);
    cJSON *json = NULL;
    assert_int_not_equal(report_experiment_json(s, f->experiment, f->path, &json, &err), HML_OK);
    assert_null(json);
    store_close(s);
}

static void the_experiment_as_json_has_every_run(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_OK);
    cJSON *json = NULL;
    assert_int_equal(report_experiment_json(s, f->experiment, "runs.db", &json, &err), HML_OK);
    assert_string_equal(cJSON_GetObjectItem(json, "store")->valuestring, "runs.db");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(json, "host"), "hostname")->valuestring,
        "node-a");
    cJSON *arms = cJSON_GetObjectItem(json, "arms");
    assert_int_equal(cJSON_GetArraySize(arms), 2);
    cJSON *runs = cJSON_GetObjectItem(cJSON_GetArrayItem(arms, 0), "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 3);
    cJSON *wall = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(runs, 1), "metrics"), "wall_s");
    assert_float_equal(cJSON_GetObjectItem(wall, "value")->valuedouble, 3.0, 0);
    assert_string_equal(cJSON_GetObjectItem(wall, "method")->valuestring, "measured");
    cJSON_Delete(json);
    /* No such experiment: said, not an empty object. */
    assert_int_equal(report_experiment_json(s, f->experiment + 7, "runs.db", &json, &err),
                     HML_EUSAGE);
    assert_non_null(strstr(err.msg, "no experiment"));
    store_close(s);
}

static bool experiment_made(void *arg)
{
    cJSON *json = NULL;
    hml_err err = {0};
    hml_status st = report_experiment_json(arg, 1, "runs.db", &json, &err);
    cJSON_Delete(json);
    if (st != HML_OK) {
        assert_null(json);
        assert_string_equal(err.msg, "out of memory");
    }
    return st == HML_OK;
}

/* Memory out while the JSON is built (cjson_alloc_sweep_from_on: it embeds
 * the stored plan and commands): an error, nothing left allocated. */
static void the_experiment_as_json_is_an_error_when_memory_runs_out(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_OK);
    assert_int_equal(f->experiment, 1);
    cjson_alloc_sweep_from_on("report_experiment_json", experiment_made, s);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(means_are_over_the_ok_runs_only, setup, teardown),
        cmocka_unit_test_setup_teardown(a_store_that_cannot_be_read_is_an_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_experiment_as_json_has_every_run, setup, teardown),
        cmocka_unit_test_setup_teardown(the_experiment_as_json_is_an_error_when_memory_runs_out,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
