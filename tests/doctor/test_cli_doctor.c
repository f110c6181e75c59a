/* `hmlcost doctor` as a user runs it: the binary with a chosen environment
 * and a described host ($HMLCOST_HOST_FILE, the table of tests/hosts), its
 * JSON output and its exit status. On a clean environment the only finding
 * allowed is the installed OpenBLAS's (a property of the libraries). */
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

#include "hosts/host_table.h"

typedef struct result {
    int status;
    cJSON *json;
} result;

/* Runs hmlcost with argv (NULL-terminated, without argv[0]) and the
 * environment extra plus PATH and the sanitizers' options. */
static result run(char *const *args, char *const *extra)
{
    char *env[32];
    size_t n = 0;
    env[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
    static const char *const keep[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TMPDIR"};
    static char kept[4][4096];
    for (size_t i = 0; i < 4; i++) {
        const char *v = getenv(keep[i]);
        if (v) {
            snprintf(kept[i], sizeof kept[i], "%s=%s", keep[i], v);
            env[n++] = kept[i];
        }
    }
    for (size_t i = 0; extra && extra[i] && n < 31; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    char *argv[32];
    size_t a = 0;
    argv[a++] = HMLCOST_BINARY;
    for (size_t i = 0; args[i] && a < 31; i++)
        argv[a++] = args[i];
    argv[a] = NULL;

    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execve(HMLCOST_BINARY, argv, env);
        _exit(127);
    }
    close(out[1]);
    size_t size = 0, cap = 65536;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(out[0], buf + size, cap - size - 1)) > 0) {
        size += (size_t)got;
        if (size + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    buf[size] = '\0';
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    result r = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, cJSON_Parse(buf)};
    free(buf);
    return r;
}

static size_t count_ids(const cJSON *json, const char *prefix, size_t *others)
{
    size_t n = 0;
    *others = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(json, "findings"))
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(f, "id"));
        assert_non_null(id);
        if (strncmp(id, prefix, strlen(prefix)) == 0)
            n++;
        else
            (*others)++;
    }
    return n;
}

static bool has_id(const cJSON *json, const char *id)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(json, "findings"))
    {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(f, "id")), id) == 0)
            return true;
    }
    return false;
}

static char host_env[4200];

/* "HMLCOST_HOST_FILE=<tests/hosts/file>" (a static buffer). */
static char *host(const char *file)
{
    snprintf(host_env, sizeof host_env, "HMLCOST_HOST_FILE=%s/hosts/%s",
             HMLCOST_TEST_SOURCE_DIR, file);
    return host_env;
}

static void a_clean_environment_finds_only_the_hosts_blas(void **state)
{
    (void)state;
    for (size_t i = 0; i < TEST_HOST_COUNT; i++) {
        const test_host *t = &test_hosts[i];
        print_message("host %s\n", t->file);
        char *args[] = {"doctor", "--json", NULL};
        char *env[] = {host(t->file), NULL};
        result r = run(args, env);
        assert_non_null(r.json);
        size_t others;
        size_t blas = count_ids(r.json, "blas.", &others);
        assert_int_equal(others, 0);
        assert_int_equal(r.status, blas ? 1 : 0);
        const cJSON *h = cJSON_GetObjectItem(r.json, "host");
        assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(h, "cpus")), t->usable_cpus);
        assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(h, "default_threads")),
                         t->default_threads);
        assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(h, "llc_bytes")) ==
                    (double)t->llc_bytes);
        assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(h, "gpus")), t->gpus);
        assert_null(cJSON_GetObjectItem(r.json, "probe")); /* nothing stored, nothing run */
        cJSON_Delete(r.json);

        /* Four threads oversubscribe the two-CPU hosts and the 1.5-CPU container only. */
        char *threads[] = {"doctor", "--json", "--", "--threads", "4", NULL};
        r = run(threads, env);
        assert_int_equal(has_id(r.json, "threads.oversubscribed"), t->usable_cpus < 4);
        cJSON_Delete(r.json);
    }
}

static void a_bad_host_file_is_a_usage_error(void **state)
{
    (void)state;
    char *args[] = {"doctor", "--json", NULL};
    char *missing[] = {"HMLCOST_HOST_FILE=/nonexistent/host.ini", NULL};
    result r = run(args, missing);
    assert_int_equal(r.status, 2);
    assert_null(r.json);
}

/* Trial figures a command reports on its result descriptor: faster with
 * more threads and smaller batches, so the advice is known in advance. */
#define FAKE_WORKLOAD                                                                          \
    "echo \"{\\\"images_per_s\\\": $((100 * {threads} + 1000 / {batch})), "                   \
    "\\\"train_images\\\": 100, \\\"loss\\\": [1.5]}\" >&$HMLCOST_RESULT_FD"

static const cJSON *find_trial(const cJSON *probe, long batch, long threads)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(probe, "trials"))
    {
        if (cJSON_GetNumberValue(cJSON_GetObjectItem(t, "batch")) == batch &&
            cJSON_GetNumberValue(cJSON_GetObjectItem(t, "threads")) == threads)
            return t;
    }
    return NULL;
}

