/* A run is a unit, by every accounting hmlcost has (a cgroup v2, a cgroup
 * v1, /proc): a daemon the run leaves behind is killed at its end and never
 * charged to the next run; hmlcost's own memory never enters a run's peak;
 * `hmlcost capture`'s own work is not the workload's; every figure names
 * its method. The cgroup cases skip, saying why, where this machine does not
 * permit a cgroup of that version. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/execute.h"

#define MIB (1024.0 * 1024.0)

static const char *const mode_names[] = {"auto", "cgroup-v2", "cgroup-v1", "procfs"};

static double metric(const execute_result *r, const char *name)
{
    const meter_metric *m = meter_metrics_find(&r->meter.metrics, name);
    if (!m)
        fail_msg("metric %s is missing (notes: %s)", name, r->meter.notes);
    return m->value;
}

static const char *method(const execute_result *r, const char *name)
{
    const meter_metric *m = meter_metrics_find(&r->meter.metrics, name);
    return m ? m->method : "(missing)";
}

static void measure(meter_accounting accounting, char **argv, execute_result *r)
{
    execute_options opts = {.quiet = true};
    meter_options_default(&opts.meter);
    opts.meter.accounting = accounting;
    opts.meter.use_rapl = opts.meter.use_nvml = false;
    hml_err err;
    assert_int_equal(execute_measured(argv, NULL, 0, &opts, r, &err), HML_OK);
}

/* Whether the run was accounted the way asked: a cgroup version this
 * machine does not permit falls back to /proc, and the test skips. */
static bool accounted_as(meter_accounting accounting, const execute_result *r)
{
    const char *got = method(r, "cpu_s");
    if (accounting == METER_ACCOUNTING_AUTO) {
        printf("# auto accounting here: cpu %s, memory %s\n", got, method(r, "peak_rss_bytes"));
        return true;
    }
    if (strcmp(got, mode_names[accounting]) == 0 ||
        (accounting == METER_ACCOUNTING_PROCFS && strcmp(got, "procfs-sampled") == 0))
        return true;
    printf("# %s is not permitted on this machine (%s); skipped\n", mode_names[accounting],
           r->meter.notes);
    return false;
}

static long read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = -1;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    return pid;
}

/* Run 0 leaves a daemon (setsid, double fork) burning 1.5 CPU seconds and
 * exits; run 1 sleeps 2 s. The daemon is killed at the end of run 0, so run
 * 1 is charged with its sleep only. */
static void daemon_case(meter_accounting accounting)
{
    char pid_file[] = "/tmp/hmlcost-daemon-XXXXXX";
    int fd = mkstemp(pid_file);
    assert_true(fd >= 0);
    close(fd);
    unlink(pid_file);
    char *daemon_argv[] = {HMLCOST_TEST_CHILD, "daemon", "1.5", pid_file, NULL};
    char *sleep_argv[] = {HMLCOST_TEST_CHILD, "sleep", "2", NULL};
    execute_result first, second;
    measure(accounting, daemon_argv, &first);
    long daemon = read_pid(pid_file);
    unlink(pid_file);
    if (!accounted_as(accounting, &first)) {
        if (daemon > 0)
            kill((pid_t)daemon, SIGKILL);
        execute_result_free(&first);
        skip();
    }
    assert_true(daemon > 0);
    /* Gone when the run ended: nothing of it competes with the next run. */
    assert_true(kill((pid_t)daemon, 0) != 0);
    assert_non_null(strstr(first.meter.notes, "killed and counted to this run"));
    measure(accounting, sleep_argv, &second);
    printf("# %s: daemon run cpu %.3f s, next run (sleep 2) cpu %.3f s (%s)\n",
           mode_names[accounting], metric(&first, "cpu_s"), metric(&second, "cpu_s"),
           method(&second, "cpu_s"));
    assert_true(metric(&second, "cpu_s") < 0.2);
    assert_string_equal(method(&second, "cpu_s"), method(&first, "cpu_s"));
    execute_result_free(&first);
    execute_result_free(&second);
}

static void a_daemon_is_not_charged_to_the_next_run_auto(void **state)
{
    (void)state;
    daemon_case(METER_ACCOUNTING_AUTO);
}
static void a_daemon_is_not_charged_to_the_next_run_cgroup_v2(void **state)
{
    (void)state;
    daemon_case(METER_ACCOUNTING_CGROUP_V2);
}
static void a_daemon_is_not_charged_to_the_next_run_cgroup_v1(void **state)
{
    (void)state;
    daemon_case(METER_ACCOUNTING_CGROUP_V1);
}
static void a_daemon_is_not_charged_to_the_next_run_procfs(void **state)
{
    (void)state;
    daemon_case(METER_ACCOUNTING_PROCFS);
}

/* hmlcost holding 96 MiB of its own (a large plan, a large result line)
 * must not change the peak of a small command: a fork copies that memory
 * into the child until it execs, and the kernel's max RSS keeps it. */
static void rss_case(meter_accounting accounting)
{
    size_t bytes = 96u << 20;
    char *ballast = malloc(bytes);
    assert_non_null(ballast);
    memset(ballast, 1, bytes);
    char *argv[] = {HMLCOST_TEST_CHILD, "touch", "4", "0.05", NULL};
    execute_result r;
    measure(accounting, argv, &r);
    free(ballast);
    if (!accounted_as(accounting, &r)) {
        execute_result_free(&r);
        skip();
    }
    double peak = metric(&r, "peak_rss_bytes");
    printf("# %s: peak of a 4 MiB toucher beside 96 MiB of hmlcost's own: %.1f MiB (%s)\n",
           mode_names[accounting], peak / MIB, method(&r, "peak_rss_bytes"));
    assert_true(peak < 32 * MIB);
    execute_result_free(&r);
}

