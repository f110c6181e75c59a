/* How the report knows the metrics of docs/contracts.md (report/metric_info.h):
 * display units and scales, which metrics are costs, and the report order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "report/metric_info.h"

static void known_metrics_have_their_display_unit_and_scale(void **state)
{
    (void)state;
    const report_metric_info *e = report_metric_lookup("energy_kwh");
    assert_non_null(e);
    assert_string_equal(e->display_unit, "Wh");
    assert_true(e->display_scale == 1000); /* 0.002 kWh shows as 2 Wh */
    const report_metric_info *rss = report_metric_lookup("peak_rss_bytes");
    assert_non_null(rss);
    assert_string_equal(rss->display_unit, "MiB");
    assert_float_equal(rss->display_scale * 1048576.0, 1.0, 1e-12);
    const report_metric_info *j = report_metric_lookup("energy_cpu_j");
    assert_non_null(j);
    assert_float_equal(3600.0 * j->display_scale, 1.0, 1e-12); /* 3600 J = 1 Wh */
    assert_null(report_metric_lookup("no_such_metric"));
    assert_null(report_metric_lookup(""));
}

/* The verdict rests on time, memory and energy; accuracy and throughput
 * are better when higher and are not costs. */
static void costs_are_time_memory_and_energy(void **state)
{
    (void)state;
    const char *costs[] = {"wall_s", "cpu_s", "peak_rss_bytes", "energy_kwh"};
    for (size_t i = 0; i < sizeof costs / sizeof *costs; i++) {
        const report_metric_info *m = report_metric_lookup(costs[i]);
        assert_non_null(m);
        assert_true(m->cost);
        assert_false(m->higher_is_better);
    }
    const char *better[] = {"accuracy", "images_per_s"};
    for (size_t i = 0; i < 2; i++) {
        const report_metric_info *m = report_metric_lookup(better[i]);
        assert_non_null(m);
        assert_false(m->cost);
        assert_true(m->higher_is_better);
    }
    assert_false(report_metric_lookup("co2_g")->cost); /* derived from energy: not a second test */
}

static void the_table_is_consistent(void **state)
{
    (void)state;
    int n = 0;
    for (const report_metric_info *m = report_metric_table; m->name; m++, n++) {
        assert_true(m->display_scale > 0);
        assert_non_null(m->label);
        assert_true(m->label[0] != '\0');
        assert_ptr_equal(report_metric_lookup(m->name), m); /* each name once */
        assert_int_equal(report_metric_rank(m->name), n);
        assert_false(m->cost && m->higher_is_better);
    }
    assert_true(n >= 10);
}

static void unknown_metrics_rank_after_every_known_one(void **state)
{
    (void)state;
    int unknown = report_metric_rank("zz_custom");
    assert_true(report_metric_rank("wall_s") < report_metric_rank("energy_kwh"));
    for (const report_metric_info *m = report_metric_table; m->name; m++)
        assert_true(report_metric_rank(m->name) < unknown);
    assert_int_equal(report_metric_rank("aa_custom"), unknown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_metrics_have_their_display_unit_and_scale),
        cmocka_unit_test(costs_are_time_memory_and_energy),
        cmocka_unit_test(the_table_is_consistent),
        cmocka_unit_test(unknown_metrics_rank_after_every_known_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
