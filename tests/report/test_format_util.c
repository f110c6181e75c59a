/* How every report format writes a figure (report/format_util.h): p-values,
 * numbers, changes, stabilities, headings, the cells of a comparison row,
 * the node table, and what an arm named after a smell measures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/analysis.h"
#include "report/dataset.h"
#include "report/format_util.h"
#include "smells/catalogue.h"

typedef void (*fmt_fn)(double, char *, size_t);

static void expect(fmt_fn f, double v, const char *text)
{
    char buf[64];
    f(v, buf, sizeof buf);
    if (strcmp(buf, text) != 0)
        fail_msg("%g: '%s', expected '%s'", v, buf, text);
}

static void p_values_keep_the_digits_that_matter(void **state)
{
    (void)state;
    expect(report_fmt_p, 0.00002, "< 0.0001");
    expect(report_fmt_p, 0.0002, "0.0002");
    expect(report_fmt_p, 0.041, "0.041");
    expect(report_fmt_p, 0.5, "0.500");
    expect(report_fmt_p, 0.999, "1.00");
    expect(report_fmt_p, NAN, "-");
}

static void figures_have_three_or_four_significant_digits(void **state)
{
    (void)state;
    expect(report_fmt_num, 1234.4, "1234");
    expect(report_fmt_num, 123.44, "123.4");
    expect(report_fmt_num, 12.344, "12.34");
    expect(report_fmt_num, 1.2344, "1.234");
    expect(report_fmt_num, 0.012344, "0.0123");
    expect(report_fmt_num, -12.344, "-12.34");
    expect(report_fmt_num, 0, "0");
    expect(report_fmt_num, 2.5e8, "2.5e+08");
    expect(report_fmt_num, 3e-6, "3e-06");
    expect(report_fmt_num, NAN, "-");
}

static void ratios_read_as_signed_percentages(void **state)
{
    (void)state;
    expect(report_fmt_ratio_pct, 1.23, "+23 %");
    expect(report_fmt_ratio_pct, 0.959, "-4.1 %");
    expect(report_fmt_ratio_pct, 1.003, "+0.30 %");
    expect(report_fmt_ratio_pct, NAN, "-");
}

static void stability_says_when_to_run_more(void **state)
{
    (void)state;
    char buf[64];
    report_smell_result s = {.stability = 0.996, .unstable = false};
    report_fmt_stability(&s, buf, sizeof buf);
    assert_string_equal(buf, "99 % of resamples"); /* floored: never rounds up to 100 */
    s = (report_smell_result){.stability = 0.62, .unstable = true};
    report_fmt_stability(&s, buf, sizeof buf);
    assert_string_equal(buf, "62 % of resamples, unstable: run more");
    s = (report_smell_result){.stability = NAN};
    report_fmt_stability(&s, buf, sizeof buf);
    assert_string_equal(buf, "");
}

static void changes_are_ratios_differences_or_points(void **state)
{
    (void)state;
    report_metric_col cols[2] = {
        {.name = "peak_rss_bytes", .label = "peak RSS", .display_unit = "MiB",
         .display_scale = 1.0 / 1048576},
        {.name = "accuracy", .label = "accuracy", .display_unit = "%", .display_scale = 100},
    };
    report_analysis a = {.metrics = cols, .n_metrics = 2};
    char buf[96];
    report_comparison c = {.metric = 0, .tested = true,
                           .boot = {.ratio = 1.23, .ratio_lo = 1.18, .ratio_hi = 1.29}};
    report_fmt_change(&a, &c, buf, sizeof buf);
    assert_string_equal(buf, "+23 % [18 %, 29 %]");
    c.boot = (stats_bootstrap){.ratio = 0.97, .ratio_lo = 0.95, .ratio_hi = 1.02};
    report_fmt_change(&a, &c, buf, sizeof buf);
    assert_string_equal(buf, "-3.0 % [-5.0 %, 2.0 %]");
    /* The baseline's mean is 0: the difference in display units. */
    c.boot = (stats_bootstrap){.diff = 12 * 1048576.0, .diff_lo = 9.1 * 1048576.0,
                               .diff_hi = 15.2 * 1048576.0, .ratio = NAN, .ratio_lo = NAN,
                               .ratio_hi = NAN};
    report_fmt_change(&a, &c, buf, sizeof buf);
    assert_string_equal(buf, "+12.00 MiB [9.100, 15.20]");
    /* A share: percentage points. */
    report_comparison acc = {.metric = 1, .tested = true,
                             .boot = {.diff = -0.001, .diff_lo = -0.0032, .diff_hi = 0.0012,
                                      .ratio = 0.99, .ratio_lo = 0.98, .ratio_hi = 1.0}};
    report_fmt_change(&a, &acc, buf, sizeof buf);
    assert_string_equal(buf, "-0.10 pp [-0.32, 0.12]");
    acc.tested = false;
    report_fmt_change(&a, &acc, buf, sizeof buf);
    assert_string_equal(buf, "-");

    report_metric_heading(&cols[0], buf, sizeof buf);
    assert_string_equal(buf, "peak RSS (MiB)");
    report_metric_col loss = {.name = "final_loss", .label = "final loss", .display_unit = ""};
    report_metric_heading(&loss, buf, sizeof buf);
    assert_string_equal(buf, "final loss");
}

