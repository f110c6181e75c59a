/* Reading an experiment of the run store into a report dataset
 * (report/load_store.h): arms in plan order, runs in run-index order with
 * every status, metrics with their unit and method, host facts, the grid's
 * country, samples as series, and one-line errors for stores that cannot be
 * reported. The store is written through its API with made-up hosts and
 * figures, so nothing depends on the machine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/dataset.h"
#include "report/load_store.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    store *s;
    int64_t host;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/hmlcost-load-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/runs.db", f->dir);
    hml_err err;
    if (store_open(&f->s, f->path, STORE_READ_WRITE, &err) != HML_OK)
        return -1;
    const meter_host h = {.hostname = "node-a", .cpu_model = "Made-up CPU 9000", .threads = 24,
                          .mem_bytes = 64.0 * 1024 * 1024 * 1024};
    if (store_put_host(f->s, &h, &f->host, &err) != HML_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static int64_t begin(fixture *f, const char *key)
{
    hml_err err;
    store_experiment_spec spec = {.plan_key = key, .name = "load test", .plan_json = "{}",
                                  .command = "true", .host_id = f->host, .runs_per_arm = 2,
                                  .order = "interleaved", .seed = 1};
    int64_t id = 0;
    bool resumed;
    assert_int_equal(store_begin_experiment(f->s, &spec, &id, &resumed, &err), HML_OK);
    return id;
}

static int64_t arm(fixture *f, int64_t exp, const char *name, int position, const char *smell)
{
    hml_err err;
    store_arm_spec a = {.name = name, .position = position, .is_baseline = smell == NULL,
                        .smell = smell, .argv_json = "[\"true\"]", .env_json = "[]"};
    int64_t id = 0;
    assert_int_equal(store_put_arm(f->s, exp, &a, &id, &err), HML_OK);
    return id;
}

static void put(fixture *f, int64_t arm_id, long index, long position, store_run_status status,
                const char *reason, double wall_s, const meter_sample *samples, size_t n)
{
    hml_err err;
    meter_metric m[3] = {
        {.name = "wall_s", .value = wall_s, .unit = "s", .method = "measured"},
        {.name = "pue", .value = 1.2, .unit = "1", .method = "source:option"},
        {.name = "grid_intensity", .value = 56, .unit = "g/kWh",
         .method = "source:FRA France: Our World in Data, 2023"},
    };
    store_run_record r = {.arm_id = arm_id, .run_index = index, .position = position,
                          .started_at = "2026-01-01T00:00:00Z", .host_id = f->host,
                          .status = status, .reason = reason, .metrics = m, .metric_count = 3,
                          .samples = samples, .sample_count = n};
    assert_int_equal(store_put_run(f->s, &r, NULL, &err), HML_OK);
}

/* Arms stored out of plan order, runs out of index order. */
static int64_t put_study(fixture *f, const char *key)
{
    int64_t exp = begin(f, key);
    int64_t smell = arm(f, exp, "smelly", 1, "smelly");
    int64_t base = arm(f, exp, "baseline", 0, NULL);
    put(f, smell, 1, 3, STORE_RUN_FAILED, "exit status 3", 2.5, NULL, 0);
    put(f, smell, 0, 1, STORE_RUN_OK, NULL, 2.0, NULL, 0);
    put(f, base, 1, 2, STORE_RUN_OK, NULL, 1.1, NULL, 0);
    put(f, base, 0, 0, STORE_RUN_OK, NULL, 1.0, NULL, 0);
    return exp;
}

static hml_status load(const fixture *f, int64_t exp, bool samples, report_dataset *d,
                       hml_err *err)
{
    report_store_options o = {.experiment = exp, .samples = samples};
    return report_load_store(f->path, &o, d, err);
}

