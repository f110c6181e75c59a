/* Strict number parsing of what a user types (common/parse_number.h): the
 * whole text is one number in range, or a one-line usage error naming what
 * was parsed, and the output is left alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "common/parse_number.h"

static void refuses_long(const char *text, long min, long max, const char *msg)
{
    long v = 42;
    hml_err err;
    assert_int_equal(hml_parse_long("--runs", text, min, max, &v, &err), HML_EUSAGE);
    assert_string_equal(err.msg, msg);
    assert_int_equal(v, 42);
}

static void integers_are_whole_and_in_range(void **state)
{
    (void)state;
    long v = 0;
    hml_err err;
    assert_int_equal(hml_parse_long("--runs", "10", 1, 100, &v, &err), HML_OK);
    assert_int_equal(v, 10);
    assert_int_equal(hml_parse_long("--runs", "-3", -5, 5, &v, &err), HML_OK);
    assert_int_equal(v, -3);
    assert_int_equal(hml_parse_long("--runs", "100", 1, 100, &v, &err), HML_OK);
    assert_int_equal(v, 100);
    refuses_long("", 1, 100, "--runs: expected an integer, got an empty value");
    refuses_long(NULL, 1, 100, "--runs: expected an integer, got an empty value");
    refuses_long("10x", 1, 100, "--runs: '10x' is not an integer");
    refuses_long("4 ", 1, 100, "--runs: '4 ' is not an integer");
    refuses_long("1.5", 1, 100, "--runs: '1.5' is not an integer");
    refuses_long("0x10", 1, 100, "--runs: '0x10' is not an integer");
    refuses_long("0", 1, 100, "--runs: 0 is out of range [1, 100]");
    refuses_long("101", 1, 100, "--runs: 101 is out of range [1, 100]");
    refuses_long("99999999999999999999999", 1, 100,
                 "--runs: 99999999999999999999999 is out of range [1, 100]");
}

static void refuses_double(const char *text, double min, double max, const char *msg)
{
    double v = 42;
    hml_err err;
    assert_int_equal(hml_parse_double("--lr", text, min, max, &v, &err), HML_EUSAGE);
    assert_string_equal(err.msg, msg);
    assert_true(v == 42);
}

static void numbers_are_finite_and_in_range(void **state)
{
    (void)state;
    double v = 0;
    hml_err err;
    assert_int_equal(hml_parse_double("--lr", "1e-3", 0, 1, &v, &err), HML_OK);
    assert_float_equal(v, 1e-3, 1e-18);
    assert_int_equal(hml_parse_double("--lr", "1", 0, 1, &v, &err), HML_OK);
    assert_true(v == 1);
    refuses_double("", 0, 1, "--lr: expected a number, got an empty value");
    refuses_double("nan", 0, 1, "--lr: 'nan' is not a finite number");
    refuses_double("inf", 0, 1, "--lr: 'inf' is not a finite number");
    refuses_double("0.1.2", 0, 1, "--lr: '0.1.2' is not a finite number");
    refuses_double("0.5s", 0, 1, "--lr: '0.5s' is not a finite number");
    refuses_double("2", 0, 1, "--lr: 2 is out of range [0, 1]");
    refuses_double("-0.5", 0, 1, "--lr: -0.5 is out of range [0, 1]");
    refuses_double("1e999", 0, 1e300, "--lr: '1e999' is not a finite number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_are_whole_and_in_range),
        cmocka_unit_test(numbers_are_finite_and_in_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
