/* Measuring real processes (execute_measured, the engine of `hmlcost
 * measure`): CPU and wall of a burner, peak RSS of a toucher, a grandchild's
 * memory and CPU, an orphan's CPU, exact RAPL joules over a wrap-around,
 * the workload's result line, and the statuses of failed runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meter/rapl.h"
#include "runner/execute.h"

#define MIB (1024.0 * 1024.0)

static double metric(const execute_result *r, const char *name)
{
    const meter_metric *m = meter_metrics_find(&r->meter.metrics, name);
    if (!m)
        fail_msg("metric %s is missing", name);
    return m->value;
}

static const char *method(const execute_result *r, const char *name)
{
    const meter_metric *m = meter_metrics_find(&r->meter.metrics, name);
    return m ? m->method : "(missing)";
}

static void run_child_counters(execute_result *r, double interval_s, double timeout_s,
                               bool counters, const char *a1, const char *a2, const char *a3)
{
    char *argv[] = {HMLCOST_TEST_CHILD, (char *)a1, (char *)a2, (char *)a3, NULL};
    execute_options opts = {.timeout_s = timeout_s};
    meter_options_default(&opts.meter);
    opts.meter.interval_s = interval_s;
    opts.meter.use_rapl = opts.meter.use_nvml = counters;
    hml_err err;
    assert_int_equal(execute_measured(argv, NULL, 0, &opts, r, &err), HML_OK);
}

static void run_child(execute_result *r, double interval_s, double timeout_s, const char *a1,
                      const char *a2, const char *a3)
{
    run_child_counters(r, interval_s, timeout_s, true, a1, a2, a3);
}

static void a_cpu_burner_is_timed(void **state)
{
    (void)state;
    execute_result r;
    run_child(&r, 0.1, 0, "burn", "1.0", NULL);
    assert_int_equal(r.status, STORE_RUN_OK);
    double cpu = metric(&r, "cpu_s");
    printf("# burn 1.0 s: cpu_s %.3f, wall_s %.3f, user %.3f, sys %.3f\n", cpu,
           metric(&r, "wall_s"), metric(&r, "user_s"), metric(&r, "sys_s"));
    assert_true(cpu >= 0.9 && cpu <= 1.1);
    assert_true(metric(&r, "wall_s") >= 1.0);
    assert_true(metric(&r, "user_s") + metric(&r, "sys_s") == cpu);
    assert_true(r.meter.sample_count >= 5);
    /* The sampled CPU grows over time and never exceeds the final figure by much. */
    const meter_sample *last = &r.meter.samples[r.meter.sample_count - 1];
    assert_true(last->cpu_s > 0.5 && last->cpu_s <= cpu + 0.05);
    /* No counters on this machine (or turned off): the estimate, labelled. */
    if (strcmp(method(&r, "energy_cpu_j"), "rapl") != 0) {
        assert_string_equal(method(&r, "energy_cpu_j"), "estimate:fallback:cpu-4W-per-logical-cpu");
        assert_true(metric(&r, "energy_cpu_j") == 4.0 * cpu);
        /* The band: linear (4 W x CPU-s) to the load curve at 4 W per CPU. */
        assert_true(metric(&r, "energy_cpu_low_j") <= metric(&r, "energy_cpu_j"));
        assert_true(metric(&r, "energy_cpu_high_j") >= metric(&r, "energy_cpu_j"));
        assert_true(metric(&r, "energy_cpu_high_j") > metric(&r, "energy_cpu_low_j"));
        assert_string_equal(method(&r, "energy_ram_j"), "estimate:ram-0.375W-per-GiB");
        assert_non_null(strstr(r.meter.notes, "rapl: "));
    }
    double total = metric(&r, "energy_total_j");
    assert_true(metric(&r, "energy_kwh") == total / 3.6e6);
    assert_true(metric(&r, "co2_g") == metric(&r, "energy_kwh") * 475.0);
    assert_string_equal(method(&r, "co2_g"), "derived");
    /* Fitness, read before and after from the fake host tree (static files:
     * nothing changed, so no one else used the CPUs and nothing swapped). */
    assert_true(metric(&r, "fitness_load1_before") == 0.25);
    assert_true(metric(&r, "fitness_load1_after") == 0.25);
    assert_true(metric(&r, "fitness_cpus") == 2);
    assert_true(metric(&r, "fitness_other_cpu") == 0);
    assert_true(metric(&r, "fitness_swap_pages") == 0);
    execute_result_free(&r);
}