static void the_probe_measures_stores_and_advises(void **state)
{
    (void)state;
    char cache[] = "/tmp/hmlcost-probe-XXXXXX";
    assert_non_null(mkdtemp(cache));
    char xdg[128];
    snprintf(xdg, sizeof xdg, "XDG_CACHE_HOME=%s", cache);
    char *env[] = {host("sapphire-rapids-vm.ini"), xdg, NULL};
    char *args[] = {"doctor", "--json", "--probe", "--workload", FAKE_WORKLOAD, NULL};
    result r = run(args, env);
    assert_non_null(r.json);
    const cJSON *probe = cJSON_GetObjectItem(r.json, "probe");
    assert_non_null(probe);
    /* Batches 16..1024 at the default threads (2), threads 1..2x the CPUs at batch 64. */
    static const long batches[] = {16, 32, 64, 128, 256, 512, 1024};
    for (size_t i = 0; i < 7; i++) {
        const cJSON *t = find_trial(probe, batches[i], 2);
        assert_non_null(t);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t, "ran")));
        assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(t, "images_per_s")),
                         200 + 1000 / batches[i]);
        assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(t, "peak_rss_bytes")) > 0);
        assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(t, "energy_per_image_j")) >= 0);
        assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(t, "loss")) == 1.5);
    }
    assert_non_null(find_trial(probe, 64, 1));
    assert_non_null(find_trial(probe, 64, 4));
    assert_null(find_trial(probe, 64, 8));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(probe, "trials")), 9);
    /* The workload's setting is measured again at the end: the noise. */
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(probe, "control"), "ran")));
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(probe, "noise")) == 0);
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(probe, "source")),
                           "measured now; stored in"));
    /* 4 threads measured faster than the 2 the workload runs with. */
    assert_true(has_id(r.json, "threads.measured-slower"));
    assert_int_equal(r.status, 1);
    cJSON_Delete(r.json);

    /* Without --probe: the stored probe for this host and workload, run nothing. */
    char *again[] = {"doctor", "--json", "--workload", FAKE_WORKLOAD, NULL};
    r = run(again, env);
    probe = cJSON_GetObjectItem(r.json, "probe");
    assert_non_null(probe);
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(probe, "source")),
                           "stored probe"));
    assert_true(has_id(r.json, "threads.measured-slower"));
    cJSON_Delete(r.json);

    /* A stored probe that is not one is ignored, never trusted or fatal. */
    char spoil[512];
    snprintf(spoil, sizeof spoil, "for f in '%s'/hmlcost/probes/*.json; do echo '{\"schema\": 1, "
             "\"trials\": 7}' > \"$f\"; done", cache);
    assert_int_equal(system(spoil), 0);
    r = run(again, env);
    assert_non_null(r.json);
    assert_null(cJSON_GetObjectItem(r.json, "probe"));
    assert_false(has_id(r.json, "threads.measured-slower"));
    cJSON_Delete(r.json);

    /* Another host has no stored probe. */
    char *other[] = {host("epyc-192-threads.ini"), xdg, NULL};
    r = run(again, other);
    assert_null(cJSON_GetObjectItem(r.json, "probe"));
    assert_false(has_id(r.json, "threads.measured-slower"));
    cJSON_Delete(r.json);

    char rm[256];
    snprintf(rm, sizeof rm, "rm -rf '%s'", cache);
    assert_int_equal(system(rm), 0);
}

static void the_probe_keeps_to_its_budget(void **state)
{
    (void)state;
    char *env[] = {host("epyc-zen5-vm.ini"), NULL};
    char *args[] = {"doctor", "--json", "--probe-seconds", "2", "--workload", "sleep 30", NULL};
    result r = run(args, env);
    const cJSON *probe = cJSON_GetObjectItem(r.json, "probe");
    assert_non_null(probe);
    double seconds = cJSON_GetNumberValue(cJSON_GetObjectItem(probe, "seconds"));
    assert_true(seconds >= 1.5 && seconds < 5);
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(probe, "trials"))
        assert_false(cJSON_IsTrue(cJSON_GetObjectItem(t, "ran")));
    /* Nothing measured, nothing advised; not stored without a cache directory. */
    assert_false(has_id(r.json, "threads.measured-slower"));
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(probe, "source")),
                           "not stored"));
    cJSON_Delete(r.json);
}

static void smells_in_the_environment_fail_the_run(void **state)
{
    (void)state;
    char *args[] = {"doctor", "--json", "--", "--model-builds", "10", NULL};
    char *env[] = {"OMP_NUM_THREADS=64", "LD_LIBRARY_PATH=/nonexistent/a:/nonexistent/b",
                   host("epyc-zen5-vm.ini"), NULL};
    result r = run(args, env);
    assert_int_equal(r.status, 1);
    assert_true(has_id(r.json, "threads.oversubscribed"));
    assert_true(has_id(r.json, "libpath.nonexistent"));
    assert_true(has_id(r.json, "reuse.model-builds"));
    cJSON_Delete(r.json);

    /* Only errors fail with --fail-on error; these are warnings. */
    char *lenient[] = {"doctor", "--json", "--fail-on", "error", NULL};
    r = run(lenient, env);
    assert_int_equal(r.status, 0);
    assert_true(has_id(r.json, "threads.oversubscribed"));
    cJSON_Delete(r.json);

    /* An external command gets the environment checks only. */
    char *command[] = {"doctor", "--json", "--workload", "python3 train.py", NULL};
    r = run(command, env);
    assert_int_equal(r.status, 1);
    assert_true(has_id(r.json, "threads.oversubscribed"));
    assert_false(has_id(r.json, "reuse.model-builds"));
    cJSON_Delete(r.json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_clean_environment_finds_only_the_hosts_blas),
        cmocka_unit_test(a_bad_host_file_is_a_usage_error),
        cmocka_unit_test(the_probe_measures_stores_and_advises),
        cmocka_unit_test(the_probe_keeps_to_its_budget),
        cmocka_unit_test(smells_in_the_environment_fail_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
