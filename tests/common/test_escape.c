/* The output escaping rules, one per format, on hostile text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cjson_alloc.h"
#include "common/escape.h"

/* What a FILE writer wrote, as a heap string the caller frees. */
static char *written(void (*writer)(FILE *, const char *), const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    writer(out, text);
    fclose(out);
    return buf;
}

static void text_shows_controls_escaped(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(escape_text(buf, sizeof buf, "arm\r\033[2K NO COST\n\t\\"),
                        "arm\\r\\x1b[2K NO COST\\n\\t\\\\");
    assert_string_equal(escape_text(buf, sizeof buf, "del\x7f bell\a"), "del\\x7f bell\\x07");
    /* Valid UTF-8 passes; bytes that are not UTF-8 are shown, not printed. */
    assert_string_equal(escape_text(buf, sizeof buf, "caf\xc3\xa9 \xce\xbc"),
                        "caf\xc3\xa9 \xce\xbc");
    assert_string_equal(escape_text(buf, sizeof buf, "a\xff\xc3"), "a\\xff\\xc3");
    /* An overlong '/' and a UTF-16 surrogate are not UTF-8 either. */
    assert_string_equal(escape_text(buf, sizeof buf, "\xc0\xaf\xed\xa0\x80"),
                        "\\xc0\\xaf\\xed\\xa0\\x80");
    /* C1 CSI and the right-to-left override act on the terminal. */
    assert_string_equal(escape_text(buf, sizeof buf, "\xc2\x9b" "2J \xe2\x80\xae" "abc"),
                        "\\u009b2J \\u202eabc");
    char *f = written(escape_text_fputs, "x\033y");
    assert_string_equal(f, "x\\x1by");
    free(f);
    assert_string_equal(escape_text(buf, sizeof buf, NULL), "");
}

static void text_buffer_cuts_at_a_whole_escape(void **state)
{
    (void)state;
    char buf[6];
    /* "ab\x1b" needs 6 bytes and the NUL: the escape is left out, not cut. */
    assert_string_equal(escape_text(buf, sizeof buf, "ab\033cd"), "ab");
    char one[1];
    assert_string_equal(escape_text(one, sizeof one, "abc"), "");
}

static void markdown_escapes_html_and_table_syntax(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(escape_markdown(buf, sizeof buf, "<img src=x onerror=alert(1)>"),
                        "&lt;img src=x onerror=alert(1)&gt;");
    assert_string_equal(escape_markdown(buf, sizeof buf, "a|b `c` *d* _e_ [f](g) \\ &amp;"),
                        "a\\|b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) \\\\ &amp;amp;");
    assert_string_equal(escape_markdown(buf, sizeof buf, "two\nlines\r\033"), "two lines \\x1b");
    assert_string_equal(escape_markdown(buf, sizeof buf, "model-reuse.v2"), "model-reuse.v2");
}

static void html_escapes_markup_and_replaces_what_is_not_text(void **state)
{
    (void)state;
    char *s = written(escape_html_fputs, "<a href=\"x\">'&'</a>\033\xff\xc3\xa9");
    assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
                           "\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9");
    free(s);
}

static void csv_neutralises_formulas(void **state)
{
    (void)state;
    static const struct {
        const char *field, *expect;
    } cases[] = {
        {"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
        {"+1+1", "'+1+1"},
        {"-2+3", "'-2+3"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\t=1", "\"'\t=1\""},
        {"\r=1", "\"'\r=1\""},
        {"=1,2", "\"'=1,2\""},
        {"plain", "plain"},
        {"a=b", "a=b"},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        escape_csv_field(out, cases[i].field);
        fclose(out);
        assert_string_equal(buf, cases[i].expect);
        free(buf);
    }
    /* Reading undoes the prefix, and only the prefix. */
    assert_string_equal(escape_csv_unprefixed("'=cmd"), "=cmd");
    assert_string_equal(escape_csv_unprefixed("'-2"), "-2");
    assert_string_equal(escape_csv_unprefixed("'quoted'"), "'quoted'");
    assert_string_equal(escape_csv_unprefixed("'"), "'");
    assert_string_equal(escape_csv_unprefixed("=x"), "=x");
}

static void json_replaces_invalid_utf8_and_says_so(void **state)
{
    (void)state;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", "arm-\xff\xfe");
    cJSON_AddStringToObject(root, "ok", "caf\xc3\xa9");
    cJSON *inner = cJSON_AddObjectToObject(root, "env");
    cJSON_AddStringToObject(inner, "KEY\xc3", "v");
    char *text = escape_json_print(root, false);
    assert_string_equal(text, "{\"name\":\"arm-\xef\xbf\xbd\xef\xbf\xbd\",\"ok\":\"caf\xc3\xa9\","
                              "\"env\":{\"KEY\xef\xbf\xbd\":\"v\"},\"invalid_utf8_replaced\":2}");
    cJSON_free(text);
    cJSON_Delete(root);

    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", "fine");
    text = escape_json_print(root, false);
    assert_string_equal(text, "{\"name\":\"fine\"}");
    cJSON_free(text);
    cJSON_Delete(root);
    assert_null(escape_json_print(NULL, true));
}

/* Two strings to repair: a value and a key of an inner object. */
static cJSON *two_invalid_strings(void)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *inner = cJSON_CreateObject();
    assert_non_null(cJSON_AddStringToObject(root, "name", "arm-\xff"));
    assert_non_null(cJSON_AddStringToObject(inner, "KEY\xc3", "v"));
    assert_true(cJSON_AddItemToObject(root, "env", inner));
    return root;
}

/* Printed while one allocation, any one, fails: NULL, never the invalid
 * bytes or the text without its count. */
static void json_with_memory_short_once_is_whole_or_nothing(void **state)
{
    (void)state;
    cJSON *root = two_invalid_strings();
    cjson_alloc_count(0);
    char *text = escape_json_print(root, false);
    size_t total = cjson_alloc_made();
    cjson_alloc_stop();
    assert_string_equal(text, "{\"name\":\"arm-\xef\xbf\xbd\",\"env\":{\"KEY\xef\xbf\xbd\":\"v\"},"
                              "\"invalid_utf8_replaced\":2}");
    cJSON_free(text);
    cJSON_Delete(root);
    for (size_t n = 1; n <= total; n++) {
        root = two_invalid_strings();
        cjson_alloc_fail_once(n);
        text = escape_json_print(root, false);
        cjson_alloc_stop();
        if (text)
            fail_msg("allocation %zu of %zu failed, yet printed: %s", n, total, text);
        cJSON_Delete(root);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_shows_controls_escaped),
        cmocka_unit_test(text_buffer_cuts_at_a_whole_escape),
        cmocka_unit_test(markdown_escapes_html_and_table_syntax),
        cmocka_unit_test(html_escapes_markup_and_replaces_what_is_not_text),
        cmocka_unit_test(csv_neutralises_formulas),
        cmocka_unit_test(json_replaces_invalid_utf8_and_says_so),
        cmocka_unit_test(json_with_memory_short_once_is_whole_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