static void a_300_mib_toucher_peaks_above_300_mib(void **state)
{
    (void)state;
    execute_result r;
    run_child(&r, 0.05, 0, "touch", "300", "0.3");
    assert_int_equal(r.status, STORE_RUN_OK);
    double peak = metric(&r, "peak_rss_bytes");
    printf("# touch 300 MiB: peak_rss %.1f MiB, max sampled %.1f MiB\n", peak / MIB,
           r.meter.sample_count ? r.meter.samples[r.meter.sample_count / 2].rss_bytes / MIB : 0);
    assert_true(peak >= 300 * MIB);
    bool sampled_high = false;
    for (size_t i = 0; i < r.meter.sample_count; i++)
        sampled_high = sampled_high || r.meter.samples[i].rss_bytes >= 300 * MIB;
    assert_true(sampled_high);
    execute_result_free(&r);
}

static void a_grandchilds_memory_and_cpu_are_counted(void **state)
{
    (void)state;
    execute_result r;
    run_child(&r, 0.05, 0, "grandchild", "200", "0.4");
    assert_int_equal(r.status, STORE_RUN_OK);
    printf("# grandchild 200 MiB + 0.4 s: peak_rss %.1f MiB, cpu_s %.3f\n",
           metric(&r, "peak_rss_bytes") / MIB, metric(&r, "cpu_s"));
    assert_true(metric(&r, "peak_rss_bytes") >= 200 * MIB);
    assert_true(metric(&r, "cpu_s") >= 0.36);
    int most = 0;
    for (size_t i = 0; i < r.meter.sample_count; i++)
        if (r.meter.samples[i].processes > most)
            most = r.meter.samples[i].processes;
    assert_int_equal(most, 3);
    execute_result_free(&r);
}

static void an_orphaned_grandchild_is_reaped_and_counted(void **state)
{
    (void)state;
    execute_result r;
    run_child(&r, 0.05, 0, "orphan", "0.4", NULL);
    assert_int_equal(r.status, STORE_RUN_OK);
    printf("# orphan 0.4 s: cpu_s %.3f\n", metric(&r, "cpu_s"));
    assert_true(metric(&r, "cpu_s") >= 0.36);
    execute_result_free(&r);
}

