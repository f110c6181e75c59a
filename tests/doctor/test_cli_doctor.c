/* `hmlcost doctor` as a user runs it: the binary with a chosen environment,
 * its JSON output and its exit status. On a clean environment the only
 * finding allowed is the machine's BLAS (a property of the host). */
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

static void a_clean_environment_finds_only_the_hosts_blas(void **state)
{
    (void)state;
    char *args[] = {"doctor", "--json", NULL};
    result r = run(args, NULL);
    assert_non_null(r.json);
    size_t others;
    size_t blas = count_ids(r.json, "blas.", &others);
    assert_int_equal(others, 0);
    assert_int_equal(r.status, blas ? 1 : 0);
    const cJSON *host = cJSON_GetObjectItem(r.json, "host");
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(host, "cpus")) >= 1);
    cJSON_Delete(r.json);
    if (blas)
        print_message("note: this host's OpenBLAS finding is expected (%zu)\n", blas);
}

static void smells_in_the_environment_fail_the_run(void **state)
{
    (void)state;
    char *args[] = {"doctor", "--json", "--", "--model-builds", "10", NULL};
    char *env[] = {"OMP_NUM_THREADS=64", "LD_LIBRARY_PATH=/nonexistent/a:/nonexistent/b", NULL};
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
        cmocka_unit_test(smells_in_the_environment_fail_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
