/* `hmlcost run --smell`: the study in one command, end to end. The store
 * (read back through run's --json) must hold every arm's runs, each arm
 * with the treatment the catalogue promises. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char store_dir[] = "/tmp/hmlcost-run-smells-XXXXXX";

/* Runs `hmlcost <args>` (a shell-quoted string) and parses its stdout. */
static cJSON *run_json(const char *args, int *status)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s 2>%s/stderr.txt", HMLCOST_BINARY, args, store_dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t size = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + size, 1, cap - size - 1, p)) > 0) {
        size += n;
        if (size + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    buf[size] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    cJSON *json = cJSON_Parse(buf);
    if (!json || *status != 0) {
        char err_path[512], line[1024];
        snprintf(err_path, sizeof err_path, "%s/stderr.txt", store_dir);
        FILE *e = fopen(err_path, "r");
        while (e && fgets(line, sizeof line, e))
            print_message("stderr: %s", line);
        if (e)
            fclose(e);
    }
    free(buf);
    return json;
}

static const cJSON *arm_named(const cJSON *json, const char *name)
{
    const cJSON *arm;
    cJSON_ArrayForEach(arm, cJSON_GetObjectItem(json, "arms"))
    {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(arm, "name")), name) == 0)
            return arm;
    }
    return NULL;
}

static int ok_runs(const cJSON *arm)
{
    int ok = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(arm, "runs"))
    {
        ok += strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(run, "status")), "ok") == 0;
    }
    return ok;
}

static bool env_has(const cJSON *arm, const char *prefix)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(arm, "env"))
    {
        if (cJSON_IsString(e) && strncmp(e->valuestring, prefix, strlen(prefix)) == 0)
            return true;
    }
    return false;
}

static bool argv_has(const cJSON *arm, const char *a, const char *b)
{
    const cJSON *cmd = cJSON_GetObjectItem(arm, "command");
    int n = cJSON_GetArraySize(cmd);
    for (int i = 0; i < n; i++) {
        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(cmd, i));
        if (s && strcmp(s, a) == 0 &&
            (!b || (i + 1 < n && strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(cmd, i + 1)), b) == 0)))
            return true;
    }
    return false;
}

/* The printed form of a run's result field (exact: cJSON prints doubles so
 * that they read back to the same bits); NULL when absent. */
static char *result_field(const cJSON *arm, int run, const char *key)
{
    const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(arm, "runs"), run);
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"), key);
    return v ? cJSON_PrintUnformatted(v) : NULL;
}

/* The environment smells and {batch} reach an external command; its
 * accuracy comes from its output. */
static void external_workload_study(void **state)
{
    (void)state;
    char args[4096];
    snprintf(args, sizeof args,
             "run --smell parallelism,libpath,minibatch --runs 2 --store %s/ext.db --json "
             "--libpath-dirs '' --libpath-entries 50 "
             "--workload 'echo batch={batch} omp=$OMP_NUM_THREADS acc=0.625' "
             "--accuracy-regex 'acc=([0-9.]+)'",
             store_dir);
    int status;
    cJSON *json = run_json(args, &status);
    assert_int_equal(status, 0);
    assert_non_null(json);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "arms")), 4);
    const char *names[] = {"baseline", "minibatch", "libpath", "parallelism"};
    for (int i = 0; i < 4; i++) {
        const cJSON *arm = arm_named(json, names[i]);
        assert_non_null(arm);
        assert_int_equal(ok_runs(arm), 2);
        const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(arm, "runs"), 0);
        const cJSON *acc = cJSON_GetObjectItem(cJSON_GetObjectItem(run, "result"), "accuracy");
        assert_true(cJSON_IsNumber(acc) && acc->valuedouble == 0.625);
    }
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(arm_named(json, "baseline"), "baseline")));
    assert_true(argv_has(arm_named(json, "baseline"), "echo batch=64 omp=$OMP_NUM_THREADS acc=0.625", NULL));
    assert_true(argv_has(arm_named(json, "minibatch"), "echo batch=1024 omp=$OMP_NUM_THREADS acc=0.625", NULL));
    assert_true(env_has(arm_named(json, "parallelism"), "OMP_NUM_THREADS="));
    assert_true(env_has(arm_named(json, "libpath"), "LD_LIBRARY_PATH=/nonexistent/hmlcost-libpath/0001:"));
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(arm_named(json, "libpath"), "smell")),
                        "libpath");
    cJSON_Delete(json);

    /* The same command again resumes: nothing left to run, same experiment. */
    json = run_json(args, &status);
    assert_int_equal(status, 0);
    assert_int_equal(ok_runs(arm_named(json, "parallelism")), 2);
    cJSON_Delete(json);
}