static void arms_and_runs_come_in_plan_order(void **state)
{
    fixture *f = *state;
    int64_t exp = put_study(f, "00000000000000a1");
    report_dataset d;
    hml_err err;
    assert_int_equal(load(f, exp, false, &d, &err), HML_OK);
    assert_string_equal(d.name, "load test");
    assert_int_equal(d.n_arms, 2);
    assert_string_equal(d.arms[0].name, "baseline");
    assert_true(d.arms[0].is_baseline);
    assert_string_equal(d.arms[1].name, "smelly");
    assert_string_equal(d.arms[1].smell, "smelly");
    assert_false(d.arms[1].is_baseline);
    assert_int_equal(d.arms[1].baseline_index, 0); /* paired */

    assert_int_equal(d.arms[0].n_runs, 2);
    assert_true(report_run_metric(&d.arms[0].runs[0], "wall_s")->value == 1.0);
    assert_true(report_run_metric(&d.arms[0].runs[1], "wall_s")->value == 1.1);
    assert_int_equal(d.arms[0].runs[0].order, 0);

    /* A failed run is read too, with its status and reason. */
    const report_run *failed = &d.arms[1].runs[1];
    assert_string_equal(failed->status, "failed");
    assert_string_equal(failed->reason, "exit status 3");
    assert_false(report_run_ok(failed));
    assert_string_equal(d.arms[1].runs[0].status, "ok");
    assert_true(report_run_ok(&d.arms[1].runs[0]));
    report_dataset_free(&d);
}

static void metrics_keep_unit_method_and_host_facts(void **state)
{
    fixture *f = *state;
    int64_t exp = put_study(f, "00000000000000a2");
    report_dataset d;
    hml_err err;
    assert_int_equal(load(f, exp, false, &d, &err), HML_OK);
    const report_run *r = &d.arms[0].runs[0];
    const report_metric *wall = report_run_metric(r, "wall_s");
    assert_non_null(wall);
    assert_string_equal(wall->unit, "s");
    assert_string_equal(wall->method, "measured");
    assert_string_equal(r->started_at, "2026-01-01T00:00:00Z");
    assert_string_equal(r->host.hostname, "node-a");
    assert_string_equal(r->host.cpu_model, "Made-up CPU 9000");
    assert_int_equal(r->host.cpu_count, 24);
    assert_int_equal(r->host.gpu_count, 0);
    assert_float_equal(r->host.ram_total_gb, 64.0, 1e-9);
    /* pue and the grid's country from their metrics */
    assert_float_equal(r->host.pue, 1.2, 1e-12);
    assert_string_equal(r->host.country_iso_code, "FRA");
    assert_string_equal(r->host.country_name, "France");
    assert_null(r->series); /* samples not asked for */
    report_dataset_free(&d);
}

/* Without an experiment id the latest one is read. */
static void the_latest_experiment_is_the_default(void **state)
{
    fixture *f = *state;
    put_study(f, "00000000000000b1");
    int64_t latest = begin(f, "00000000000000b2");
    int64_t base = arm(f, latest, "baseline", 0, NULL);
    int64_t other = arm(f, latest, "other", 1, "other");
    put(f, base, 0, 0, STORE_RUN_OK, NULL, 7.0, NULL, 0);
    put(f, other, 0, 1, STORE_RUN_OK, NULL, 8.0, NULL, 0);
    report_dataset d;
    hml_err err;
    assert_int_equal(report_load_store(f->path, NULL, &d, &err), HML_OK);
    assert_string_equal(d.arms[1].name, "other");
    assert_true(report_run_metric(&d.arms[0].runs[0], "wall_s")->value == 7.0);
    report_dataset_free(&d);
}

/* Samples become rss_bytes, cpu_cores (CPU-seconds per second between
 * samples) and energy_j when every sample's energy is known; gpu_mem_bytes
 * only when every sample's is. */
