/* The report's dataset (report/dataset.h): building it, pairing each smell
 * arm with its baseline by the documented rules, the power of a cumulative
 * series, the energy method of a run, and keeping one node's runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/dataset.h"

static report_arm *add_arm(report_dataset *d, const char *name, bool baseline, const char *names)
{
    report_arm *a = report_dataset_add_arm(d, name);
    assert_non_null(a);
    a->is_baseline = baseline;
    if (names)
        snprintf(a->baseline, sizeof a->baseline, "%s", names);
    return a;
}

static void new_entries_start_empty_and_metrics_replace(void **state)
{
    (void)state;
    report_dataset d = {0};
    report_arm *a = add_arm(&d, "baseline", true, NULL);
    report_run *r = report_arm_add_run(a);
    assert_non_null(r);
    assert_int_equal(r->order, -1);
    assert_true(isnan(r->host.pue));
    assert_int_equal(r->n_metrics, 0);
    hml_err err;
    assert_int_equal(report_run_set_metric(r, "wall_s", 1.5, "s", "measured", &err), HML_OK);
    assert_int_equal(report_run_set_metric(r, "wall_s", 2.5, "s", "derived", &err), HML_OK);
    assert_int_equal(r->n_metrics, 1);
    assert_true(report_run_metric(r, "wall_s")->value == 2.5);
    assert_string_equal(report_run_metric(r, "wall_s")->method, "derived");
    assert_null(report_run_metric(r, "cpu_s"));

    const double t[] = {1, 2}, v[] = {10, 20};
    assert_int_equal(report_run_add_series(r, "rss_bytes", "B", t, v, 2, &err), HML_OK);
    const report_series *s = report_run_series(r, "rss_bytes");
    assert_non_null(s);
    assert_ptr_not_equal(s->v, v); /* copied */
    assert_true(s->v[1] == 20 && s->t_s[0] == 1);
    assert_null(report_run_series(r, "energy_j"));
    assert_ptr_equal(report_dataset_find_arm(&d, "baseline"), &d.arms[0]);
    assert_null(report_dataset_find_arm(&d, "other"));
    report_dataset_free(&d);
    assert_int_equal(d.n_arms, 0);
}

/* Joules over time -> watts; a pair without a forward step is skipped. */
static void a_cumulative_series_has_a_rate(void **state)
{
    (void)state;
    const double t[] = {0, 1, 1, 3, 2.5};
    const double v[] = {0, 10, 50, 30, 99};
    report_series s = {.n = 5, .t_s = (double *)t, .v = (double *)v};
    double *rt = NULL, *rv = NULL;
    size_t n = 99;
    hml_err err;
    assert_int_equal(report_series_rate(&s, &rt, &rv, &n, &err), HML_OK);
    assert_int_equal(n, 2);
    assert_true(rt[0] == 1 && rv[0] == 10);
    assert_true(rt[1] == 3);
    assert_float_equal(rv[1], (30.0 - 50.0) / 2.0, 1e-12);
    free(rt);
    free(rv);
}

static void the_energy_method_names_each_component_once(void **state)
{
    (void)state;
    report_dataset d = {0};
    report_run *r = report_arm_add_run(add_arm(&d, "baseline", true, NULL));
    hml_err err;
    char buf[128];
    report_run_energy_method(r, buf, sizeof buf);
    assert_string_equal(buf, "");
    report_run_set_metric(r, "energy_kwh", 1e-6, "kWh", "derived", &err);
    report_run_energy_method(r, buf, sizeof buf);
    assert_string_equal(buf, "derived"); /* no components: the total's */
    report_run_set_metric(r, "energy_cpu_j", 3, "J", "rapl", &err);
    report_run_set_metric(r, "energy_dram_j", 1, "J", "rapl", &err);
    report_run_set_metric(r, "energy_gpu_j", 5, "J", "nvml", &err);
    report_run_energy_method(r, buf, sizeof buf);
    assert_string_equal(buf, "rapl+nvml");
    report_run_set_metric(r, "energy_cpu_j", 3, "J", "estimate:rapl", &err);
    report_run_energy_method(r, buf, sizeof buf);
    assert_string_equal(buf, "estimate:rapl+rapl+nvml"); /* a method inside another is not it */
    report_dataset_free(&d);
}

