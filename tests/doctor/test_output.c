/* What `hmlcost doctor` prints: each finding with its evidence and fix, the
 * closing count line with the host's CPUs, and the JSON with the host and
 * workload facts the checks used (a described host, never this machine). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/fixtures.h"
#include "doctor/output.h"

static char *text_of(const doctor_report *report, const doctor_context *ctx)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    doctor_output_text(f, report, ctx, "measured now");
    assert_int_equal(fclose(f), 0);
    return text;
}

static void findings_print_with_evidence_fix_and_counts(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, "/nonexistent");
    fixture_host(&ctx, "epyc-zen5-vm.ini");
    doctor_report report = {0};
    hml_err err;
    assert_int_equal(doctor_report_add(&report, DOCTOR_WARNING, "threads.over", "too many",
                                       "OMP_NUM_THREADS=64", "unset it", &err), HML_OK);
    assert_int_equal(doctor_report_add(&report, DOCTOR_ERROR, "libpath.bad", "bad\npath",
                                       "/x", "fix it", &err), HML_OK);
    char *text = text_of(&report, &ctx);
    char cpus[256];
    host_describe_cpus(&ctx.host, cpus, sizeof cpus);
    char expected[1024];
    snprintf(expected, sizeof expected,
             "warning  threads.over: too many\n"
             "  evidence: OMP_NUM_THREADS=64\n"
             "  fix:      unset it\n"
             "\n"
             "error    libpath.bad: bad\\npath\n"
             "  evidence: /x\n"
             "  fix:      fix it\n"
             "\n"
             "hmlcost doctor: 2 findings (1 error, 1 warning, 0 info) for hmlcost train; "
             "%ld CPUs available (%s)\n",
             host_usable_cpus(&ctx.host), cpus);
    assert_string_equal(text, expected);
    free(text);
    doctor_report_free(&report);
}

static void no_findings_print_only_the_closing_line(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, "/nonexistent");
    fixture_host(&ctx, "container-quota-1.5.ini");
    ctx.workload.command = "python3 train.py";
    doctor_report report = {0};
    char *text = text_of(&report, &ctx);
    const char *start = "hmlcost doctor: 0 findings (0 errors, 0 warnings, 0 info) "
                        "for the --workload command; ";
    assert_int_equal(strncmp(text, start, strlen(start)), 0);
    assert_non_null(strstr(text, "CPUs available"));
    assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
    free(text);
}

static void json_carries_the_host_and_workload_facts(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, "/nonexistent");
    fixture_host(&ctx, "epyc-192-threads.ini");
    ctx.workload.batch = 32;
    ctx.workload.threads = 8;
    doctor_report report = {0};
    hml_err err;
    assert_int_equal(doctor_report_add(&report, DOCTOR_INFO, "a.b", "s", "e", "f", &err), HML_OK);
    cJSON *root = doctor_output_json(&report, &ctx, NULL);
    assert_non_null(root);
    cJSON *host = cJSON_GetObjectItem(root, "host");
    assert_non_null(host);
    assert_string_equal(cJSON_GetObjectItem(host, "cpu_model")->valuestring, ctx.host.cpu_model);
    assert_int_equal((long)cJSON_GetObjectItem(host, "cpus")->valuedouble,
                     host_usable_cpus(&ctx.host));
    assert_int_equal((long)cJSON_GetObjectItem(host, "logical_cpus")->valuedouble,
                     ctx.host.logical_cpus);
    cJSON *wl = cJSON_GetObjectItem(root, "workload");
    assert_string_equal(cJSON_GetObjectItem(wl, "command")->valuestring, "hmlcost train");
    assert_int_equal((long)cJSON_GetObjectItem(wl, "batch")->valuedouble, 32);
    assert_int_equal((long)cJSON_GetObjectItem(wl, "threads")->valuedouble, 8);
    assert_null(cJSON_GetObjectItem(root, "probe"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "findings")), 1);
    cJSON_Delete(root);

    ctx.workload.command = "make train";
    root = doctor_output_json(&report, &ctx, NULL);
    wl = cJSON_GetObjectItem(root, "workload");
    assert_string_equal(cJSON_GetObjectItem(wl, "command")->valuestring, "make train");
    assert_null(cJSON_GetObjectItem(wl, "batch"));
    cJSON_Delete(root);
    doctor_report_free(&report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(findings_print_with_evidence_fix_and_counts),
        cmocka_unit_test(no_findings_print_only_the_closing_line),
        cmocka_unit_test(json_carries_the_host_and_workload_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
