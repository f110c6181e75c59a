/* The run store: schema, writing a run in one transaction, reading it back,
 * resume by plan key, refusing files that are not hmlcost stores, and the
 * runs under way that a crashed hmlcost leaves for the next to end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/leftovers.h"
#include "runner/spawn.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hmlcost-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/runs.db", f->dir);
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

static void write_file(const char *path, const char *text)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

static char *read_file(const char *path)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, in);
    buf[n] = '\0';
    fclose(in);
    return buf;
}

static int64_t make_experiment(store *s, const char *key, int64_t *arm_ids)
{
    hml_err err;
    meter_host host = {.hostname = "box", .cpu_model = "cpu", .cores = 2, .threads = 4,
                       .mem_bytes = 8e9, .kernel = "Linux", .hmlcost_version = "0.1.0"};
    int64_t host_id = 0;
    assert_int_equal(store_put_host(s, &host, &host_id, &err), HML_OK);
    int64_t again = 0;
    assert_int_equal(store_put_host(s, &host, &again, &err), HML_OK);
    assert_int_equal(host_id, again);
    store_experiment_spec spec = {.plan_key = key, .plan_json = "{}", .command = "true",
                                  .host_id = host_id, .runs_per_arm = 2, .warmup = 0,
                                  .order = "interleaved", .seed = 7};
    int64_t id = 0;
    bool resumed = true;
    assert_int_equal(store_begin_experiment(s, &spec, &id, &resumed, &err), HML_OK);
    assert_false(resumed);
    const char *names[] = {"base", "smell"};
    for (int i = 0; i < 2; i++) {
        store_arm_spec arm = {.name = names[i], .position = i, .is_baseline = i == 0,
                              .smell = i ? "parallelism" : NULL, .argv_json = "[\"true\"]",
                              .env_json = i ? "[\"OMP_NUM_THREADS=8\"]" : "[]"};
        assert_int_equal(store_put_arm(s, id, &arm, &arm_ids[i], &err), HML_OK);
    }
    return id;
}

static void a_run_round_trips_with_metrics_and_samples(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    int64_t arms[2];
    int64_t exp_id = make_experiment(s, "00000000000000aa", arms);

    meter_metric metrics[2] = {{.name = "wall_s", .value = 1.5, .unit = "s", .method = "measured"},
                               {.name = "energy_cpu_j", .value = 6.0, .unit = "J",
                                .method = "estimate:cpu-4W-per-logical-cpu"}};
    meter_sample samples[2] = {{.t_s = 0.1, .rss_bytes = 1e6, .cpu_s = 0.1, .processes = 1,
                                .gpu_mem_bytes = -1, .energy_j = NAN},
                               {.t_s = 0.2, .rss_bytes = 2e6, .cpu_s = 0.2, .processes = 2,
                                .gpu_mem_bytes = 5e8, .energy_j = 1.25}};
    store_run_record run = {.arm_id = arms[1], .run_index = 0, .position = 3,
                            .started_at = "2025-01-01T00:00:00.000Z", .status = STORE_RUN_CRASHED,
                            .reason = "killed by SIGSEGV", .result_json = "{\"accuracy\":0.5}",
                            .metrics = metrics, .metric_count = 2, .samples = samples,
                            .sample_count = 2};
    int64_t run_id = 0;
    assert_int_equal(store_put_run(s, &run, &run_id, &err), HML_OK);
    /* The same arm and index again: refused, nothing written. */
    assert_int_equal(store_put_run(s, &run, NULL, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "already stored"));

    long *indices = NULL;
    size_t count = 0;
    assert_int_equal(store_arm_run_indices(s, arms[1], &indices, &count, &err), HML_OK);
    assert_int_equal(count, 1);
    assert_int_equal(indices[0], 0);
    free(indices);
    store_close(s);

    /* Read it back through a read-only handle, as the report does. */
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_OK);
    store_experiment exp;
    bool found = false;
    assert_int_equal(store_latest_experiment(s, &exp, &found, &err), HML_OK);
    assert_true(found);
    assert_int_equal(exp.id, exp_id);
    assert_string_equal(exp.order, "interleaved");
    assert_int_equal(exp.seed, 7);
    assert_int_equal(exp.runs_stored, 1);
    meter_host host;
    assert_int_equal(store_get_host(s, exp.host_id, &host, &found, &err), HML_OK);
    assert_true(found);
    assert_string_equal(host.cpu_model, "cpu");
    store_experiment_clear(&exp);

    store_arm *arm_list = NULL;
    assert_int_equal(store_list_arms(s, exp_id, &arm_list, &count, &err), HML_OK);
    assert_int_equal(count, 2);
    assert_true(arm_list[0].is_baseline);
    assert_null(arm_list[0].smell);
    assert_string_equal(arm_list[1].smell, "parallelism");
    store_run *runs = NULL;
    size_t run_count = 0;
    assert_int_equal(store_list_runs(s, arm_list[1].id, &runs, &run_count, &err), HML_OK);
    assert_int_equal(run_count, 1);
    assert_int_equal(runs[0].status, STORE_RUN_CRASHED);
    assert_string_equal(runs[0].reason, "killed by SIGSEGV");
    assert_string_equal(runs[0].result_json, "{\"accuracy\":0.5}");
    assert_int_equal(runs[0].metric_count, 2);
    const meter_metric *energy = store_run_metric(&runs[0], "energy_cpu_j");
    assert_non_null(energy);
    assert_string_equal(energy->method, "estimate:cpu-4W-per-logical-cpu");
    assert_true(energy->value == 6.0);
    assert_null(store_run_metric(&runs[0], "co2_g"));

    meter_sample *points = NULL;
    size_t point_count = 0;
    assert_int_equal(store_list_samples(s, runs[0].id, &points, &point_count, &err), HML_OK);
    assert_int_equal(point_count, 2);
    assert_true(points[0].gpu_mem_bytes < 0);
    assert_true(points[1].gpu_mem_bytes == 5e8);
    assert_int_equal(points[1].processes, 2);
    assert_true(isnan(points[0].energy_j)); /* not known: stored as NULL */
    assert_true(points[1].energy_j == 1.25);
    free(points);
    store_runs_free(runs, run_count);
    store_arms_free(arm_list, count);
    store_close(s);
}

