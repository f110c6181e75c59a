/* The workload's result line: what is taken from the bytes a workload wrote,
 * and that nothing past those bytes is ever read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "runner/result.h"

/* The bytes in a buffer of exactly their size (no NUL after them), so that
 * AddressSanitizer sees any read past the end. */
static char *exact_copy(const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    return copy;
}

static void short_non_json_line_is_quoted_without_bytes_after_it(void **state)
{
    (void)state;
    /* only the first 4 bytes were written; the rest is whatever followed */
    const char buffer[] = "oopsGARBAGE-NOT-WRITTEN";
    meter_metrics metrics = {0};
    char *json = NULL, note[200];
    assert_int_equal(result_line_take(buffer, 4, &json, &metrics, note, sizeof note), 0);
    assert_null(json);
    assert_string_equal(note, "result line ignored: not a JSON object (oops)");
    meter_metrics_free(&metrics);
}

static void unterminated_buffer_is_never_read_past_its_end(void **state)
{
    (void)state;
    /* a workload's whole output: 4 MiB - 3 newlines then "[1]", no newline */
    size_t len = (size_t)4 << 20;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, '\n', len - 3);
    memcpy(text + len - 3, "[1]", 3);
    meter_metrics metrics = {0};
    char *json = NULL, note[200];
    assert_int_equal(result_line_take(text, len, &json, &metrics, note, sizeof note), 0);
    assert_null(json);
    assert_string_equal(note, "result line ignored: not a JSON object ([1])");
    free(text);

    char *exact = exact_copy("not json at all, and longer than forty characters", 49);
    assert_int_equal(result_line_take(exact, 49, &json, &metrics, note, sizeof note), 0);
    assert_string_equal(note,
                        "result line ignored: not a JSON object (not json at all, and longer "
                        "than forty c...)");
    free(exact);
    meter_metrics_free(&metrics);
}

static void json_object_is_copied_and_its_metrics_taken(void **state)
{
    (void)state;
    const char line[] = "\n{\"accuracy\": 0.7, \"loss\": [2, 1.5]}\r\nignored";
    char *text = exact_copy(line, sizeof line - 1);
    meter_metrics metrics = {0};
    char *json = NULL, note[200];
    assert_int_equal(result_line_take(text, sizeof line - 1, &json, &metrics, note, sizeof note),
                     0);
    assert_string_equal(json, "{\"accuracy\": 0.7, \"loss\": [2, 1.5]}");
    assert_string_equal(note, "");
    assert_float_equal(meter_metrics_find(&metrics, "accuracy")->value, 0.7, 1e-12);
    assert_float_equal(meter_metrics_find(&metrics, "final_loss")->value, 1.5, 1e-12);
    free(json);
    free(text);
    meter_metrics_free(&metrics);
}

/* A figure outside its contract (a percentage for accuracy, a negative
 * throughput) is not taken, and the note says so. */
static void figures_outside_their_contract_are_not_taken(void **state)
{
    (void)state;
    const char line[] = "{\"accuracy\": 93.5, \"images_per_s\": -4, \"loss\": [-0.5]}";
    meter_metrics metrics = {0};
    char *json = NULL, note[200];
    assert_int_equal(result_line_take(line, sizeof line - 1, &json, &metrics, note, sizeof note),
                     0);
    assert_non_null(json);
    assert_null(meter_metrics_find(&metrics, "accuracy"));
    assert_null(meter_metrics_find(&metrics, "images_per_s"));
    assert_float_equal(meter_metrics_find(&metrics, "final_loss")->value, -0.5, 1e-12);
    assert_string_equal(note, "result line: accuracy 93.5 ignored (not a fraction from 0 to 1); "
                              "result line: images_per_s -4 ignored (not 0 or more)");
    free(json);
    meter_metrics_free(&metrics);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_non_json_line_is_quoted_without_bytes_after_it),
        cmocka_unit_test(unterminated_buffer_is_never_read_past_its_end),
        cmocka_unit_test(json_object_is_copied_and_its_metrics_taken),
        cmocka_unit_test(figures_outside_their_contract_are_not_taken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
