/* The CSV reader: RFC 4180 quoting, line ends, and every malformed input
 * refused with a message that names the line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "report/csv_table.h"

static hml_status parse(const char *text, csv_table *t, hml_err *err)
{
    return csv_parse(text, strlen(text), "t.csv", t, err);
}

static void quotes_crlf_bom_and_blank_lines(void **state)
{
    (void)state;
    csv_table t;
    hml_err err;
    const char *text = "\xEF\xBB\xBF" "a, b ,c\r\n"
                       "1,\"x, \"\"y\"\"\",\"two\nlines\"\r\n"
                       "\r\n"
                       "2,,\n"
                       "3,z,w";
    assert_int_equal(parse(text, &t, &err), HML_OK);
    assert_int_equal(t.n_cols, 3);
    assert_string_equal(t.header[1], "b"); /* header names trimmed */
    assert_int_equal(t.n_rows, 3);
    assert_string_equal(t.rows[0][1], "x, \"y\"");
    assert_string_equal(t.rows[0][2], "two\nlines");
    assert_string_equal(t.rows[1][1], "");
    assert_string_equal(t.rows[2][2], "w"); /* no final newline */
    assert_int_equal(t.line[2], 6);
    assert_int_equal(csv_column(&t, "c"), 2);
    assert_int_equal(csv_column(&t, "d"), -1);
    csv_table_free(&t);
}

static void malformed_input_is_one_line_error(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"a,b\n1,2,3\n", "t.csv line 2: 3 fields, but the header has 2"},
        {"a,b\n1,\"open\n", "t.csv line 2: a quoted field is not closed"},
        {"a,b\n\"x\"y,2\n", "t.csv line 2: text after a closing quote"},
        {"a,a\n1,2\n", "t.csv line 1: column 'a' appears twice"},
        {"a,,c\n", "t.csv line 1: column 2 has no name"},
        {"", "t.csv: empty file (no header line)"},
        {"\n\n", "t.csv: empty file (no header line)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csv_table t;
        hml_err err;
        assert_int_equal(parse(cases[i].text, &t, &err), HML_EUSAGE);
        assert_string_equal(err.msg, cases[i].expect);
        assert_null(strchr(err.msg, '\n'));
    }
    csv_table t;
    hml_err err;
    const char nul[] = "a,b\n1,\0\n";
    assert_int_equal(csv_parse(nul, sizeof nul - 1, "t.csv", &t, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "NUL byte"));
}

static void write_field_quotes_what_needs_it_and_reads_back(void **state)
{
    (void)state;
    const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", " padded", ""};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    fputs("f0,f1,f2,f3,f4,f5\n", out);
    for (size_t i = 0; i < 6; i++) {
        if (i)
            fputc(',', out);
        escape_csv_field(out, fields[i]);
    }
    fputc('\n', out);
    fclose(out);
    assert_non_null(strstr(buf, "plain,\"a,b\",\"say \"\"hi\"\"\""));
    csv_table t;
    hml_err err;
    assert_int_equal(csv_parse(buf, len, "mem", &t, &err), HML_OK);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(t.rows[0][i], fields[i]);
    csv_table_free(&t);
    free(buf);
}

static void missing_file_and_directory(void **state)
{
    (void)state;
    csv_table t;
    hml_err err;
    assert_int_equal(csv_read_file("/nonexistent/runs.csv", &t, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "/nonexistent/runs.csv: No such file or directory");
    assert_int_equal(csv_read_file("/", &t, &err), HML_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quotes_crlf_bom_and_blank_lines),
        cmocka_unit_test(malformed_input_is_one_line_error),
        cmocka_unit_test(write_field_quotes_what_needs_it_and_reads_back),
        cmocka_unit_test(missing_file_and_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