static void pairing_follows_the_documented_order(void **state)
{
    (void)state;
    report_dataset d = {0};
    add_arm(&d, "baseline", true, NULL);           /* 0 */
    add_arm(&d, "a", false, NULL);                 /* 1: nearest baseline before: 0 */
    add_arm(&d, "baseline-b", true, NULL);         /* 2 */
    add_arm(&d, "c", false, NULL);                 /* 3: nearest before: 2 */
    add_arm(&d, "b", false, NULL);                 /* 4: its own baseline-b: 2 */
    add_arm(&d, "reference", false, NULL);         /* 5: named by e, so a baseline */
    add_arm(&d, "e", false, "reference");          /* 6: 5 */
    add_arm(&d, "f", false, NULL);                 /* 7: nearest before: 5 */
    hml_err err;
    assert_int_equal(report_dataset_pair(&d, &err), HML_OK);
    assert_int_equal(d.arms[0].baseline_index, -1);
    assert_int_equal(d.arms[1].baseline_index, 0);
    assert_string_equal(d.arms[1].baseline, "baseline");
    assert_int_equal(d.arms[3].baseline_index, 2);
    assert_int_equal(d.arms[4].baseline_index, 2);
    assert_true(d.arms[5].is_baseline);
    assert_int_equal(d.arms[5].baseline_index, -1);
    assert_int_equal(d.arms[6].baseline_index, 5);
    assert_int_equal(d.arms[7].baseline_index, 5);
    report_dataset_free(&d);
}

static void expect_pair_error(report_dataset *d, const char *needle)
{
    hml_err err;
    assert_int_equal(report_dataset_pair(d, &err), HML_EUSAGE);
    if (!strstr(err.msg, needle))
        fail_msg("'%s' does not say '%s'", err.msg, needle);
    report_dataset_free(d);
}

static void pairing_refuses_what_cannot_be_compared(void **state)
{
    (void)state;
    report_dataset d = {0};
    expect_pair_error(&d, "no arms");
    add_arm(&d, "x", false, NULL);
    add_arm(&d, "y", false, NULL);
    expect_pair_error(&d, "no baseline arm among the 2 arms");
    add_arm(&d, "baseline", true, NULL);
    expect_pair_error(&d, "only baseline arms");
    add_arm(&d, "baseline", true, NULL);
    add_arm(&d, "x", false, "ghost");
    expect_pair_error(&d, "arm 'x': its baseline 'ghost' is not in the data");
    add_arm(&d, "baseline", true, NULL);
    add_arm(&d, "x", false, "x");
    expect_pair_error(&d, "names itself");
}

static void two_nodes(report_dataset *d)
{
    memset(d, 0, sizeof *d);
    const char *nodes[] = {"n1", "n2", "n1"};
    for (int a = 0; a < 2; a++) {
        report_arm *arm = add_arm(d, a ? "smell" : "baseline", a == 0, NULL);
        for (int i = 0; i < 3; i++) {
            report_run *r = report_arm_add_run(arm);
            snprintf(r->host.hostname, sizeof r->host.hostname, "%s", nodes[i]);
            snprintf(r->id, sizeof r->id, "%d", 10 * a + i);
            hml_err err;
            assert_int_equal(report_run_set_metric(r, "wall_s", i, "s", "measured", &err),
                             HML_OK);
        }
    }
}

static void keeping_a_node_drops_the_others_runs(void **state)
{
    (void)state;
    report_dataset d;
    two_nodes(&d);
    hml_err err;
    assert_int_equal(report_dataset_keep_node(&d, "n3", &err), HML_EUSAGE);
    assert_string_equal(err.msg, "--node n3: no runs on that node (nodes: n1, n2)");
    report_dataset_free(&d);

    two_nodes(&d);
    assert_int_equal(report_dataset_keep_node(&d, "n1", &err), HML_OK);
    for (int a = 0; a < 2; a++) {
        assert_int_equal(d.arms[a].n_runs, 2);
        assert_string_equal(d.arms[a].runs[1].host.hostname, "n1");
        assert_true(report_run_metric(&d.arms[a].runs[1], "wall_s")->value == 2);
    }
    assert_string_equal(d.arms[1].runs[0].id, "10");
    report_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_entries_start_empty_and_metrics_replace),
        cmocka_unit_test(a_cumulative_series_has_a_rate),
        cmocka_unit_test(the_energy_method_names_each_component_once),
        cmocka_unit_test(pairing_follows_the_documented_order),
        cmocka_unit_test(pairing_refuses_what_cannot_be_compared),
        cmocka_unit_test(keeping_a_node_drops_the_others_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