/* A child that sleeps with the token in its environment, as a run's
 * process does. */
static pid_t start_token_carrier(const char *token)
{
    pid_t pid = fork();
    if (pid == 0) {
        char env[96];
        snprintf(env, sizeof env, "%s=%s", SPAWN_RUN_TOKEN_ENV, token);
        char *envp[] = {env, NULL};
        execle("/bin/sleep", "sleep", "30", (char *)NULL, envp);
        _exit(127);
    }
    /* Until it has exec'd: its environment is the one it runs with. */
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
    for (int i = 0; i < 2000; i++) {
        FILE *c = fopen(path, "r");
        size_t n = c ? fread(buf, 1, sizeof buf - 1, c) : 0;
        if (c)
            fclose(c);
        buf[n] = '\0';
        if (strcmp(buf, "sleep") == 0)
            break;
        usleep(1000);
    }
    return pid;
}

static void a_crashed_runs_processes_are_ended_and_a_live_ones_kept(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    /* A dead owner: a process that has exited (its pid's start time no
     * longer matches). */
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    store_live_run crashed = {.token = "00crashed0000000"};
    leftovers_owner_self(&crashed);
    crashed.owner_pid = gone;
    store_live_run alive = {.token = "00alive000000000"};
    leftovers_owner_self(&alive);
    assert_true(leftovers_owner_alive(&alive));
    assert_false(leftovers_owner_alive(&crashed));
    assert_int_equal(store_put_live_run(s, &crashed, &err), HML_OK);
    assert_int_equal(store_put_live_run(s, &alive, &err), HML_OK);
    pid_t orphan = start_token_carrier(crashed.token);
    pid_t running = start_token_carrier(alive.token);

    int ended = 0;
    assert_int_equal(leftovers_end_crashed(s, &ended, &err), HML_OK);
    assert_int_equal(ended, 1);
    int status = 0;
    assert_int_equal(waitpid(orphan, &status, 0), orphan);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* The live owner's run is left alone, and its record kept. */
    assert_int_equal(waitpid(running, &status, WNOHANG), 0);
    store_live_run *runs = NULL;
    size_t count = 0;
    assert_int_equal(store_list_live_runs(s, &runs, &count, &err), HML_OK);
    assert_int_equal(count, 1);
    assert_string_equal(runs[0].token, alive.token);
    assert_string_equal(runs[0].cgroups, "");
    free(runs);
    assert_int_equal(store_drop_live_run(s, alive.token, &err), HML_OK);
    assert_int_equal(store_list_live_runs(s, &runs, &count, &err), HML_OK);
    assert_int_equal(count, 0);
    kill(running, SIGKILL);
    waitpid(running, NULL, 0);
    store_close(s);
}

