/* Reading an external workload's accuracy from its output (run --workload
 * --accuracy-regex), and `hmlcost capture` around a real command. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "runner/capture_scan.h"

static void regex_reads_the_last_matching_line_and_percentages(void **state)
{
    (void)state;
    capture_scan scan;
    hml_err err;
    assert_int_equal(capture_scan_init(&scan, "val(idation)? acc(uracy)? *[:=] *([0-9.]+%?)", &err),
                     HML_OK);
    capture_scan_line(&scan, "epoch 1 loss 2.1");
    assert_false(scan.found);
    assert_null(capture_scan_result(&scan));
    capture_scan_line(&scan, "val acc: 0.41");
    capture_scan_line(&scan, "validation accuracy = 63.5%");
    capture_scan_line(&scan, "val acc: 250");  /* not a fraction nor a percentage */
    capture_scan_line(&scan, "val acc: abc");
    assert_true(scan.found);
    assert_true(scan.accuracy > 0.6349 && scan.accuracy < 0.6351);
    char *result = capture_scan_result(&scan);
    assert_non_null(strstr(result, "\"accuracy\":0.635"));
    assert_non_null(strstr(result, "\"accuracy_source\":\"regex\""));
    free(result);
    capture_scan_free(&scan);
}

static void the_workloads_own_line_wins(void **state)
{
    (void)state;
    capture_scan scan;
    hml_err err;
    assert_int_equal(capture_scan_init(&scan, "acc ([0-9.]+)", &err), HML_OK);
    capture_scan_line(&scan, "acc 0.3");
    capture_scan_result_line(&scan, "not json");
    capture_scan_result_line(&scan, "{\"accuracy\":0.9,\"batch\":64}");
    char *result = capture_scan_result(&scan);
    assert_string_equal(result, "{\"accuracy\":0.9,\"batch\":64}");
    free(result);
    capture_scan_result_line(&scan, "{\"batch\":32}");
    result = capture_scan_result(&scan);
    assert_non_null(strstr(result, "\"batch\":32"));
    assert_non_null(strstr(result, "\"accuracy\":0.3"));
    free(result);
    capture_scan_free(&scan);
}

static void bad_regexes_are_usage_errors(void **state)
{
    (void)state;
    capture_scan scan;
    hml_err err;
    assert_int_equal(capture_scan_init(&scan, "acc [0-9", &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--accuracy-regex"));
    assert_int_equal(capture_scan_init(&scan, "acc [0-9.]+", &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "no group"));
    assert_int_equal(capture_scan_init(&scan, NULL, &err), HML_OK);
    capture_scan_line(&scan, "acc 0.5");
    assert_null(capture_scan_result(&scan));
    capture_scan_free(&scan);
}

/* The binary: output passes through, the result goes to $HMLCOST_RESULT_FD,
 * the exit status is the command's. */
static void capture_runs_the_command_and_reports(void **state)
{
    (void)state;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "HMLCOST_RESULT_FD=3 %s capture --accuracy-regex 'acc=([0-9.]+)' -- "
             "sh -c 'echo acc=0.42; echo noise >&2; exit 5' 3>&1 1>/dev/null 2>/dev/null",
             HMLCOST_BINARY);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, p));
    int status = pclose(p);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 5);
    assert_non_null(strstr(line, "\"accuracy\":0.42"));
}

/* A $HMLCOST_RESULT_FD that is not open for writing is a usage error
 * before the command runs, as for `hmlcost train` (not a silent stdout). */
static void a_bad_result_fd_is_refused_before_running(void **state)
{
    (void)state;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "HMLCOST_RESULT_FD=77 %s capture -- sh -c 'echo ran' 2>&1 77<&-", HMLCOST_BINARY);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, p));
    char extra[512];
    assert_null(fgets(extra, sizeof extra, p)); /* one line, and the command did not run */
    int status = pclose(p);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_non_null(strstr(line, "HMLCOST_RESULT_FD: 77 is not a file descriptor open for writing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(regex_reads_the_last_matching_line_and_percentages),
        cmocka_unit_test(the_workloads_own_line_wins),
        cmocka_unit_test(bad_regexes_are_usage_errors),
        cmocka_unit_test(capture_runs_the_command_and_reports),
        cmocka_unit_test(a_bad_result_fd_is_refused_before_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
