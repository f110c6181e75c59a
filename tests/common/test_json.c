/* The small cJSON helpers: numbers and strings that may be null, and adding
 * an item so that it is never left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_added_item_is_the_objects, count_allocations,
                                        stop_counting),
        cmocka_unit_test_setup_teardown(an_item_that_cannot_be_added_is_deleted,
                                        count_allocations, stop_counting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
