/* A run's host facts as JSON (meter/host_json.h): every fact written, read
 * back as written, and what is missing or not an object read as unknown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "meter/host_json.h"

static void host_facts_round_trip(void **state)
{
    (void)state;
    meter_host h = {.hostname = "node-7", .cpu_model = "Made-up CPU", .cores = 8, .threads = 16,
                    .mem_bytes = 1e10, .gpu_model = "NVIDIA H200", .kernel = "6.1.0",
                    .hmlcost_version = "0.1.0"};
    cJSON *j = meter_host_json(&h);
    assert_non_null(j);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "hostname")), "node-7");
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "threads")) == 16);
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "mem_bytes")) == 1e10);
    meter_host back;
    memset(&back, 0x5a, sizeof back);
    assert_true(meter_host_from_json(j, &back));
    assert_string_equal(back.hostname, h.hostname);
    assert_string_equal(back.cpu_model, h.cpu_model);
    assert_int_equal(back.cores, 8);
    assert_int_equal(back.threads, 16);
    assert_true(back.mem_bytes == 1e10);
    assert_string_equal(back.gpu_model, h.gpu_model);
    assert_string_equal(back.kernel, h.kernel);
    assert_string_equal(back.hmlcost_version, h.hmlcost_version);
    cJSON_Delete(j);
}

static void missing_facts_read_as_unknown(void **state)
{
    (void)state;
    cJSON *o = cJSON_Parse("{\"hostname\": \"n1\", \"threads\": \"many\", \"cores\": 4}");
    assert_non_null(o);
    meter_host h;
    memset(&h, 0x5a, sizeof h);
    assert_true(meter_host_from_json(o, &h));
    assert_string_equal(h.hostname, "n1");
    assert_int_equal(h.cores, 4);
    assert_int_equal(h.threads, 0);
    assert_string_equal(h.cpu_model, "");
    assert_true(h.mem_bytes == 0);
    cJSON_Delete(o);
    cJSON *array = cJSON_Parse("[1, 2]");
    assert_false(meter_host_from_json(array, &h));
    assert_false(meter_host_from_json(NULL, &h));
    cJSON_Delete(array);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(host_facts_round_trip),
        cmocka_unit_test(missing_facts_read_as_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
