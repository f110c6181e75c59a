/* One measured run in each format `hmlcost measure` prints: the figures
 * with their methods in the text, the CSV's columns and row, the JSON's
 * keys and samples; and the units the figures are written in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cjson_alloc.h"
#include "meter/host_json.h"
#include "report/measurement.h"

typedef struct fixture {
    meter_metrics metrics;
    meter_sample samples[2];
    meter_host host;
    report_measurement m;
} fixture;

static char *const command[] = {"python3", "train.py", "--lr", "0.1", NULL};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    meter_metrics_set(&f->metrics, "wall_s", 12.5, "s", "measured");
    meter_metrics_set(&f->metrics, "cpu_s", 20.25, "s", "cgroup-v2");
    meter_metrics_set(&f->metrics, "user_s", 20, "s", "cgroup-v2");
    meter_metrics_set(&f->metrics, "sys_s", 0.25, "s", "cgroup-v2");
    meter_metrics_set(&f->metrics, "peak_rss_bytes", 3 * 1048576.0, "B", "cgroup-v2");
    meter_metrics_set(&f->metrics, "energy_cpu_j", 7200, "J", "rapl");
    meter_metrics_set(&f->metrics, "energy_total_j", 7200, "J", "derived");
    meter_metrics_set(&f->metrics, "energy_kwh", 0.002, "kWh", "derived");
    meter_metrics_set(&f->metrics, "co2_g", 0.95, "g", "derived");
    meter_metrics_set(&f->metrics, "grid_intensity", 475, "g/kWh", "source:world, IEA");
    meter_metrics_set(&f->metrics, "pue", 1, "1", "source:option");
    meter_metrics_set(&f->metrics, "accuracy", 0.5, "1", "workload");
    f->samples[0] = (meter_sample){.t_s = 0.1, .rss_bytes = 1e6, .cpu_s = 0.1, .processes = 1,
                                   .gpu_mem_bytes = -1, .energy_j = NAN};
    f->samples[1] = (meter_sample){.t_s = 0.2, .rss_bytes = 2e6, .cpu_s = 0.2, .processes = 2,
                                   .gpu_mem_bytes = 5e8, .energy_j = 1.5};
    f->host = (meter_host){.hostname = "box", .cpu_model = "CPU, with a comma", .cores = 2,
                           .threads = 4, .mem_bytes = 8e9};
    f->m = (report_measurement){.command = command, .started_at = "2025-01-01T00:00:00.000Z",
                                .status = STORE_RUN_OK, .reason = "", .metrics = &f->metrics,
                                .samples = f->samples, .sample_count = 2, .interval_s = 0.1,
                                .notes = "first; second", .result_json = "{\"accuracy\":0.5}",
                                .host = &f->host};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    meter_metrics_free(&f->metrics);
    free(f);
    return 0;
}

/* fn's output into *text (the caller frees it). */
static void render(void (*fn)(FILE *, const report_measurement *), const fixture *f, char **text)
{
    size_t size = 0;
    FILE *out = open_memstream(text, &size);
    assert_non_null(out);
    fn(out, &f->m);
    fclose(out);
}

static void units_are_written_for_people(void **state)
{
    (void)state;
    char buf[64];
    report_fmt_bytes(512, buf, sizeof buf);
    assert_string_equal(buf, "512 B");
    report_fmt_bytes(1.5 * 1048576, buf, sizeof buf);
    assert_string_equal(buf, "1.5 MiB");
    report_fmt_joules(0.0123, buf, sizeof buf);
    assert_string_equal(buf, "0.0123 J");
    report_fmt_joules(4.6, buf, sizeof buf);
    assert_string_equal(buf, "4.60 J");
    report_fmt_joules(7200, buf, sizeof buf);
    assert_string_equal(buf, "2.00 Wh (7200 J)");
    report_fmt_grams(0.95, buf, sizeof buf);
    assert_string_equal(buf, "0.95 g");
    report_fmt_grams(1200, buf, sizeof buf);
    assert_string_equal(buf, "1.20 kg");
}

static void the_text_gives_each_figure_its_method(void **state)
{
    char *text = NULL;
    render(report_measurement_text, *state, &text);
    assert_non_null(strstr(text, "  wall       12.500 s\n"));
    assert_non_null(strstr(text, "(user 20.000 s, sys 0.250 s), every process of the run, "
                                 "cgroup-v2\n"));
    assert_non_null(strstr(text, "  peak mem   3.0 MiB (cgroup-v2: the run's cgroup)\n"));
    assert_non_null(strstr(text, "    cpu      2.00 Wh (7200 J) rapl\n"));
    assert_non_null(strstr(text, "(world, IEA)\n"));
    assert_non_null(strstr(text, "  accuracy   0.5000 (workload)\n"));
    assert_non_null(strstr(text, "  notes      first\n             second\n"));
    assert_null(strstr(text, "gpu memory"));
    free(text);
}

