/* Tables of text cells (report/text_table.h): columns aligned by UTF-8
 * characters, right-aligned columns, colour only when asked, terminal cells
 * escaped by the text rule, and Markdown rows that a line break cannot end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/text_table.h"

typedef enum { TERMINAL, TERMINAL_COLOR, MARKDOWN } style;

static char *print(const text_table *t, style s, int indent)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    if (s == MARKDOWN)
        text_table_print_markdown(out, t);
    else
        text_table_print(out, t, indent, s == TERMINAL_COLOR);
    fclose(out);
    return text;
}

static void sample_table(text_table *t)
{
    text_table_init(t, 3);
    t->right[2] = true;
    const char *head[] = {"metric", "unit", "value"};
    const char *a[] = {"wall time", "µs", "12.5"};
    const char *b[] = {"CO2", NULL, "3"};
    text_table_add(t, head);
    text_table_add(t, a);
    text_table_add(t, b);
}

static void columns_align_by_characters_not_bytes(void **state)
{
    (void)state;
    text_table t;
    sample_table(&t);
    char *text = print(&t, TERMINAL, 2);
    /* "µs" is two characters (three bytes): the unit column is 4 wide. */
    assert_string_equal(text, "  metric     unit  value\n"
                              "  wall time  µs     12.5\n"
                              "  CO2                  3\n");
    free(text);
    text_table_free(&t);
    assert_int_equal(t.rows, 0);
}

static void colour_only_when_asked(void **state)
{
    (void)state;
    text_table t;
    sample_table(&t);
    text_table_color_last(&t, 0, "\033[31m");
    text_table_color_last(&t, 7, "\033[32m"); /* no such column: ignored */
    char *plain = print(&t, TERMINAL, 0);
    assert_null(strchr(plain, '\033'));
    char *colored = print(&t, TERMINAL_COLOR, 0);
    assert_non_null(strstr(colored, "\033[1mmetric\033[0m")); /* the header is bold */
    assert_non_null(strstr(colored, "\033[31mCO2\033[0m"));
    assert_null(strstr(colored, "\033[32m"));
    free(plain);
    free(colored);
    text_table_free(&t);
}

/* A cell holding a terminal escape (an arm named by a user) is shown
 * escaped, and the columns stay aligned on what is shown. */
static void terminal_cells_are_escaped(void **state)
{
    (void)state;
    text_table t;
    text_table_init(&t, 2);
    const char *head[] = {"arm", "n"};
    const char *evil[] = {"a\033[2Jb", "1"};
    text_table_add(&t, head);
    text_table_add(&t, evil);
    char *text = print(&t, TERMINAL, 0);
    assert_null(strchr(text, '\033'));
    assert_string_equal(text, "arm        n\n"
                              "a\\x1b[2Jb  1\n");
    free(text);
    text_table_free(&t);
}

static void markdown_has_an_alignment_row_and_one_line_per_row(void **state)
{
    (void)state;
    text_table t;
    text_table_init(&t, 2);
    t.right[1] = true;
    const char *head[] = {"arm", "runs"};
    const char *row[] = {"two\nlines", "5"};
    text_table_add(&t, head);
    text_table_add(&t, row);
    char *text = print(&t, MARKDOWN, 0);
    assert_string_equal(text, "| arm | runs |\n"
                              "| --- | ---: |\n"
                              "| two lines | 5 |\n");
    free(text);
    text_table_free(&t);
}

static void columns_are_capped(void **state)
{
    (void)state;
    text_table t;
    text_table_init(&t, TEXT_TABLE_MAX_COLS + 5);
    assert_int_equal(t.cols, TEXT_TABLE_MAX_COLS);
    assert_int_equal(t.rows, 0);
    assert_false(t.failed);
    text_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(columns_align_by_characters_not_bytes),
        cmocka_unit_test(colour_only_when_asked),
        cmocka_unit_test(terminal_cells_are_escaped),
        cmocka_unit_test(markdown_has_an_alignment_row_and_one_line_per_row),
        cmocka_unit_test(columns_are_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
