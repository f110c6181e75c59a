/* The CLI's shared helpers: strict option-value parsers and the one-line
 * error report with its exit status. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stderr_capture.h"
#include "common/error.h"

static void parse_long_accepts_only_whole_numbers_in_range(void **state)
{
    (void)state;
    hml_err err;
    long v = 0;
    assert_int_equal(cli_parse_long("runs", "10", 1, 100, &v, &err), HML_OK);
    assert_int_equal(v, 10);
    assert_int_equal(cli_parse_long("runs", "0", 1, 100, &v, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "out of range"));
    assert_int_equal(cli_parse_long("runs", "10x", 1, 100, &v, &err), HML_EUSAGE);
    assert_int_equal(cli_parse_long("runs", "", 1, 100, &v, &err), HML_EUSAGE);
    assert_int_equal(cli_parse_long("runs", "99999999999999999999999", 1, 100, &v, &err),
                     HML_EUSAGE);
    assert_int_equal(v, 10);
}

static void parse_double_rejects_nan_and_garbage(void **state)
{
    (void)state;
    hml_err err;
    double v = 0;
    assert_int_equal(cli_parse_double("lr", "1e-3", 0, 1, &v, &err), HML_OK);
    assert_true(v == 1e-3);
    assert_int_equal(cli_parse_double("lr", "nan", 0, 1, &v, &err), HML_EUSAGE);
    assert_int_equal(cli_parse_double("lr", "inf", 0, 1, &v, &err), HML_EUSAGE);
    assert_int_equal(cli_parse_double("lr", "0.1.2", 0, 1, &v, &err), HML_EUSAGE);
    assert_int_equal(cli_parse_double("lr", "2", 0, 1, &v, &err), HML_EUSAGE);
}

static void usage_errors_print_one_prefixed_line_and_exit_2(void **state)
{
    (void)state;
    stderr_capture cap;
    char text[256];
    stderr_capture_begin(&cap);
    int rc = cli_usage_error("train: --batch: '%s' is not an integer", "x");
    stderr_capture_end(&cap, text, sizeof text);
    assert_int_equal(rc, CLI_EXIT_USAGE);
    assert_string_equal(text, "hmlcost: train: --batch: 'x' is not an integer\n");
}

static void reported_errors_exit_2_for_usage_and_1_otherwise(void **state)
{
    (void)state;
    stderr_capture cap;
    char text[256];
    hml_err err;
    hml_fail(&err, HML_EUSAGE, "--runs: 0 is out of range");
    stderr_capture_begin(&cap);
    int rc = cli_report_error(&err);
    stderr_capture_end(&cap, text, sizeof text);
    assert_int_equal(rc, CLI_EXIT_USAGE);
    assert_string_equal(text, "hmlcost: --runs: 0 is out of range\n");

    hml_fail(&err, HML_ESYSTEM, "cannot open 'x'");
    stderr_capture_begin(&cap);
    rc = cli_report_error(&err);
    stderr_capture_end(&cap, text, sizeof text);
    assert_int_equal(rc, CLI_EXIT_FAILURE);
    assert_string_equal(text, "hmlcost: cannot open 'x'\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_long_accepts_only_whole_numbers_in_range),
        cmocka_unit_test(parse_double_rejects_nan_and_garbage),
        cmocka_unit_test(usage_errors_print_one_prefixed_line_and_exit_2),
        cmocka_unit_test(reported_errors_exit_2_for_usage_and_1_otherwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