static void the_status_line_names_the_status_and_its_reason(void **state)
{
    fixture *f = *state;
    char *text = NULL;
    render(report_measurement_status, f, &text);
    assert_string_equal(text, "ok\n");
    free(text);
    f->m.status = STORE_RUN_TIMEOUT;
    f->m.reason = "killed after 2 s";
    render(report_measurement_status, f, &text);
    assert_string_equal(text, "timeout (killed after 2 s)\n");
    free(text);
    f->m.status = STORE_RUN_FAILED;
    f->m.reason = "exit\x1b[31m 3\n";
    render(report_measurement_status, f, &text);
    assert_int_equal(strncmp(text, "failed (exit", 12), 0);
    assert_null(strchr(text, '\x1b')); /* a reason cannot drive the terminal */
    assert_int_equal(strchr(text, '\n') - text, (long)strlen(text) - 1);
    free(text);
}

static void the_csv_has_a_value_and_a_method_column_per_metric(void **state)
{
    char *text = NULL;
    render(report_measurement_csv, *state, &text);
    const char *row = strchr(text, '\n');
    assert_non_null(row);
    assert_int_equal(strncmp(text, "started_at,command,status,reason,wall_s,wall_s_method,", 54),
                     0);
    assert_non_null(strstr(text, ",cpu_model,threads,notes\n"));
    assert_int_equal(strncmp(row + 1,
                             "2025-01-01T00:00:00.000Z,python3 train.py --lr 0.1,ok,,12.5,"
                             "measured,",
                             68),
                     0);
    /* a metric the run lacks: two empty cells; a comma in a field: quoted */
    assert_non_null(strstr(row, ",,,"));
    assert_non_null(strstr(row, ",\"CPU, with a comma\",4,first; second\n"));
    /* 4 + 2 x 19 metrics + 3 columns; the row's two more commas are quoted (the CPU
     * model, the grid intensity's source) */
    size_t header_commas = 0, row_commas = 0;
    for (const char *c = text; c < row; c++)
        header_commas += *c == ',';
    for (const char *c = row + 1; *c; c++)
        row_commas += *c == ',';
    assert_int_equal(header_commas, 44);
    assert_int_equal(row_commas, 46);
    free(text);
}

static void the_json_carries_metrics_host_result_and_samples(void **state)
{
    fixture *f = *state;
    cJSON *json = report_measurement_json(&f->m);
    assert_non_null(json);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "command")), 4);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(json, "reason")));
    cJSON *cpu = cJSON_GetObjectItem(cJSON_GetObjectItem(json, "metrics"), "energy_cpu_j");
    assert_string_equal(cJSON_GetObjectItem(cpu, "method")->valuestring, "rapl");
    assert_float_equal(cJSON_GetObjectItem(json, "result")->child->valuedouble, 0.5, 0);
    cJSON *samples = cJSON_GetObjectItem(json, "samples");
    assert_int_equal(cJSON_GetArraySize(samples), 2);
    cJSON *first = cJSON_GetArrayItem(samples, 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(first, "gpu_mem_bytes")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(first, "energy_j")));
    meter_host back;
    assert_true(meter_host_from_json(cJSON_GetObjectItem(json, "host"), &back));
    assert_string_equal(back.cpu_model, f->host.cpu_model);
    assert_int_equal(back.threads, 4);
    cJSON_Delete(json);
}

static bool measurement_made(void *arg)
{
    cJSON *json = report_measurement_json(arg);
    cJSON_Delete(json);
    return json != NULL;
}

/* Memory out while the JSON is built (cjson_alloc_sweep): NULL, never part
 * of it, nothing left allocated. The workload's line is left out: text that
 * does not parse becomes null, and cJSON cannot tell that from memory out. */
static void the_json_is_whole_or_null(void **state)
{
    fixture *f = *state;
    report_measurement m = f->m;
    m.result_json = NULL;
    cjson_alloc_sweep("report_measurement_json", measurement_made, &m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(units_are_written_for_people),
        cmocka_unit_test_setup_teardown(the_text_gives_each_figure_its_method, setup, teardown),
        cmocka_unit_test_setup_teardown(the_status_line_names_the_status_and_its_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_csv_has_a_value_and_a_method_column_per_metric,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_json_carries_metrics_host_result_and_samples, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_json_is_whole_or_null, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
