/* What `hmlcost measure` derives from a run without running one: the argv
 * it starts (as given, or under /bin/sh -c) and the status a shell would
 * report for the run's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "runner/execute.h"
#include "runner/plan.h"

static void the_shell_status_follows_how_the_run_ended(void **state)
{
    (void)state;
    execute_result r = {.status = STORE_RUN_OK, .exit_code = 0};
    assert_int_equal(execute_result_shell_status(&r), 0);
    r = (execute_result){.status = STORE_RUN_FAILED, .exit_code = 3};
    assert_int_equal(execute_result_shell_status(&r), 3);
    r = (execute_result){.status = STORE_RUN_CRASHED, .exit_code = -1, .signal = 9};
    assert_int_equal(execute_result_shell_status(&r), 137);
    r = (execute_result){.status = STORE_RUN_TIMEOUT, .exit_code = -1, .signal = 15};
    assert_int_equal(execute_result_shell_status(&r), 124);
    r = (execute_result){.status = STORE_RUN_ERROR, .exit_code = -1};
    assert_int_equal(execute_result_shell_status(&r), -1);
}

static void the_command_runs_as_given_or_under_a_shell(void **state)
{
    (void)state;
    char *const argv[] = {"python3", "train.py", "--lr", "0.1"};
    char **cmd = NULL;
    hml_err err;
    assert_int_equal(execute_command_argv(4, argv, false, &cmd, &err), HML_OK);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(cmd[i], argv[i]);
    assert_null(cmd[4]);
    assert_ptr_not_equal(cmd[0], argv[0]); /* a copy the caller frees */
    plan_words_free(cmd);

    char *const line[] = {"echo", "$HOME", "|", "wc"};
    assert_int_equal(execute_command_argv(4, line, true, &cmd, &err), HML_OK);
    assert_string_equal(cmd[0], "/bin/sh");
    assert_string_equal(cmd[1], "-c");
    assert_string_equal(cmd[2], "echo $HOME | wc");
    assert_null(cmd[3]);
    plan_words_free(cmd);
}

static void no_command_is_a_usage_error(void **state)
{
    (void)state;
    char **cmd = (char **)1;
    hml_err err;
    assert_int_equal(execute_command_argv(0, NULL, false, &cmd, &err), HML_EUSAGE);
    assert_null(cmd);
    assert_non_null(strstr(err.msg, "no command"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_shell_status_follows_how_the_run_ended),
        cmocka_unit_test(the_command_runs_as_given_or_under_a_shell),
        cmocka_unit_test(no_command_is_a_usage_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
