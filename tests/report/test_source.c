/* A report's source: a CSV or a store, all of it or one node's runs, and
 * the statistical settings read from option text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/options_parse.h"
#include "report/source.h"

typedef struct fixture {
    char dir[64];
    char csv[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hmlcost-source-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->csv, sizeof f->csv, "%s/runs.csv", f->dir);
    FILE *fp = fopen(f->csv, "w");
    if (!fp)
        return -1;
    fputs("arm,hostname,duration\n"
          "base,node-a,1.0\nslow,node-a,1.3\nbase,node-b,2.0\nslow,node-b,2.3\n"
          "base,node-a,1.1\nslow,node-a,1.4\n",
          fp);
    fclose(fp);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unlink(f->csv);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void a_csv_is_read_whole(void **state)
{
    fixture *f = *state;
    report_source src = {.input = f->csv, .csv = {.baseline = "base"}};
    report_dataset d;
    hml_err err;
    assert_int_equal(report_load_source(&src, &d, &err), HML_OK);
    assert_int_equal(d.n_arms, 2);
    assert_int_equal(d.arms[0].n_runs, 3);
    assert_int_equal(d.arms[1].n_runs, 3);
    report_dataset_free(&d);
}

static void a_node_is_read_alone(void **state)
{
    fixture *f = *state;
    report_source src = {.input = f->csv, .csv = {.baseline = "base"}, .node = "node-b"};
    report_dataset d;
    hml_err err;
    assert_int_equal(report_load_source(&src, &d, &err), HML_OK);
    assert_int_equal(d.arms[0].n_runs, 1);
    assert_int_equal(d.arms[1].n_runs, 1);
    assert_string_equal(d.arms[1].runs[0].host.hostname, "node-b");
    report_dataset_free(&d);
}

/* nothing is left to free (the sanitizer build checks it) */
static void an_unknown_node_names_the_nodes(void **state)
{
    fixture *f = *state;
    report_source src = {.input = f->csv, .csv = {.baseline = "base"}, .node = "node-c"};
    report_dataset d;
    hml_err err;
    assert_int_equal(report_load_source(&src, &d, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "--node node-c: no runs on that node (nodes: node-a, node-b)");
}

static void without_a_csv_the_store_is_read(void **state)
{
    fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/none.db", f->dir);
    report_source src = {.store = path, .node = "node-a"};
    report_dataset d;
    hml_err err;
    assert_int_equal(report_load_source(&src, &d, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(access(path, F_OK), -1); /* read only: nothing created */
}

static void statistical_settings_are_read_by_name(void **state)
{
    (void)state;
    report_options o;
    report_options_default(&o);
    hml_err err;
    assert_int_equal(report_options_set(&o, "acc-margin", "2.5", &err), HML_OK);
    assert_true(o.acc_margin > 0.02499 && o.acc_margin < 0.02501);
    assert_int_equal(report_options_set(&o, "alpha", "0.01", &err), HML_OK);
    assert_true(o.alpha == 0.01);
    assert_int_equal(report_options_set(&o, "min-runs", "3", &err), HML_OK);
    assert_int_equal(o.min_runs, 3);
    assert_int_equal(report_options_set(&o, "resamples", "2000", &err), HML_OK);
    assert_int_equal(o.resamples, 2000);
    assert_int_equal(report_options_set(&o, "seed", "4294967295", &err), HML_OK);
    assert_int_equal(o.seed, 4294967295UL);
    assert_int_equal(report_options_set(&o, "stability-resamples", "0", &err), HML_OK);
    assert_int_equal(o.stability_resamples, 0);
    const char *list = "memory=5%,wall_s=3%";
    assert_int_equal(report_options_set(&o, "min-cost", list, &err), HML_OK);
    assert_ptr_equal(o.min_cost, list);
}

static void bad_settings_are_refused_and_change_nothing(void **state)
{
    (void)state;
    report_options o, before;
    report_options_default(&o);
    before = o;
    hml_err err;
    assert_int_equal(report_options_set(&o, "alpha", "0.6", &err), HML_EUSAGE);
    assert_string_equal(err.msg, "--alpha: 0.6 is out of range [1e-06, 0.5]");
    assert_int_equal(report_options_set(&o, "min-runs", "1", &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--min-runs: "));
    assert_int_equal(report_options_set(&o, "resamples", "999", &err), HML_EUSAGE);
    assert_int_equal(report_options_set(&o, "seed", "-1", &err), HML_EUSAGE);
    assert_int_equal(report_options_set(&o, "acc-margin", "x", &err), HML_EUSAGE);
    assert_string_equal(err.msg, "--acc-margin: 'x' is not a finite number");
    assert_int_equal(report_options_set(&o, "stability-resamples", "1000001", &err), HML_EUSAGE);
    assert_int_equal(report_options_set(&o, "min-cost", "memory=lots", &err), HML_EUSAGE);
    assert_int_equal(report_options_set(&o, "level", "0.9", &err), HML_EINTERNAL);
    assert_memory_equal(&o, &before, sizeof o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_csv_is_read_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(a_node_is_read_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(an_unknown_node_names_the_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(without_a_csv_the_store_is_read, setup, teardown),
        cmocka_unit_test(statistical_settings_are_read_by_name),
        cmocka_unit_test(bad_settings_are_refused_and_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
