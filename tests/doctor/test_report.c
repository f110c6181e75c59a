/* The doctor's findings and the text they are composed in (doctor/report.h,
 * doctor/text.h): levels by name, findings copied, found by id and counted
 * by level, the JSON shape, a composition that ran out of memory refused
 * instead of cut, and human sizes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/report.h"
#include "doctor/text.h"

static void levels_have_names(void **state)
{
    (void)state;
    doctor_level l = DOCTOR_INFO;
    assert_true(doctor_level_parse("error", &l));
    assert_int_equal(l, DOCTOR_ERROR);
    assert_true(doctor_level_parse("warning", &l));
    assert_int_equal(l, DOCTOR_WARNING);
    assert_true(doctor_level_parse("info", &l));
    assert_int_equal(l, DOCTOR_INFO);
    l = DOCTOR_WARNING;
    assert_false(doctor_level_parse("loud", &l));
    assert_false(doctor_level_parse("Error", &l));
    assert_false(doctor_level_parse(NULL, &l));
    assert_int_equal(l, DOCTOR_WARNING);
    for (int i = DOCTOR_INFO; i <= DOCTOR_ERROR; i++) {
        assert_true(doctor_level_parse(doctor_level_name((doctor_level)i), &l));
        assert_int_equal(l, i);
    }
    assert_string_equal(doctor_level_name((doctor_level)7), "?");
}

static void findings_are_copied_found_and_counted(void **state)
{
    (void)state;
    doctor_report r = {0};
    hml_err err;
    char id[32] = "libpath.nonexistent";
    assert_int_equal(doctor_report_add(&r, DOCTOR_WARNING, id, "a path does not exist",
                                       "/nowhere", "remove it", &err),
                     HML_OK);
    id[0] = 'X'; /* the report holds its own copy */
    assert_int_equal(doctor_report_add(&r, DOCTOR_ERROR, "threads.oversubscribed", "too many",
                                       NULL, NULL, &err),
                     HML_OK);
    assert_int_equal(doctor_report_add(&r, DOCTOR_INFO, "batch.ok", "fine", "", "", &err),
                     HML_OK);
    const doctor_finding *f = doctor_report_find(&r, "libpath.nonexistent");
    assert_non_null(f);
    assert_int_equal(f->level, DOCTOR_WARNING);
    assert_string_equal(f->evidence, "/nowhere");
    assert_string_equal(doctor_report_find(&r, "threads.oversubscribed")->fix, "");
    assert_null(doctor_report_find(&r, "Xibpath.nonexistent"));
    assert_int_equal(doctor_report_count_at_least(&r, DOCTOR_INFO), 3);
    assert_int_equal(doctor_report_count_at_least(&r, DOCTOR_WARNING), 2);
    assert_int_equal(doctor_report_count_at_least(&r, DOCTOR_ERROR), 1);

    cJSON *j = doctor_report_json(&r);
    assert_non_null(j);
    const cJSON *list = cJSON_GetObjectItem(j, "findings");
    assert_int_equal(cJSON_GetArraySize(list), 3);
    const cJSON *first = cJSON_GetArrayItem(list, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(first, "level")), "warning");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(first, "id")),
                        "libpath.nonexistent");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(first, "fix")), "remove it");
    const cJSON *counts = cJSON_GetObjectItem(j, "counts");
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(counts, "error")) == 1);
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(counts, "warning")) == 1);
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(counts, "info")) == 1);
    cJSON_Delete(j);
    doctor_report_free(&r);
    assert_int_equal(r.count, 0);
}

static void text_grows_and_a_failed_one_is_refused(void **state)
{
    (void)state;
    dtext t = {0};
    assert_string_equal(text_str(&t), "");
    for (int i = 0; i < 100; i++) /* past the first allocation */
        text_printf(&t, "%d,", i);
    assert_false(text_failed(&t));
    assert_int_equal(strlen(text_str(&t)), 290);
    assert_true(strncmp(text_str(&t), "0,1,2,", 6) == 0);
    assert_non_null(strstr(text_str(&t), ",99,"));
    text_reset(&t);
    assert_string_equal(text_str(&t), "");
    text_printf(&t, "%s", "again");
    assert_string_equal(text_str(&t), "again");

    /* Out of memory while composing: the finding is refused, not cut. */
    dtext broken = {0};
    broken.failed = true;
    text_printf(&broken, "lost");
    assert_string_equal(text_str(&broken), "");
    doctor_report r = {0};
    hml_err err;
    assert_int_equal(doctor_report_add_text(&r, DOCTOR_WARNING, "x.y", "s", &t, &broken, &err),
                     HML_ESYSTEM);
    assert_int_equal(r.count, 0);
    assert_int_equal(doctor_report_add_text(&r, DOCTOR_WARNING, "x.y", "s", &t, &t, &err),
                     HML_OK);
    assert_string_equal(r.finding[0].evidence, "again");
    doctor_report_free(&r);
    text_free(&t);
    text_free(&broken);
    assert_false(text_failed(&broken));
}

static void sizes_read_in_binary_units(void **state)
{
    (void)state;
    const struct {
        double bytes;
        const char *text;
    } cases[] = {{512, "512 B"},
                 {1023, "1023 B"},
                 {1024, "1.00 KiB"},
                 {300.0 * 1024 * 1024, "300 MiB"},
                 {1.42 * 1024 * 1024 * 1024, "1.42 GiB"},
                 {24.0 * 1024 * 1024 * 1024, "24.0 GiB"},
                 {5.0 * 1024 * 1024 * 1024 * 1024 * 1024, "5120 TiB"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        dtext t = {0};
        text_bytes(&t, cases[i].bytes);
        assert_string_equal(text_str(&t), cases[i].text);
        text_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(levels_have_names),
        cmocka_unit_test(findings_are_copied_found_and_counted),
        cmocka_unit_test(text_grows_and_a_failed_one_is_refused),
        cmocka_unit_test(sizes_read_in_binary_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