/* A baseline and a model-reuse arm 30 % slower, six runs each, on two nodes. */
static void build(report_dataset *d, const char *smell_arm)
{
    memset(d, 0, sizeof *d);
    hml_err err;
    for (int a = 0; a < 2; a++) {
        report_arm *arm = report_dataset_add_arm(d, a ? smell_arm : "baseline");
        assert_non_null(arm);
        arm->is_baseline = a == 0;
        for (int i = 0; i < 6; i++) {
            report_run *r = report_arm_add_run(arm);
            snprintf(r->status, sizeof r->status, "ok");
            snprintf(r->host.hostname, sizeof r->host.hostname, "%s", i < 3 ? "n1" : "n2");
            snprintf(r->host.cpu_model, sizeof r->host.cpu_model, "Made-up CPU");
            double wall = (a ? 1.3 : 1.0) * (1 + 0.01 * (i % 3));
            assert_int_equal(report_run_set_metric(r, "wall_s", wall, "s", "measured", &err),
                             HML_OK);
        }
    }
    assert_int_equal(report_dataset_pair(d, &err), HML_OK);
}

/* The analysis every format starts from (few resamples: the verdict's
 * stability is not what these tests look at). */
static void analyze(const report_dataset *d, report_analysis *a)
{
    report_options o;
    report_options_default(&o);
    o.stability_resamples = 50;
    hml_err err;
    assert_int_equal(report_analyze(d, &o, a, &err), HML_OK);
}

static size_t metric_index(const report_analysis *a, const char *name)
{
    for (size_t m = 0; m < a->n_metrics; m++)
        if (strcmp(a->metrics[m].name, name) == 0)
            return m;
    fail_msg("no metric %s", name);
    return 0;
}

static void a_comparison_row_has_every_cell(void **state)
{
    (void)state;
    report_dataset d;
    build(&d, "model-reuse");
    report_analysis a;
    analyze(&d, &a);
    assert_int_equal(a.n_smells, 1);
    size_t m = metric_index(&a, "wall_s");
    report_comparison_cells cells;
    report_comparison_cells_fill(&a, &a.smells[0], m, &cells);
    assert_string_equal(cells.metric, "wall time (s)");
    assert_string_equal(cells.baseline, "1.010 ± 0.0089");
    assert_string_equal(cells.arm, "1.313 ± 0.012");
    assert_true(strncmp(cells.change, "+30 % [", 7) == 0);
    assert_true(cells.p_holm[0] != '\0'); /* wall time is a cost: in the family */
    assert_true(cells.p_mwu[0] != '\0' && cells.p_welch[0] != '\0');
    assert_string_equal(cells.delta, "+1.00 large");

    /* The arm is named after a smell's arm: the catalogue says what it measures. */
    const smell_variant *v = smell_variant_find("model-reuse");
    assert_non_null(v);
    assert_ptr_equal(report_arm_measures(&a, &a.smells[0]), v->measures);
    assert_true(report_has_arm_measures(&a));

    char rule[2048];
    report_fmt_rule(&a, rule, sizeof rule);
    assert_non_null(strstr(rule, "alpha 0.05"));
    assert_non_null(strstr(rule, "(default)"));
    report_analysis_free(&a);
    report_dataset_free(&d);
}

static void an_arm_of_another_name_measures_nothing_known(void **state)
{
    (void)state;
    report_dataset d;
    build(&d, "my-variant");
    report_analysis a;
    analyze(&d, &a);
    assert_null(report_arm_measures(&a, &a.smells[0]));
    assert_false(report_has_arm_measures(&a));
    report_analysis_free(&a);
    report_dataset_free(&d);
}

static void the_node_table_has_a_row_per_node(void **state)
{
    (void)state;
    report_dataset d;
    build(&d, "model-reuse");
    snprintf(d.arms[1].runs[5].host.hostname, sizeof d.arms[1].runs[5].host.hostname, "n|3");
    report_analysis a;
    analyze(&d, &a);
    text_table t;
    report_node_table(&a, false, &t);
    assert_int_equal(t.rows, 4); /* header, n1, n2, n|3 */
    assert_string_equal(t.cells[1 * 5 + 0], "n1");
    assert_string_equal(t.cells[1 * 5 + 2], "none");
    assert_string_equal(t.cells[1 * 5 + 3], "6 (6 ok)");
    assert_string_equal(t.cells[1 * 5 + 4], "baseline 3, model-reuse 3");
    assert_string_equal(t.cells[2 * 5 + 4], "baseline 3, model-reuse 2");
    assert_string_equal(t.cells[3 * 5 + 0], "n|3");
    text_table_free(&t);
    report_node_table(&a, true, &t);
    assert_string_equal(t.cells[3 * 5 + 0], "n\\|3"); /* escaped for Markdown */
    text_table_free(&t);
    report_analysis_free(&a);
    report_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(p_values_keep_the_digits_that_matter),
        cmocka_unit_test(figures_have_three_or_four_significant_digits),
        cmocka_unit_test(ratios_read_as_signed_percentages),
        cmocka_unit_test(stability_says_when_to_run_more),
        cmocka_unit_test(changes_are_ratios_differences_or_points),
        cmocka_unit_test(a_comparison_row_has_every_cell),
        cmocka_unit_test(an_arm_of_another_name_measures_nothing_known),
        cmocka_unit_test(the_node_table_has_a_row_per_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
