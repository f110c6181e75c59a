/* The small cJSON helpers: numbers and strings that may be null (no NaN or
 * infinity printed as a silent null or an invalid number, empty text as
 * null), a stored JSON text embedded as JSON, adding an item so that it is
 * never left behind, and the steps of a document that stop at the first
 * failure. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/cjson_alloc.h"
#include "common/json.h"

static int count_allocations(void **state)
{
    (void)state;
    cjson_alloc_count(0);
    return 0;
}

static int stop_counting(void **state)
{
    (void)state;
    cjson_alloc_stop();
    return 0;
}

static void an_added_item_is_the_objects(void **state)
{
    (void)state;
    cJSON *o = cJSON_CreateObject();
    assert_true(json_add_item(o, "wall_s", json_number_or_null(1.5)));
    assert_true(json_add_item(o, "energy_j", json_number_or_null(NAN)));
    assert_true(cJSON_GetObjectItem(o, "wall_s")->valuedouble == 1.5);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "energy_j")));
    cJSON_Delete(o);
    assert_int_equal(cjson_alloc_live(), 0);
}

static void an_item_that_cannot_be_added_is_deleted(void **state)
{
    (void)state;
    cJSON *o = cJSON_CreateObject();
    cJSON *item = json_string_or_null("made before memory ran out");
    assert_non_null(item);
    cjson_alloc_fail_next(); /* the key's copy fails */
    assert_false(json_add_item(o, "reason", item));
    assert_null(o->child);
    cJSON_Delete(o);
    assert_int_equal(cjson_alloc_live(), 0); /* the item too */
    /* a creation that failed: nothing added, nothing to free */
    cjson_alloc_count(0);
    o = cJSON_CreateObject();
    assert_false(json_add_item(o, "reason", NULL));
    assert_null(o->child);
    cJSON_Delete(o);
    assert_int_equal(cjson_alloc_live(), 0);
}

static void numbers_that_are_not_finite_are_null(void **state)
{
    (void)state;
    cJSON *n = json_number_or_null(2.5);
    assert_true(cJSON_IsNumber(n));
    assert_true(cJSON_GetNumberValue(n) == 2.5);
    cJSON_Delete(n);
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 3; i++) {
        n = json_number_or_null(bad[i]);
        assert_true(cJSON_IsNull(n));
        cJSON_Delete(n);
    }
    n = json_number_or_null(0);
    assert_true(cJSON_IsNumber(n));
    cJSON_Delete(n);
}

static void empty_strings_are_null(void **state)
{
    (void)state;
    cJSON *s = json_string_or_null("rapl");
    assert_true(cJSON_IsString(s));
    assert_string_equal(cJSON_GetStringValue(s), "rapl");
    cJSON_Delete(s);
    s = json_string_or_null("");
    assert_true(cJSON_IsNull(s));
    cJSON_Delete(s);
    s = json_string_or_null(NULL);
    assert_true(cJSON_IsNull(s));
    cJSON_Delete(s);
}

static void stored_json_is_embedded_or_null(void **state)
{
    (void)state;
    cJSON *p = json_parsed_or_null("{\"loss\": 0.25, \"images\": [1, 2]}");
    assert_true(cJSON_IsObject(p));
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "loss")) == 0.25);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "images")), 2);
    cJSON_Delete(p);
    const char *bad[] = {NULL, "", "{\"loss\": ", "not json"};
    for (int i = 0; i < 4; i++) {
        p = json_parsed_or_null(bad[i]);
        assert_non_null(p);
        assert_true(cJSON_IsNull(p));
        cJSON_Delete(p);
    }
}

/* The first failed step clears ok; each later one deletes what it was
 * given and adds nothing, so the builder has one check and one delete. */
static void a_failed_step_stops_the_document(void **state)
{
    (void)state;
    bool ok = true;
    cJSON *root = cJSON_CreateObject();
    cJSON *list = json_put_array(&ok, root, "runs");
    assert_non_null(json_append(&ok, list, cJSON_CreateNumber(1)));
    assert_non_null(json_put_string(&ok, root, "arm", "base"));
    assert_true(ok);
    cjson_alloc_fail_next();
    assert_null(json_put_number(&ok, root, "wall_s", 2.5));
    assert_false(ok);
    cjson_alloc_count(0); /* memory again: the later steps must still do nothing */
    assert_null(json_put(&ok, root, "later", cJSON_CreateString("lost")));
    assert_null(json_append(&ok, list, cJSON_CreateNumber(2)));
    assert_null(json_put_object(&ok, root, "energy"));
    assert_null(json_put_bool(&ok, root, "rapl", true));
    assert_null(json_put_null(&ok, root, "reason"));
    assert_int_equal(cjson_alloc_live(), 0); /* the items given to them: deleted */
    assert_int_equal(cJSON_GetArraySize(list), 1);
    assert_null(cJSON_GetObjectItem(root, "later"));
    cJSON_Delete(root);
}

/* A part that could not be made (its parent NULL) is a failure too. */
static void a_missing_parent_is_a_failure(void **state)
{
    (void)state;
    bool ok = true;
    assert_null(json_put(&ok, NULL, "host", cJSON_CreateObject()));
    assert_false(ok);
    ok = true;
    assert_null(json_append(&ok, NULL, cJSON_CreateNumber(1)));
    assert_false(ok);
    ok = true;
    cJSON *list = cJSON_CreateArray();
    assert_null(json_append(&ok, list, NULL));
    assert_false(ok);
    cJSON_Delete(list);
    assert_int_equal(cjson_alloc_live(), 0);
}

static bool strings_made(void *arg)
{
    char *const *words = arg;
    cJSON *array = json_string_array(words, 3);
    bool made = array != NULL;
    if (made) {
        assert_int_equal(cJSON_GetArraySize(array), 3);
        assert_string_equal(cJSON_GetArrayItem(array, 2)->valuestring, "two words");
    }
    cJSON_Delete(array);
    return made;
}

/* The whole array or NULL, never part of it. */
static void a_string_array_is_whole_or_null(void **state)
{
    (void)state;
    cjson_alloc_stop();
    char *words[] = {"prog", "--x", "two words"};
    cjson_alloc_sweep("json_string_array", strings_made, words);
    cjson_alloc_count(0);
    cJSON *empty = json_string_array(NULL, 0);
    assert_true(cJSON_IsArray(empty) && cJSON_GetArraySize(empty) == 0);
    cJSON_Delete(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_added_item_is_the_objects, count_allocations,
                                        stop_counting),
        cmocka_unit_test_setup_teardown(an_item_that_cannot_be_added_is_deleted,
                                        count_allocations, stop_counting),
        cmocka_unit_test(numbers_that_are_not_finite_are_null),
        cmocka_unit_test(empty_strings_are_null),
        cmocka_unit_test(stored_json_is_embedded_or_null),
        cmocka_unit_test_setup_teardown(a_failed_step_stops_the_document, count_allocations,
                                        stop_counting),
        cmocka_unit_test_setup_teardown(a_missing_parent_is_a_failure, count_allocations,
                                        stop_counting),
        cmocka_unit_test_setup_teardown(a_string_array_is_whole_or_null, count_allocations,
                                        stop_counting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
