/* The columns of our CSV (report/csv_schema.h): CodeCarbon's emissions.csv
 * columns first and in its order, so that its readers read ours; each
 * metric column converts to the metric's unit and names a column that exists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "report/csv_schema.h"

static const char *const codecarbon[] = {
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
    "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
    "ram_energy", "energy_consumed", "country_name", "country_iso_code", "cpu_count",
    "cpu_model", "gpu_count", "gpu_model", "ram_total_size", "pue",
};

static bool is_column(const char *name)
{
    for (size_t i = 0; i < csv_schema_column_count; i++)
        if (strcmp(csv_schema_columns[i], name) == 0)
            return true;
    return false;
}

static void codecarbons_columns_come_first_in_its_order(void **state)
{
    (void)state;
    size_t n = sizeof codecarbon / sizeof *codecarbon;
    assert_true(csv_schema_column_count > n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(csv_schema_columns[i], codecarbon[i]);
}

static void every_column_is_named_once(void **state)
{
    (void)state;
    for (size_t i = 0; i < csv_schema_column_count; i++) {
        assert_true(csv_schema_columns[i][0] != '\0');
        for (size_t j = i + 1; j < csv_schema_column_count; j++)
            if (strcmp(csv_schema_columns[i], csv_schema_columns[j]) == 0)
                fail_msg("column %s twice", csv_schema_columns[i]);
    }
    assert_true(is_column("arm") && is_column("status") && is_column("verdict"));
}

static const csv_metric_column *metric(const char *column)
{
    for (size_t i = 0; i < csv_schema_metric_count; i++)
        if (strcmp(csv_schema_metrics[i].column, column) == 0)
            return &csv_schema_metrics[i];
    return NULL;
}

static void metric_columns_convert_to_the_metrics_unit(void **state)
{
    (void)state;
    for (size_t i = 0; i < csv_schema_metric_count; i++) {
        const csv_metric_column *m = &csv_schema_metrics[i];
        if (!is_column(m->column))
            fail_msg("metric column %s is not a column", m->column);
        if (m->method_column && !is_column(m->method_column))
            fail_msg("method column %s is not a column", m->method_column);
        assert_true(m->to_metric > 0);
        assert_true(m->min <= m->max);
        assert_non_null(m->default_method);
        assert_true(m->contract && m->contract[0]);
        for (size_t j = i + 1; j < csv_schema_metric_count; j++)
            assert_string_not_equal(m->metric, csv_schema_metrics[j].metric);
    }
    /* CodeCarbon writes energy in kWh and emissions in kg. */
    const csv_metric_column *cpu = metric("cpu_energy");
    assert_non_null(cpu);
    assert_string_equal(cpu->metric, "energy_cpu_j");
    assert_string_equal(cpu->unit, "J");
    assert_true(cpu->to_metric == 3.6e6);
    assert_string_equal(cpu->default_method, CSV_CODECARBON_METHOD);
    const csv_metric_column *co2 = metric("emissions");
    assert_non_null(co2);
    assert_string_equal(co2->metric, "co2_g");
    assert_true(co2->to_metric == 1000);
    const csv_metric_column *acc = metric("accuracy");
    assert_non_null(acc);
    assert_true(acc->min == 0 && acc->max == 1); /* a fraction, not a percentage */
    assert_string_equal(acc->contract, CSV_FRACTION);
    const csv_metric_column *loss = metric("final_loss");
    assert_non_null(loss);
    assert_true(isinf(loss->min) && loss->min < 0);
    assert_string_equal(metric("duration")->metric, "wall_s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codecarbons_columns_come_first_in_its_order),
        cmocka_unit_test(every_column_is_named_once),
        cmocka_unit_test(metric_columns_convert_to_the_metrics_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