static void samples_become_series(void **state)
{
    fixture *f = *state;
    int64_t exp = begin(f, "00000000000000c1");
    int64_t base = arm(f, exp, "baseline", 0, NULL);
    int64_t smell = arm(f, exp, "smelly", 1, "smelly");
    const meter_sample known[3] = {
        {.t_s = 0.5, .rss_bytes = 100, .cpu_s = 0.0, .processes = 1, .gpu_mem_bytes = -1,
         .energy_j = 1},
        {.t_s = 1.0, .rss_bytes = 200, .cpu_s = 0.5, .processes = 1, .gpu_mem_bytes = -1,
         .energy_j = 3},
        {.t_s = 1.5, .rss_bytes = 150, .cpu_s = 1.5, .processes = 2, .gpu_mem_bytes = -1,
         .energy_j = 6},
    };
    meter_sample unknown[3];
    memcpy(unknown, known, sizeof unknown);
    unknown[1].energy_j = NAN;
    for (int i = 0; i < 3; i++)
        unknown[i].gpu_mem_bytes = 1e6 * (i + 1);
    put(f, base, 0, 0, STORE_RUN_OK, NULL, 1.6, known, 3);
    put(f, smell, 0, 1, STORE_RUN_OK, NULL, 1.6, unknown, 3);

    report_dataset d;
    hml_err err;
    assert_int_equal(load(f, exp, true, &d, &err), HML_OK);
    const report_run *r = &d.arms[0].runs[0];
    const report_series *rss = report_run_series(r, "rss_bytes");
    assert_non_null(rss);
    assert_int_equal(rss->n, 3);
    assert_true(rss->t_s[2] == 1.5 && rss->v[1] == 200);
    const report_series *cores = report_run_series(r, "cpu_cores");
    assert_non_null(cores);
    assert_float_equal(cores->v[0], 0.0, 1e-12);
    assert_float_equal(cores->v[1], 1.0, 1e-12);
    assert_float_equal(cores->v[2], 2.0, 1e-12);
    const report_series *energy = report_run_series(r, "energy_j");
    assert_non_null(energy);
    assert_true(energy->v[2] == 6);
    assert_null(report_run_series(r, "gpu_mem_bytes"));

    const report_run *u = &d.arms[1].runs[0];
    assert_null(report_run_series(u, "energy_j"));
    const report_series *gpu = report_run_series(u, "gpu_mem_bytes");
    assert_non_null(gpu);
    assert_true(gpu->v[2] == 3e6);
    report_dataset_free(&d);
}

static void expect_usage_error(const char *path, int64_t exp, const char *needle)
{
    report_dataset d;
    hml_err err;
    report_store_options o = {.experiment = exp};
    assert_int_equal(report_load_store(path, &o, &d, &err), HML_EUSAGE);
    if (!strstr(err.msg, needle))
        fail_msg("'%s' does not say '%s'", err.msg, needle);
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(d.n_arms, 0);
}

static void stores_that_cannot_be_reported_say_why(void **state)
{
    fixture *f = *state;
    char path[200];
    snprintf(path, sizeof path, "%s/missing.db", f->dir);
    report_dataset d;
    hml_err err;
    report_store_options o = {0};
    assert_int_not_equal(report_load_store(path, &o, &d, &err), HML_OK);
    assert_non_null(strstr(err.msg, "missing.db"));
    assert_int_equal(access(path, F_OK), -1); /* a report never creates a store */

    snprintf(path, sizeof path, "%s/notes.txt", f->dir);
    FILE *text = fopen(path, "w");
    assert_non_null(text);
    fputs("not a database, only some words that are long enough to look like a file\n", text);
    fclose(text);
    assert_int_not_equal(report_load_store(path, &o, &d, &err), HML_OK);
    assert_non_null(strstr(err.msg, "notes.txt"));

    expect_usage_error(f->path, 0, "no experiments");
    put_study(f, "00000000000000d1");
    expect_usage_error(f->path, 99, "--experiment 99: no such experiment");

    int64_t empty = begin(f, "00000000000000d2");
    expect_usage_error(f->path, empty, "has no arms");
    arm(f, empty, "baseline", 0, NULL);
    expect_usage_error(f->path, empty, "has no runs stored yet");

    int64_t lonely = begin(f, "00000000000000d3");
    int64_t a = arm(f, lonely, "a", 0, "a");
    put(f, a, 0, 0, STORE_RUN_OK, NULL, 1.0, NULL, 0);
    expect_usage_error(f->path, lonely, "baseline");
}

/* The store is opened read-only: reading it leaves its bytes as they were. */
static void reading_never_writes_the_store(void **state)
{
    fixture *f = *state;
    int64_t exp = put_study(f, "00000000000000e1");
    store_close(f->s);
    f->s = NULL;
    struct stat before, after;
    assert_int_equal(stat(f->path, &before), 0);
    report_dataset d;
    hml_err err;
    assert_int_equal(load(f, exp, true, &d, &err), HML_OK);
    report_dataset_free(&d);
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    assert_int_equal(store_open(&f->s, f->path, STORE_READ_WRITE, &err), HML_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(arms_and_runs_come_in_plan_order, setup, teardown),
        cmocka_unit_test_setup_teardown(metrics_keep_unit_method_and_host_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(the_latest_experiment_is_the_default, setup, teardown),
        cmocka_unit_test_setup_teardown(samples_become_series, setup, teardown),
        cmocka_unit_test_setup_teardown(stores_that_cannot_be_reported_say_why, setup, teardown),
        cmocka_unit_test_setup_teardown(reading_never_writes_the_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
