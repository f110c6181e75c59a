/* Starting a command as a fresh process (runner/spawn.h): the environment
 * with its changes, the command found like execvp finds it, the child in
 * its own process group with the run's token, the spawn time and the result
 * pipe, and a command that cannot run refused with no child left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/spawn.h"

static const char *env_get(char *const *envp, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; envp[i]; i++)
        if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
            return envp[i] + len + 1;
    return NULL;
}

static size_t env_count(char *const *envp, const char *name)
{
    size_t n = 0, len = strlen(name);
    for (size_t i = 0; envp[i]; i++)
        n += strncmp(envp[i], name, len) == 0 && envp[i][len] == '=';
    return n;
}

static void the_environment_is_ours_with_the_changes(void **state)
{
    (void)state;
    setenv("HMLCOST_SPAWN_TEST_KEEP", "kept", 1);
    setenv("HMLCOST_SPAWN_TEST_DROP", "dropped", 1);
    setenv("HMLCOST_SPAWN_TEST_SET", "old", 1);
    char *changes[] = {"HMLCOST_SPAWN_TEST_SET=new", "HMLCOST_SPAWN_TEST_DROP",
                       "HMLCOST_SPAWN_TEST_ADD=a=b"};
    const char *extras[] = {"HMLCOST_SPAWN_TEST_SET=extra", NULL};
    char **envp = NULL;
    hml_err err;
    assert_int_equal(spawn_build_env(changes, 3, extras, &envp, &err), HML_OK);
    assert_string_equal(env_get(envp, "HMLCOST_SPAWN_TEST_KEEP"), "kept");
    assert_null(env_get(envp, "HMLCOST_SPAWN_TEST_DROP"));
    assert_string_equal(env_get(envp, "HMLCOST_SPAWN_TEST_ADD"), "a=b");
    assert_string_equal(env_get(envp, "HMLCOST_SPAWN_TEST_SET"), "extra"); /* extras last */
    assert_int_equal(env_count(envp, "HMLCOST_SPAWN_TEST_SET"), 1);
    spawn_env_free(envp);
    /* Ours is untouched. */
    assert_string_equal(getenv("HMLCOST_SPAWN_TEST_SET"), "old");
    assert_string_equal(getenv("HMLCOST_SPAWN_TEST_DROP"), "dropped");
}

static void commands_are_found_like_execvp_finds_them(void **state)
{
    (void)state;
    char dir[] = "/tmp/hmlcost-spawn-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char tool[128], plain[128];
    snprintf(tool, sizeof tool, "%s/mytool", dir);
    snprintf(plain, sizeof plain, "%s/notes", dir);
    FILE *f = fopen(tool, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\nexit 0\n", f);
    fclose(f);
    chmod(tool, 0755);
    f = fopen(plain, "w");
    assert_non_null(f);
    fclose(f);
    chmod(plain, 0644);

    char path_var[200];
    snprintf(path_var, sizeof path_var, "PATH=/nonexistent:%s:/usr/bin", dir);
    char *envp[] = {path_var, NULL};
    char path[4096];
    hml_err err;
    assert_int_equal(spawn_resolve("mytool", envp, path, sizeof path, &err), HML_OK);
    assert_string_equal(path, tool);
    assert_int_equal(spawn_resolve("notes", envp, path, sizeof path, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "'notes': command not found");
    assert_int_equal(spawn_resolve(tool, NULL, path, sizeof path, &err), HML_OK);
    assert_string_equal(path, tool);
    assert_int_equal(spawn_resolve(plain, NULL, path, sizeof path, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "not an executable file"));
    assert_int_equal(spawn_resolve("/nonexistent/x", NULL, path, sizeof path, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "no such file"));
    assert_int_equal(spawn_resolve("", NULL, path, sizeof path, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "empty command");
    unlink(tool);
    unlink(plain);
    rmdir(dir);
}

/* Reads the child's result pipe until it closes (or 5 s pass). */
static void read_pipe(int fd, char *buf, size_t size)
{
    size_t len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            break;
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
}

static void the_child_gets_its_group_token_time_and_pipe(void **state)
{
    (void)state;
    char *argv[] = {"sh", "-c",
                    "echo \"$HMLCOST_RUN_TOKEN|${HMLCOST_SPAWN_NS:+time}|$GREETING|"
                    "${HOME-unset}\" >&$HMLCOST_RESULT_FD; "
                    "eval \"exec $HMLCOST_RESULT_FD>&-\"; exec sleep 30",
                    NULL};
    char *changes[] = {"GREETING=hello", "HOME"};
    spawn_request req = {.argv = argv, .env_changes = changes, .env_change_count = 2,
                         .quiet = true, .result_pipe = true, .run_token = "0123456789abcdef"};
    spawn_child child;
    hml_err err;
    assert_int_equal(spawn_start(&req, &child, &err), HML_OK);
    assert_true(child.pid > 0);
    assert_true(child.result_fd >= 0);
    assert_true(child.started_s > 0);
    assert_int_equal(getpgid(child.pid), child.pid);
    char line[256];
    read_pipe(child.result_fd, line, sizeof line);
    assert_string_equal(line, "0123456789abcdef|time|hello|unset\n");
    kill(-child.pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(child.pid, &status, 0), child.pid);
    assert_true(WIFSIGNALED(status));
    spawn_child_close(&child);
    assert_int_equal(child.result_fd, -1);
}

static void a_command_that_cannot_run_leaves_no_child(void **state)
{
    (void)state;
    char *argv[] = {"/nonexistent/cmd", NULL};
    spawn_request req = {.argv = argv, .quiet = true};
    spawn_child child;
    hml_err err;
    assert_int_equal(spawn_start(&req, &child, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "/nonexistent/cmd"));
    assert_null(strchr(err.msg, '\n'));
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);

    char *missing[] = {"hmlcost-no-such-command", NULL};
    req.argv = missing;
    assert_int_equal(spawn_start(&req, &child, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "command not found"));
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_environment_is_ours_with_the_changes),
        cmocka_unit_test(commands_are_found_like_execvp_finds_them),
        cmocka_unit_test(the_child_gets_its_group_token_time_and_pipe),
        cmocka_unit_test(a_command_that_cannot_run_leaves_no_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