static void hmlcost_memory_is_not_a_runs_peak_auto(void **state)
{
    (void)state;
    rss_case(METER_ACCOUNTING_AUTO);
}
static void hmlcost_memory_is_not_a_runs_peak_cgroup_v2(void **state)
{
    (void)state;
    rss_case(METER_ACCOUNTING_CGROUP_V2);
}
static void hmlcost_memory_is_not_a_runs_peak_cgroup_v1(void **state)
{
    (void)state;
    rss_case(METER_ACCOUNTING_CGROUP_V1);
}
static void hmlcost_memory_is_not_a_runs_peak_procfs(void **state)
{
    (void)state;
    rss_case(METER_ACCOUNTING_PROCFS);
}

/* A chatty command under `hmlcost capture`: the scan of its 3 million lines
 * costs capture several times the command's own CPU; that cost is reported
 * by capture and taken off. */
static void capture_case(meter_accounting accounting)
{
    char *plain_argv[] = {"seq", "1", "3000000", NULL};
    char *capture_argv[] = {HMLCOST_BINARY, "capture", "--accuracy-regex", "acc ([0-9.]+)", "--",
                            "seq", "1", "3000000", NULL};
    execute_result plain, captured;
    measure(accounting, plain_argv, &plain);
    if (!accounted_as(accounting, &plain)) {
        execute_result_free(&plain);
        skip();
    }
    measure(accounting, capture_argv, &captured);
    double helper = metric(&captured, "helper_cpu_s");
    printf("# %s: seq alone %.3f s CPU; under capture %.3f s, capture's own %.3f s taken off\n",
           mode_names[accounting], metric(&plain, "cpu_s"), metric(&captured, "cpu_s"), helper);
    assert_true(helper > 0);
    assert_string_equal(method(&captured, "helper_cpu_s"), "measured:getrusage");
    assert_non_null(strstr(captured.meter.notes, "capture's own CPU"));
    /* What is left is the command's (plus writing to a pipe), not capture's. */
    assert_true(metric(&captured, "cpu_s") < metric(&plain, "cpu_s") + 0.5 * helper + 0.02);
    execute_result_free(&plain);
    execute_result_free(&captured);
}

static void capture_is_not_measured_auto(void **state)
{
    (void)state;
    capture_case(METER_ACCOUNTING_AUTO);
}
static void capture_is_not_measured_procfs(void **state)
{
    (void)state;
    capture_case(METER_ACCOUNTING_PROCFS);
}

/* Every resource figure names its method; procfs is procfs-sampled. */
static void every_resource_figure_names_its_method(void **state)
{
    (void)state;
    char *argv[] = {HMLCOST_TEST_CHILD, "burn", "0.1", NULL};
    execute_result r;
    measure(METER_ACCOUNTING_PROCFS, argv, &r);
    const char *names[] = {"user_s", "sys_s", "cpu_s", "peak_rss_bytes"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(method(&r, names[i]), "procfs-sampled");
    execute_result_free(&r);
    measure(METER_ACCOUNTING_AUTO, argv, &r);
    const char *got = method(&r, "cpu_s");
    assert_true(strcmp(got, "cgroup-v2") == 0 || strcmp(got, "cgroup-v1") == 0 ||
                strcmp(got, "procfs-sampled") == 0);
    /* Without a cgroup the notes say why. */
    if (strcmp(got, "procfs-sampled") == 0)
        assert_non_null(strstr(r.meter.notes, "no cgroup"));
    execute_result_free(&r);
}

/* The wall time starts when the child is on its own (in its cgroup), by
 * the child's clock: never after the command began, whatever the load. */
static void wall_time_covers_the_command_by_every_accounting(void **state)
{
    (void)state;
    char *argv[] = {HMLCOST_TEST_CHILD, "sleep", "0.2", NULL};
    for (int a = 0; a < 4; a++) {
        execute_result r;
        measure((meter_accounting)a, argv, &r);
        double wall = metric(&r, "wall_s");
        printf("# %s: wall of sleep 0.2: %.4f s (%s)\n", mode_names[a], wall, method(&r, "cpu_s"));
        assert_true(wall >= 0.2);
        execute_result_free(&r);
    }
}

static void accounting_names_parse(void **state)
{
    (void)state;
    meter_accounting a;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(meter_accounting_parse(mode_names[i], &a), 0);
        assert_int_equal((int)a, i);
    }
    assert_int_equal(meter_accounting_parse("cgroup", &a), -1);
    assert_int_equal(meter_accounting_parse(NULL, &a), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_daemon_is_not_charged_to_the_next_run_auto),
        cmocka_unit_test(a_daemon_is_not_charged_to_the_next_run_cgroup_v2),
        cmocka_unit_test(a_daemon_is_not_charged_to_the_next_run_cgroup_v1),
        cmocka_unit_test(a_daemon_is_not_charged_to_the_next_run_procfs),
        cmocka_unit_test(hmlcost_memory_is_not_a_runs_peak_auto),
        cmocka_unit_test(hmlcost_memory_is_not_a_runs_peak_cgroup_v2),
        cmocka_unit_test(hmlcost_memory_is_not_a_runs_peak_cgroup_v1),
        cmocka_unit_test(hmlcost_memory_is_not_a_runs_peak_procfs),
        cmocka_unit_test(capture_is_not_measured_auto),
        cmocka_unit_test(capture_is_not_measured_procfs),
        cmocka_unit_test(every_resource_figure_names_its_method),
        cmocka_unit_test(wall_time_covers_the_command_by_every_accounting),
        cmocka_unit_test(accounting_names_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
