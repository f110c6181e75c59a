/* `hmlcost report --format json` when memory runs out while it builds the
 * document (cjson_alloc_sweep): an error, nothing written, nothing left
 * allocated. Two studies: the constructed one (accuracy, cost tests,
 * warnings) and one run on two nodes (the nodes and the stratified test). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cjson_alloc.h"
#include "report/analysis.h"
#include "report/format.h"
#include "report/load_csv.h"

#define FIXTURES HMLCOST_TEST_SOURCE_DIR "/report/fixtures/"

/* report_render_json into memory: whether it rendered; when it did not, it
 * says why and wrote nothing. */
static bool render_json(void *arg)
{
    const report_analysis *a = arg;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    report_render_options o = {0};
    hml_err err = {0};
    hml_status st = report_render_json(out, a, &o, &err);
    fclose(out);
    free(buf);
    if (st != HML_OK) {
        assert_int_equal(len, 0);
        assert_non_null(strstr(err.msg, "out of memory"));
    }
    return st == HML_OK;
}

static void sweep(const char *csv, size_t min_runs)
{
    report_dataset d;
    report_analysis a;
    report_options opts;
    report_options_default(&opts);
    opts.min_runs = min_runs;
    hml_err err;
    assert_int_equal(report_load_csv(csv, NULL, &d, &err), HML_OK);
    assert_int_equal(report_analyze(&d, &opts, &a, &err), HML_OK);
    cjson_alloc_sweep(csv, render_json, &a);
    report_analysis_free(&a);
    report_dataset_free(&d);
}

static void the_study_is_an_error_and_freed_when_memory_runs_out(void **state)
{
    (void)state;
    sweep(FIXTURES "study.csv", 5);
}

static void a_study_on_two_nodes_is_an_error_and_freed_when_memory_runs_out(void **state)
{
    (void)state;
    char path[] = "/tmp/hmlcost-report-oom-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("arm,baseline,smell,hostname,status,duration,energy_consumed,accuracy\n", f);
    for (int i = 0; i < 8; i++) {
        const char *node = i % 2 ? "node-b" : "node-a";
        fprintf(f, "base,,,%s,ok,%.2f,0.001,0.70\n", node, 10.0 + 0.01 * i + (i % 2));
        fprintf(f, "slow,base,threads,%s,ok,%.2f,0.0012,0.70\n", node, 12.0 + 0.01 * i + (i % 2));
    }
    assert_int_equal(fclose(f), 0);
    sweep(path, 2);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_study_is_an_error_and_freed_when_memory_runs_out),
        cmocka_unit_test(a_study_on_two_nodes_is_an_error_and_freed_when_memory_runs_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
