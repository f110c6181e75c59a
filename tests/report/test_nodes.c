/* Where the runs ran (report/nodes.h): one node per distinct hostname, CPU
 * and GPU, with run counts per arm, and whether two compared arms ran on the
 * same hardware and the same nodes (failed runs do not count). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "report/dataset.h"
#include "report/nodes.h"

static void add_run(report_arm *arm, const char *host, const char *cpu, const char *gpu,
                    const char *status)
{
    report_run *r = report_arm_add_run(arm);
    assert_non_null(r);
    snprintf(r->host.hostname, sizeof r->host.hostname, "%s", host);
    snprintf(r->host.cpu_model, sizeof r->host.cpu_model, "%s", cpu);
    snprintf(r->host.gpu_model, sizeof r->host.gpu_model, "%s", gpu);
    snprintf(r->status, sizeof r->status, "%s", status);
}

static void nodes_are_counted_per_arm_in_the_order_seen(void **state)
{
    (void)state;
    report_dataset d = {0};
    report_arm *base = report_dataset_add_arm(&d, "baseline");
    add_run(base, "b", "Xeon", "", "ok");
    add_run(base, "a", "Xeon", "", "ok");
    add_run(base, "b", "Xeon", "", "failed");
    report_arm *smell = report_dataset_add_arm(&d, "smell");
    add_run(&d.arms[1], "a", "Xeon", "", "ok");
    add_run(&d.arms[1], "a", "Xeon", "H100", "ok"); /* same name, other hardware: another node */
    (void)smell;
    report_node *nodes;
    size_t n;
    hml_err err;
    assert_int_equal(report_nodes_collect(&d, &nodes, &n, &err), HML_OK);
    assert_int_equal(n, 3);
    assert_string_equal(nodes[0].hostname, "b");
    assert_int_equal(nodes[0].runs, 2);
    assert_int_equal(nodes[0].ok, 1);
    assert_int_equal(nodes[0].arm_runs[0], 2);
    assert_int_equal(nodes[0].arm_runs[1], 0);
    assert_string_equal(nodes[1].hostname, "a");
    assert_int_equal(nodes[1].arm_runs[0], 1);
    assert_int_equal(nodes[1].arm_runs[1], 1);
    assert_string_equal(nodes[2].gpu_model, "H100");
    assert_int_equal(report_nodes_find(nodes, n, &d.arms[1].runs[1].host), 2);
    report_host elsewhere = {.hostname = "c", .cpu_model = "Xeon"};
    assert_int_equal(report_nodes_find(nodes, n, &elsewhere), n);
    report_nodes_free(nodes, n);
    report_dataset_free(&d);
}

static report_nodes_match compare(const report_dataset *d, char *what, size_t size)
{
    return report_nodes_compare(&d->arms[0], &d->arms[1], what, size);
}

static void arms_on_the_same_nodes_match(void **state)
{
    (void)state;
    report_dataset d = {0};
    add_run(report_dataset_add_arm(&d, "baseline"), "a", "Xeon", "", "ok");
    add_run(&d.arms[0], "b", "Xeon", "", "ok");
    add_run(report_dataset_add_arm(&d, "smell"), "b", "Xeon", "", "ok");
    add_run(&d.arms[1], "a", "Xeon", "", "ok");
    add_run(&d.arms[1], "z", "EPYC", "", "failed"); /* failed: not where it ran */
    char what[256] = "x";
    assert_int_equal(compare(&d, what, sizeof what), REPORT_NODES_SAME);
    assert_string_equal(what, "");
    report_dataset_free(&d);
}

static void other_nodes_and_other_hardware_are_told_apart(void **state)
{
    (void)state;
    report_dataset d = {0};
    add_run(report_dataset_add_arm(&d, "baseline"), "a", "Xeon", "", "ok");
    add_run(report_dataset_add_arm(&d, "smell"), "b", "Xeon", "", "ok");
    char what[256];
    assert_int_equal(compare(&d, what, sizeof what), REPORT_NODES_OTHER_NODES);
    assert_string_equal(what, "baseline on a; smell on b");

    add_run(&d.arms[1], "c", "Xeon", "H100", "ok");
    assert_int_equal(compare(&d, what, sizeof what), REPORT_NODES_OTHER_HARDWARE);
    assert_string_equal(what, "baseline on Xeon (a); smell on Xeon; Xeon + H100 (b, c)");
    report_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nodes_are_counted_per_arm_in_the_order_seen),
        cmocka_unit_test(arms_on_the_same_nodes_match),
        cmocka_unit_test(other_nodes_and_other_hardware_are_told_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
