/* The one UTF-8 rule: every boundary of the valid ranges, and each way a
 * sequence can be invalid, whether the text ends at a NUL or a length. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "common/utf8.h"

typedef struct sample {
    const char *bytes;
    size_t len;
    uint32_t cp; /* when valid */
} sample;

static void valid_sequences_decode_to_their_code_points(void **state)
{
    (void)state;
    static const sample valid[] = {
        {"A", 1, 0x41},           {"\x7F", 1, 0x7F},
        {"\xC2\x80", 2, 0x80},    {"\xDF\xBF", 2, 0x7FF},
        {"\xE0\xA0\x80", 3, 0x800}, {"\xE2\x82\xAC", 3, 0x20AC}, /* euro sign */
        {"\xED\x9F\xBF", 3, 0xD7FF}, {"\xEE\x80\x80", 3, 0xE000}, /* around the surrogates */
        {"\xEF\xBF\xBF", 3, 0xFFFF}, {"\xF0\x90\x80\x80", 4, 0x10000},
        {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        uint32_t cp = 0;
        const unsigned char *p = (const unsigned char *)valid[i].bytes;
        assert_int_equal(utf8_sequence(p, valid[i].len, &cp), valid[i].len);
        assert_int_equal(cp, valid[i].cp);
        /* only the sequence is read: what follows does not matter */
        char longer[8];
        memcpy(longer, valid[i].bytes, valid[i].len);
        memcpy(longer + valid[i].len, "\x80\x80", 3);
        assert_int_equal(utf8_sequence((const unsigned char *)longer, sizeof longer, &cp),
                         valid[i].len);
    }
}

static void invalid_sequences_are_refused(void **state)
{
    (void)state;
    static const sample invalid[] = {
        {"\x80", 1, 0},             /* a stray continuation byte */
        {"\xBF\x80", 2, 0},
        {"\xC0\x80", 2, 0},         /* overlong NUL */
        {"\xC1\xBF", 2, 0},         /* overlong U+7F */
        {"\xE0\x9F\xBF", 3, 0},     /* overlong U+7FF */
        {"\xF0\x8F\xBF\xBF", 4, 0}, /* overlong U+FFFF */
        {"\xED\xA0\x80", 3, 0},     /* surrogate U+D800 */
        {"\xED\xBF\xBF", 3, 0},     /* surrogate U+DFFF */
        {"\xF4\x90\x80\x80", 4, 0}, /* U+110000 */
        {"\xF5\x80\x80\x80", 4, 0}, {"\xF8\x88\x80\x80\x80", 5, 0}, {"\xFF", 1, 0},
        {"\xC3\x28", 2, 0},         /* a continuation byte missing */
        {"\xE2\x82\x28", 3, 0},
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        uint32_t cp = 0;
        assert_int_equal(utf8_sequence((const unsigned char *)invalid[i].bytes, invalid[i].len,
                                       &cp),
                         0);
    }
}

static void a_sequence_cut_short_is_refused(void **state)
{
    (void)state;
    uint32_t cp = 0;
    const unsigned char *euro = (const unsigned char *)"\xE2\x82\xAC";
    /* by the length: the bytes after it are not read */
    assert_int_equal(utf8_sequence(euro, 2, &cp), 0);
    assert_int_equal(utf8_sequence(euro, 1, &cp), 0);
    assert_int_equal(utf8_sequence(euro, 0, &cp), 0);
    assert_int_equal(utf8_sequence(euro, 3, &cp), 3);
    /* by a NUL */
    assert_int_equal(utf8_sequence((const unsigned char *)"\xE2\x82", 3, &cp), 0);
    assert_int_equal(utf8_sequence((const unsigned char *)"\xF0\x90\x80", 4, &cp), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_sequences_decode_to_their_code_points),
        cmocka_unit_test(invalid_sequences_are_refused),
        cmocka_unit_test(a_sequence_cut_short_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
