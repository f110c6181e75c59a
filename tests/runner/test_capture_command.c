/* The supervising part of `hmlcost capture`: the command's exit status and
 * accuracy come back, the result line goes to the result descriptor, and
 * a command that cannot run or a regex that matches nothing is said so. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/capture.h"

/* Runs argv under capture_command with its result line read from a pipe. */
static hml_status capture(char *const *argv, const char *regex, capture_outcome *out,
                          char *line, size_t size, hml_err *err)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    capture_request req = {.argv = argv, .accuracy_regex = regex, .result_fd = fds[1]};
    memset(out, 0, sizeof *out);
    hml_status st = capture_command(&req, out, err);
    close(fds[1]);
    size_t used = 0;
    ssize_t n;
    while (used + 1 < size && (n = read(fds[0], line + used, size - 1 - used)) > 0)
        used += (size_t)n;
    line[used] = '\0';
    close(fds[0]);
    return st;
}

static void exit_status_and_accuracy_come_back(void **state)
{
    (void)state;
    char *argv[] = {"sh", "-c", "echo 'epoch 1 val_acc=0.50'; echo 'epoch 2 val_acc=0.75' >&2; "
                                "exit 3", NULL};
    capture_outcome out;
    char line[4096];
    hml_err err;
    assert_int_equal(capture(argv, "val_acc=([0-9.]+)", &out, line, sizeof line, &err), HML_OK);
    assert_true(WIFEXITED(out.wait_status));
    assert_int_equal(WEXITSTATUS(out.wait_status), 3);
    assert_int_equal(out.exec_errno, 0);
    assert_false(out.regex_matched_nothing);
    /* The last match wins: the accuracy after the final epoch. */
    assert_non_null(strstr(line, "\"accuracy\":0.75,\"accuracy_source\":\"regex\""));
    assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

static void a_regex_that_matches_nothing_is_reported(void **state)
{
    (void)state;
    char *argv[] = {"true", NULL};
    capture_outcome out;
    char line[4096];
    hml_err err;
    assert_int_equal(capture(argv, "acc=([0-9.]+)", &out, line, sizeof line, &err), HML_OK);
    assert_true(WIFEXITED(out.wait_status));
    assert_int_equal(WEXITSTATUS(out.wait_status), 0);
    assert_true(out.regex_matched_nothing);
}

static void a_missing_command_says_why(void **state)
{
    (void)state;
    char *argv[] = {"/nonexistent/hmlcost-no-such-program", NULL};
    capture_outcome out;
    char line[4096];
    hml_err err;
    assert_int_equal(capture(argv, NULL, &out, line, sizeof line, &err), HML_OK);
    assert_true(WIFEXITED(out.wait_status));
    assert_int_equal(WEXITSTATUS(out.wait_status), 127);
    assert_int_equal(out.exec_errno, ENOENT);
}

static void a_bad_regex_is_a_usage_error(void **state)
{
    (void)state;
    char *argv[] = {"true", NULL};
    capture_outcome out;
    char line[4096];
    hml_err err;
    assert_int_equal(capture(argv, "acc=([0-9", &out, line, sizeof line, &err), HML_EUSAGE);
    assert_null(strchr(err.msg, '\n'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_status_and_accuracy_come_back),
        cmocka_unit_test(a_regex_that_matches_nothing_is_reported),
        cmocka_unit_test(a_missing_command_says_why),
        cmocka_unit_test(a_bad_regex_is_a_usage_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
