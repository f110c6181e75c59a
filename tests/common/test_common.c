/* The error convention and text kept in fixed fields (lists, notes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "common/error.h"
#include "common/text.h"

static void fail_formats_and_returns_status(void **state)
{
    (void)state;
    hml_err err;
    assert_int_equal(hml_fail(&err, HML_EUSAGE, "--%s: %d is bad", "batch", 0), HML_EUSAGE);
    assert_string_equal(err.msg, "--batch: 0 is bad");
    assert_int_equal(err.status, HML_EUSAGE);
}

static void messages_stay_on_one_line(void **state)
{
    (void)state;
    hml_err err;
    hml_fail(&err, HML_ESYSTEM, "cannot open '%s'", "a\nb");
    assert_null(strchr(err.msg, '\n'));
    hml_wrap(&err, "data");
    assert_string_equal(err.msg, "data: cannot open 'a b'");
    assert_int_equal(err.status, HML_ESYSTEM);
}

static void text_lists_hold_whole_items_once(void **state)
{
    (void)state;
    char list[32] = "";
    text_list_add(list, sizeof list, ", ", "node10");
    text_list_add(list, sizeof list, ", ", "node1");   /* a part of node10: still new */
    text_list_add(list, sizeof list, ", ", "node10");  /* already there */
    text_list_add(list, sizeof list, ", ", "");        /* nothing to add */
    assert_string_equal(list, "node10, node1");
    assert_true(text_list_has(list, ", ", "node1"));
    assert_false(text_list_has(list, ", ", "node"));
    assert_false(text_list_has(list, ", ", "0, node1"));
    /* a full field truncates, never overruns */
    text_list_add(list, sizeof list, ", ", "a-very-long-hostname-indeed");
    assert_int_equal(strlen(list), sizeof list - 1);
}

static void notes_join_with_semicolons_and_never_overrun(void **state)
{
    (void)state;
    char notes[24] = "";
    text_note_add(notes, sizeof notes, "rapl: %s", "absent");
    assert_string_equal(notes, "rapl: absent"); /* the first has no separator */
    text_note_add(notes, sizeof notes, "%d GPU", 0);
    assert_string_equal(notes, "rapl: absent; 0 GPU");
    /* a note longer than the room left is cut at the field's end */
    text_note_add(notes, sizeof notes, "%s", "cgroup v2");
    assert_string_equal(notes, "rapl: absent; 0 GPU; cg");
    /* a full field takes nothing, not even half a separator */
    char full[8] = "abcd";
    text_note_add(full, sizeof full, "x");
    assert_string_equal(full, "abcd; x");
    text_note_add(full, sizeof full, "y");
    assert_string_equal(full, "abcd; x");
    char nearly[8] = "abcde";
    text_note_add(nearly, sizeof nearly, "z");
    assert_string_equal(nearly, "abcde");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fail_formats_and_returns_status),
        cmocka_unit_test(messages_stay_on_one_line),
        cmocka_unit_test(text_lists_hold_whole_items_once),
        cmocka_unit_test(notes_join_with_semicolons_and_never_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