static void the_same_plan_key_resumes_the_experiment(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    int64_t arms[2];
    int64_t first = make_experiment(s, "00000000000000bb", arms);
    store_experiment_spec spec = {.plan_key = "00000000000000bb", .plan_json = "{}",
                                  .command = "true", .runs_per_arm = 2, .order = "blocked"};
    int64_t id = 0;
    bool resumed = false;
    assert_int_equal(store_begin_experiment(s, &spec, &id, &resumed, &err), HML_OK);
    assert_true(resumed);
    assert_int_equal(id, first);
    store_arm_spec arm = {.name = "base", .argv_json = "[]", .env_json = "[]"};
    int64_t arm_id = 0;
    assert_int_equal(store_put_arm(s, id, &arm, &arm_id, &err), HML_OK);
    assert_int_equal(arm_id, arms[0]);
    store_experiment *list = NULL;
    size_t count = 0;
    assert_int_equal(store_list_experiments(s, &list, &count, &err), HML_OK);
    assert_int_equal(count, 1);
    store_experiments_free(list, count);
    store_close(s);
}

static void a_file_that_is_not_sqlite_is_refused_and_left_intact(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    write_file(f->path, "these are my notes, not a database\n");
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_EUSAGE);
    assert_null(s);
    assert_non_null(strstr(err.msg, "not an SQLite database"));
    assert_string_equal(read_file(f->path), "these are my notes, not a database\n");
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_not_equal(access(wal, F_OK), 0);
}

static void a_foreign_sqlite_database_is_refused(void **state)
{
    fixture *f = *state;
    hml_err err;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE mine (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "not an hmlcost store"));
}

static void missing_or_unwritable_paths_are_usage_errors(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_EUSAGE);
    assert_int_equal(store_open(&s, "/nonexistent-dir/x/runs.db", STORE_READ_WRITE, &err),
                     HML_EUSAGE);
    assert_int_equal(store_open(&s, f->dir, STORE_READ_WRITE, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "not a regular file"));
}

static void a_newer_schema_is_refused(void **state)
{
    fixture *f = *state;
    hml_err err;
    store *s = NULL;
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), STORE_SCHEMA_VERSION);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "newer"));
}

static int64_t scalar_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return value;
}

/* A store written by an older hmlcost (schema 1: no arms.compare_with) is
 * read as it is by a reader and migrated by the next writer. */