static void fake_rapl_that_wraps_gives_exact_joules(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    const char *domains[][4] = {{"intel-rapl:0", "package-0", "1000000", "900000"},
                                {"intel-rapl:0:0", "dram", "500000", "300000"}};
    for (int i = 0; i < 2; i++) {
        char dir[512], path[600];
        snprintf(dir, sizeof dir, "%s/%s", root, domains[i][0]);
        assert_int_equal(mkdir(dir, 0755), 0);
        const char *files[] = {"name", "max_energy_range_uj", "energy_uj"};
        for (int f = 0; f < 3; f++) {
            snprintf(path, sizeof path, "%s/%s", dir, files[f]);
            FILE *out = fopen(path, "w");
            assert_non_null(out);
            fprintf(out, "%s\n", domains[i][f + 1]);
            fclose(out);
        }
    }
    setenv(METER_POWERCAP_ROOT_ENV, root, 1);
    execute_result r;
    run_child(&r, 0.01, 0, "rapl", root, NULL);
    unsetenv(METER_POWERCAP_ROOT_ENV);
    assert_int_equal(r.status, STORE_RUN_OK);
    /* package: 900000 -> 950000 -> 990000 -> (wrap) 100000 -> 300000: 400000 uJ;
     * dram: 300000 -> 450000 -> 490000 -> (wrap) 20000 -> 60000: 260000 uJ. */
    printf("# fake rapl: cpu %.9f J, dram %.9f J\n", metric(&r, "energy_cpu_j"),
           metric(&r, "energy_dram_j"));
    assert_string_equal(method(&r, "energy_cpu_j"), "rapl");
    assert_string_equal(method(&r, "energy_dram_j"), "rapl");
    assert_true(metric(&r, "energy_cpu_j") > 0.4 - 1e-9 && metric(&r, "energy_cpu_j") < 0.4 + 1e-9);
    assert_true(metric(&r, "energy_dram_j") > 0.26 - 1e-9 &&
                metric(&r, "energy_dram_j") < 0.26 + 1e-9);
    assert_null(meter_metrics_find(&r.meter.metrics, "energy_ram_j"));
    assert_true(metric(&r, "energy_total_j") > 0.66 - 1e-9 &&
                metric(&r, "energy_total_j") < 0.66 + 1e-9);
    /* Each sample carries the RAPL energy so far (package + dram, the same
     * sum): it never decreases (the wrap is seen between two samples), the
     * first is at most the child's first counter step (0.05 + 0.15 J), and
     * the last is at most the total and at least the third step (0.42 J). */
    assert_true(r.meter.sample_count >= 3);
    double before = 0;
    for (size_t i = 0; i < r.meter.sample_count; i++) {
        double e = r.meter.samples[i].energy_j;
        assert_false(isnan(e));
        assert_true(e >= before - 1e-12);
        before = e;
    }
    printf("# fake rapl samples: first %.6f J, last %.6f J of %zu\n", r.meter.samples[0].energy_j,
           before, r.meter.sample_count);
    assert_true(r.meter.samples[0].energy_j <= 0.2 + 1e-9);
    assert_true(before <= metric(&r, "energy_total_j") + 1e-9);
    assert_true(before >= 0.42 - 1e-9);
    execute_result_free(&r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* Without counters each sample's energy is the estimate at that sample:
 * 4 W per logical CPU x its CPU-seconds + 0.375 W/GiB x its RSS integrated
 * over the samples so far; the final total adds only what came after the
 * last sample. */
static void sample_energy_follows_the_estimate(void **state)
{
    (void)state;
    execute_result r;
    run_child_counters(&r, 0.05, 0, false, "burn", "0.5", NULL);
    assert_int_equal(r.status, STORE_RUN_OK);
    assert_string_equal(method(&r, "energy_cpu_j"), "estimate:fallback:cpu-4W-per-logical-cpu");
    assert_true(r.meter.sample_count >= 3);
    const double gib = 1024.0 * 1024.0 * 1024.0;
    double from = 0, byte_seconds = 0, before = 0;
    for (size_t i = 0; i < r.meter.sample_count; i++) {
        const meter_sample *p = &r.meter.samples[i];
        byte_seconds += p->rss_bytes * (p->t_s - from);
        from = p->t_s;
        double expected = 4.0 * p->cpu_s + 0.375 * byte_seconds / gib;
        assert_true(fabs(p->energy_j - expected) <= 1e-9 * (1.0 + expected));
        assert_true(p->energy_j >= before);
        before = p->energy_j;
    }
    const meter_sample *last = &r.meter.samples[r.meter.sample_count - 1];
    double total = metric(&r, "energy_total_j");
    double tail = 4.0 * (metric(&r, "cpu_s") - last->cpu_s) +
                  0.375 * last->rss_bytes * (metric(&r, "wall_s") - last->t_s) / gib;
    printf("# estimate samples: last %.6f J, total %.6f J\n", last->energy_j, total);
    assert_true(fabs(total - last->energy_j - tail) <= 1e-9 * (1.0 + total));
    assert_true(last->energy_j <= total + 0.05 * 4.0);
    assert_true(last->energy_j > 0.5 * total);
    execute_result_free(&r);
}

static void without_nvml_the_notes_say_so(void **state)
{
    (void)state;
    setenv("HMLCOST_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
    execute_result r;
    run_child(&r, 0.1, 0, "exit", "0", NULL);
    unsetenv("HMLCOST_NVML_LIBRARY");
    assert_int_equal(r.status, STORE_RUN_OK);
    assert_non_null(strstr(r.meter.notes, "nvml: cannot load /nonexistent/libnvidia-ml.so.1"));
    assert_null(meter_metrics_find(&r.meter.metrics, "energy_gpu_j"));
    assert_null(meter_metrics_find(&r.meter.metrics, "gpu_mem_bytes"));
    execute_result_free(&r);
}

static void the_result_line_is_kept_with_its_metrics(void **state)
{
    (void)state;
    execute_result r;
    run_child(&r, 0.1, 0, "result", "{\"schema\":1,\"accuracy\":0.625,\"loss\":[2.1,1.5],"
                                     "\"images_per_s\":1234.5}",
              NULL);
    assert_int_equal(r.status, STORE_RUN_OK);
    assert_non_null(r.result_json);
    assert_non_null(strstr(r.result_json, "\"accuracy\":0.625"));
    assert_true(metric(&r, "accuracy") == 0.625);
    assert_true(metric(&r, "final_loss") == 1.5);
    assert_true(metric(&r, "images_per_s") == 1234.5);
    assert_string_equal(method(&r, "accuracy"), "workload");
    execute_result_free(&r);

    run_child(&r, 0.1, 0, "result", "not json at all", NULL);
    assert_null(r.result_json);
    assert_non_null(strstr(r.meter.notes, "result line ignored"));
    execute_result_free(&r);
}

static void failures_have_a_status_and_a_reason(void **state)
{
    (void)state;
    execute_result r;
    run_child(&r, 0.1, 0, "exit", "3", NULL);
    assert_int_equal(r.status, STORE_RUN_FAILED);
    assert_string_equal(r.reason, "exit status 3");
    assert_true(metric(&r, "exit_code") == 3);
    execute_result_free(&r);

    char *segv[] = {HMLCOST_TEST_CHILD, "env", NULL};
    char *mode[] = {"HML_TEST_MODE=segv"};
    execute_options opts = {0};
    meter_options_default(&opts.meter);
    hml_err err;
    assert_int_equal(execute_measured(segv, mode, 1, &opts, &r, &err), HML_OK);
    assert_int_equal(r.status, STORE_RUN_CRASHED);
    assert_non_null(strstr(r.reason, "killed by SIGSEGV"));
    assert_null(meter_metrics_find(&r.meter.metrics, "exit_code"));
    execute_result_free(&r);

    run_child(&r, 0.1, 0.3, "sleep", "30", NULL);
    assert_int_equal(r.status, STORE_RUN_TIMEOUT);
    assert_non_null(strstr(r.reason, "--timeout"));
    assert_true(metric(&r, "wall_s") < 5);
    execute_result_free(&r);

    /* A child that ignores SIGTERM gets SIGKILL a second later. */
    run_child(&r, 0.1, 0.2, "stubborn", NULL, NULL);
    assert_int_equal(r.status, STORE_RUN_TIMEOUT);
    assert_true(metric(&r, "wall_s") >= 1.1 && metric(&r, "wall_s") < 5);
    execute_result_free(&r);

    char *missing[] = {"/nonexistent/program", NULL};
    assert_int_equal(execute_measured(missing, NULL, 0, &opts, &r, &err), HML_EUSAGE);
    assert_int_equal(r.status, STORE_RUN_ERROR);
    assert_non_null(strstr(err.msg, "/nonexistent/program"));
    execute_result_free(&r);
}

int main(void)
{
    /* Host facts from a fake tree: a VM that names no CPU model, so the CPU
     * estimate is the fallback on any machine. */
    setenv("HMLCOST_HOST_ROOT", HMLCOST_TEST_SOURCE_DIR "/meter/fixtures/vm-host", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_cpu_burner_is_timed),
        cmocka_unit_test(a_300_mib_toucher_peaks_above_300_mib),
        cmocka_unit_test(a_grandchilds_memory_and_cpu_are_counted),
        cmocka_unit_test(an_orphaned_grandchild_is_reaped_and_counted),
        cmocka_unit_test(fake_rapl_that_wraps_gives_exact_joules),
        cmocka_unit_test(sample_energy_follows_the_estimate),
        cmocka_unit_test(without_nvml_the_notes_say_so),
        cmocka_unit_test(the_result_line_is_kept_with_its_metrics),
        cmocka_unit_test(failures_have_a_status_and_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