/* The end-to-end test: every smell against hmlcost train on
 * synthetic data; the store holds 2 runs of every arm. */
static void train_study_all_smells(void **state)
{
    (void)state;
    char probe[4096];
    snprintf(probe, sizeof probe, "%s train --help >/dev/null 2>&1", HMLCOST_BINARY);
    if (system(probe) != 0) {
        print_message("skipped: this build has no 'hmlcost train'\n");
        skip();
    }
    char args[4096];
    snprintf(args, sizeof args,
             "run --smell all --runs 2 --store %s/train.db --json --model-builds 3 "
             "--libpath-entries 200 -- --data synthetic --epochs 1 --train-limit 256 "
             "--test-limit 128",
             store_dir);
    int status;
    cJSON *json = run_json(args, &status);
    assert_int_equal(status, 0);
    assert_non_null(json);
    const char *names[] = {"baseline",  "model-reuse", "model-reuse-kept",
                           "minibatch", "libpath",     "parallelism"};
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "arms")), 6);
    for (int i = 0; i < 6; i++) {
        const cJSON *arm = arm_named(json, names[i]);
        assert_non_null(arm);
        assert_int_equal(ok_runs(arm), 2);
        assert_true(argv_has(arm, "train", NULL));
        assert_true(argv_has(arm, "--data", "synthetic"));
    }
    assert_true(argv_has(arm_named(json, "model-reuse"), "--model-builds", "3"));
    assert_false(argv_has(arm_named(json, "model-reuse"), "--keep-stale-models", NULL));
    assert_true(argv_has(arm_named(json, "model-reuse-kept"), "--model-builds", "3"));
    assert_true(argv_has(arm_named(json, "model-reuse-kept"), "--keep-stale-models", NULL));
    assert_true(argv_has(arm_named(json, "minibatch"), "--batch", "1024"));
    assert_true(argv_has(arm_named(json, "parallelism"), "--threads", NULL));
    assert_true(env_has(arm_named(json, "parallelism"), "OMP_NUM_THREADS="));

    /* Both model-reuse faces and libpath train the same model from the same
     * seed with the same threads: bit-identical losses and accuracy; every
     * run of the baseline agrees with the others too. */
    const char *same[] = {"baseline", "model-reuse", "model-reuse-kept", "libpath"};
    const char *keys[] = {"loss", "accuracy"};
    for (int k = 0; k < 2; k++) {
        char *reference = result_field(arm_named(json, "baseline"), 0, keys[k]);
        assert_non_null(reference);
        for (int a = 0; a < 4; a++)
            for (int r = 0; r < 2; r++) {
                char *value = result_field(arm_named(json, same[a]), r, keys[k]);
                assert_non_null(value);
                if (strcmp(value, reference) != 0)
                    print_message("%s run %d: %s %s differs from baseline's %s\n", same[a], r,
                                  keys[k], value, reference);
                assert_string_equal(value, reference);
                free(value);
            }
        free(reference);
    }
    /* minibatch changes the training: the result says which batch ran. */
    char *batch = result_field(arm_named(json, "minibatch"), 0, "batch");
    assert_non_null(batch);
    assert_string_equal(batch, "1024");
    free(batch);
    cJSON_Delete(json);
}

/* The study's own design: a baseline per smell. The report compares each
 * smell arm with its own baseline, and only the smell arms are smells. */
static void per_smell_baselines_are_paired_in_the_report(void **state)
{
    (void)state;
    char args[4096];
    snprintf(args, sizeof args,
             "run --smell parallelism,libpath --baseline per-smell --order blocked --runs 2 "
             "--store %s/per-smell.db --json --libpath-dirs '' --libpath-entries 20 "
             "--workload 'echo acc=0.5' --accuracy-regex 'acc=([0-9.]+)'",
             store_dir);
    int status;
    cJSON *json = run_json(args, &status);
    assert_int_equal(status, 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "arms")), 4);
    cJSON_Delete(json);

    snprintf(args, sizeof args, "report --store %s/per-smell.db --format json", store_dir);
    json = run_json(args, &status);
    assert_int_equal(status, 0);
    const cJSON *smells = cJSON_GetObjectItem(json, "smells");
    assert_int_equal(cJSON_GetArraySize(smells), 2);
    const cJSON *s;
    cJSON_ArrayForEach(s, smells)
    {
        const char *arm = cJSON_GetStringValue(cJSON_GetObjectItem(s, "arm"));
        char expected[64];
        snprintf(expected, sizeof expected, "baseline-%s", arm);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(s, "baseline")), expected);
    }
    cJSON_Delete(json);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(store_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", store_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(external_workload_study),
        cmocka_unit_test(train_study_all_smells),
        cmocka_unit_test(per_smell_baselines_are_paired_in_the_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