static void an_older_schema_is_migrated_by_a_writer(void **state)
{
    fixture *f = *state;
    store *s = NULL;
    hml_err err;
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "ALTER TABLE arms DROP COLUMN compare_with; "
                                  "ALTER TABLE samples DROP COLUMN energy_j; DROP TABLE live_runs; "
                                  "PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    /* A reader (hmlcost report) reads it as it is: compare_with reads as NULL. */
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_OK);
    store_arm *arms = NULL;
    size_t n_arms = 99;
    assert_int_equal(store_list_arms(s, 1, &arms, &n_arms, &err), HML_OK);
    assert_int_equal(n_arms, 0);
    store_arms_free(arms, n_arms);
    store_close(s);
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    store_close(s);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "SELECT compare_with FROM arms", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(scalar_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    sqlite3_close(db);
}

/* A store written at schema 2 (samples without energy_j), holding a run and
 * its samples: a reader reads the samples with unknown energy; the next
 * writer adds the column (migration 2 -> 3), keeps every row, and the old
 * samples' energy_j is NULL. */
static void a_schema_2_store_gains_sample_energy_and_keeps_its_rows(void **state)
{
    fixture *f = *state;
    store *s = NULL;
    hml_err err;
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    int64_t arms[2];
    make_experiment(s, "00000000000000cc", arms);
    meter_sample samples[3] = {
        {.t_s = 0.1, .rss_bytes = 1e6, .cpu_s = 0.1, .processes = 1, .gpu_mem_bytes = -1},
        {.t_s = 0.2, .rss_bytes = 2e6, .cpu_s = 0.2, .processes = 1, .gpu_mem_bytes = -1},
        {.t_s = 0.3, .rss_bytes = 3e6, .cpu_s = 0.3, .processes = 1, .gpu_mem_bytes = -1}};
    store_run_record run = {.arm_id = arms[0], .run_index = 0, .position = 0,
                            .started_at = "2025-01-01T00:00:00.000Z", .status = STORE_RUN_OK,
                            .samples = samples, .sample_count = 3};
    int64_t run_id = 0;
    assert_int_equal(store_put_run(s, &run, &run_id, &err), HML_OK);
    store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "ALTER TABLE samples DROP COLUMN energy_j; DROP TABLE live_runs; "
                                  "PRAGMA user_version = 2",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    /* A reader (hmlcost report) reads the schema-2 samples: energy unknown. */
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_OK);
    meter_sample *points = NULL;
    size_t count = 0;
    assert_int_equal(store_list_samples(s, run_id, &points, &count, &err), HML_OK);
    assert_int_equal(count, 3);
    for (size_t i = 0; i < count; i++)
        assert_true(isnan(points[i].energy_j));
    assert_true(points[2].rss_bytes == 3e6);
    free(points);
    store_close(s);

    /* The next writer migrates. */
    assert_int_equal(store_open(&s, f->path, STORE_READ_WRITE, &err), HML_OK);
    store_close(s);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(scalar_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(scalar_int(db, "SELECT count(*) FROM samples"), 3);
    assert_int_equal(scalar_int(db, "SELECT count(*) FROM samples WHERE energy_j IS NULL"), 3);
    assert_int_equal(scalar_int(db, "SELECT count(*) FROM runs"), 1);
    assert_int_equal(scalar_int(db, "SELECT count(*) FROM arms"), 2);
    sqlite3_close(db);
    assert_int_equal(store_open(&s, f->path, STORE_READ_ONLY, &err), HML_OK);
    assert_int_equal(store_list_samples(s, run_id, &points, &count, &err), HML_OK);
    assert_int_equal(count, 3);
    assert_true(isnan(points[0].energy_j));
    assert_true(points[1].cpu_s == 0.2);
    free(points);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_older_schema_is_migrated_by_a_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(a_schema_2_store_gains_sample_energy_and_keeps_its_rows,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_run_round_trips_with_metrics_and_samples, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_same_plan_key_resumes_the_experiment, setup, teardown),
        cmocka_unit_test_setup_teardown(a_crashed_runs_processes_are_ended_and_a_live_ones_kept,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_that_is_not_sqlite_is_refused_and_left_intact,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_foreign_sqlite_database_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_or_unwritable_paths_are_usage_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_newer_schema_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
