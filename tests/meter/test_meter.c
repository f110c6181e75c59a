/* The meter's contract (meter/meter.h, meter/metric.h): a
 * window fed with made-up reaped usage turns it into metrics that each name
 * their method, the energy adds up from its components, and the notes say why
 * a counter was not used. RAPL and NVML are turned off and the host is a fake
 * tree, so the figures do not depend on the machine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meter/meter.h"
#include "meter/metric.h"

#define MIB (1024.0 * 1024.0)

static int use_fake_host(void **state)
{
    (void)state;
    return setenv("HMLCOST_HOST_ROOT", HMLCOST_TEST_SOURCE_DIR "/meter/fixtures/vm-host", 1);
}

static void quiet_options(meter_options *o)
{
    meter_options_default(o);
    o->accounting = METER_ACCOUNTING_PROCFS;
    o->use_rapl = false;
    o->use_nvml = false;
    o->cpu_tdp_w = 100;
}

static struct rusage usage_of(double user_s, double sys_s, double maxrss_bytes)
{
    struct rusage u = {0};
    u.ru_utime.tv_sec = (time_t)user_s;
    u.ru_utime.tv_usec = (suseconds_t)((user_s - (double)(time_t)user_s) * 1e6 + 0.5);
    u.ru_stime.tv_sec = (time_t)sys_s;
    u.ru_stime.tv_usec = (suseconds_t)((sys_s - (double)(time_t)sys_s) * 1e6 + 0.5);
    u.ru_maxrss = (long)(maxrss_bytes / 1024.0);
    return u;
}

static const meter_metric *must_find(const meter_result *r, const char *name)
{
    const meter_metric *m = meter_metrics_find(&r->metrics, name);
    if (!m)
        fail_msg("no metric %s", name);
    return m;
}

static void accounting_names_parse_and_nothing_else(void **state)
{
    (void)state;
    meter_accounting a = METER_ACCOUNTING_PROCFS;
    assert_int_equal(meter_accounting_parse("auto", &a), 0);
    assert_int_equal(a, METER_ACCOUNTING_AUTO);
    assert_int_equal(meter_accounting_parse("cgroup-v2", &a), 0);
    assert_int_equal(a, METER_ACCOUNTING_CGROUP_V2);
    assert_int_equal(meter_accounting_parse("cgroup-v1", &a), 0);
    assert_int_equal(a, METER_ACCOUNTING_CGROUP_V1);
    assert_int_equal(meter_accounting_parse("procfs", &a), 0);
    assert_int_equal(a, METER_ACCOUNTING_PROCFS);
    a = METER_ACCOUNTING_CGROUP_V1;
    assert_int_equal(meter_accounting_parse("cgroup", &a), -1);
    assert_int_equal(meter_accounting_parse("AUTO", &a), -1);
    assert_int_equal(meter_accounting_parse("", &a), -1);
    assert_int_equal(meter_accounting_parse(NULL, &a), -1);
    assert_int_equal(a, METER_ACCOUNTING_CGROUP_V1); /* untouched on refusal */
}

static void defaults_are_the_documented_ones(void **state)
{
    (void)state;
    meter_options o;
    memset(&o, 0x5a, sizeof o);
    meter_options_default(&o);
    assert_int_equal(o.accounting, METER_ACCOUNTING_AUTO);
    assert_true(o.interval_s == METER_DEFAULT_INTERVAL_S);
    assert_true(o.pue == 1.0);
    assert_true(o.grid_g_per_kwh == METER_WORLD_G_PER_KWH);
    assert_true(o.cpu_tdp_w == 0);
    assert_true(o.use_rapl && o.use_nvml);
    assert_non_null(strstr(o.grid_source, "IEA 2019"));

    meter_options_set_grid_intensity(&o, 56);
    assert_true(o.grid_g_per_kwh == 56);
    assert_string_equal(o.grid_source, "given: 56 g/kWh");
}

static void a_metric_list_holds_each_name_once(void **state)
{
    (void)state;
    meter_metrics list = {0};
    assert_null(meter_metrics_find(&list, "wall_s"));
    for (int i = 0; i < 40; i++) { /* past the first allocation */
        char name[32];
        snprintf(name, sizeof name, "m%d", i);
        assert_int_equal(meter_metrics_set(&list, name, i, "s", "measured"), 0);
    }
    assert_int_equal(meter_metrics_set(&list, "m7", 70, "J", "rapl"), 0);
    assert_int_equal(list.count, 40);
    const meter_metric *m = meter_metrics_find(&list, "m7");
    assert_non_null(m);
    assert_true(m->value == 70);
    assert_string_equal(m->unit, "J");
    assert_string_equal(m->method, "rapl");
    assert_true(meter_metrics_find(&list, "m39")->value == 39);
    assert_null(meter_metrics_find(&list, "m40"));
    meter_metrics_free(&list);
    assert_int_equal(list.count, 0);
    assert_null(list.items);
}

/* Reaped usage of 2 s user, 0.5 s system, a 300 MiB root over a 10 s
 * window: the CPU figures are those, accounted from /proc, the energy is
 * the CPU model's plus the RAM estimate, and the CO2 follows the grid and PUE. */
static void a_window_turns_reaped_usage_into_labelled_metrics(void **state)
{
    (void)state;
    meter_options o;
    quiet_options(&o);
    o.pue = 1.5;
    meter_options_set_grid_intensity(&o, 200);
    hml_err err;
    meter *m = NULL;
    assert_int_equal(meter_begin(&m, &o, &err), HML_OK);
    size_t fds = 99;
    meter_join_fds(m, &fds);
    assert_int_equal(fds, 0); /* procfs accounting: no cgroup to join */
    char cgroups[64] = "x";
    meter_describe_cgroup(m, cgroups, sizeof cgroups);
    assert_string_equal(cgroups, "");

    struct rusage root = usage_of(2.0, 0.5, 300 * MIB);
    meter_add_reaped(m, &root, true);
    meter_result r;
    assert_int_equal(meter_end(m, 10.0, &r, &err), HML_OK);

    assert_true(must_find(&r, "wall_s")->value == 10.0);
    assert_string_equal(must_find(&r, "wall_s")->method, "measured");
    assert_float_equal(must_find(&r, "user_s")->value, 2.0, 1e-6);
    assert_float_equal(must_find(&r, "sys_s")->value, 0.5, 1e-6);
    assert_float_equal(must_find(&r, "cpu_s")->value, 2.5, 1e-6);
    assert_string_equal(must_find(&r, "cpu_s")->method, "procfs-sampled");
    /* Nothing forked from us: the root's max RSS is its own. */
    assert_float_equal(must_find(&r, "peak_rss_bytes")->value, 300 * MIB, 1024);
    assert_string_equal(must_find(&r, "peak_rss_bytes")->unit, "B");

    const meter_metric *cpu = must_find(&r, "energy_cpu_j");
    assert_true(strncmp(cpu->method, "estimate:", 9) == 0);
    assert_true(cpu->value > 0);
    assert_true(must_find(&r, "energy_cpu_low_j")->value <= cpu->value);
    assert_true(must_find(&r, "energy_cpu_high_j")->value >= cpu->value);
    const meter_metric *ram = must_find(&r, "energy_ram_j");
    assert_string_equal(ram->method, "estimate:ram-0.375W-per-GiB");
    /* No samples: peak x wall at 0.375 W per GiB. */
    assert_float_equal(ram->value, 0.375 * (300.0 / 1024.0) * 10.0, 1e-3);
    assert_null(meter_metrics_find(&r.metrics, "energy_gpu_j"));
    assert_null(meter_metrics_find(&r.metrics, "energy_dram_j"));

    const meter_metric *total = must_find(&r, "energy_total_j");
    assert_string_equal(total->method, "derived");
    assert_float_equal(total->value, cpu->value + ram->value, 1e-9);
    double kwh = must_find(&r, "energy_kwh")->value;
    assert_float_equal(kwh, total->value / 3.6e6, 1e-15);
    assert_float_equal(must_find(&r, "co2_g")->value, kwh * 1.5 * 200, 1e-12);
    assert_string_equal(must_find(&r, "grid_intensity")->method, "source:given: 200 g/kWh");
    assert_true(must_find(&r, "pue")->value == 1.5);

    assert_non_null(strstr(r.notes, "rapl: turned off"));
    assert_non_null(strstr(r.notes, "nvml: turned off"));
    assert_int_equal(r.sample_count, 0);
    meter_result_free(&r);
    meter_free(m);
}

/* A window over processes already reaped (no live tree to sample): the
 * root's usage, and a child's when given; parent_rss is hmlcost's own
 * memory at the fork. */
static void reaped_window(const meter_options *o, double parent_rss, const struct rusage *root,
                          const struct rusage *child, double wall_s, meter_result *r)
{
    hml_err err;
    meter *m = NULL;
    assert_int_equal(meter_begin(&m, o, &err), HML_OK);
    meter_watch(m, 0, parent_rss);
    meter_add_reaped(m, root, true);
    if (child)
        meter_add_reaped(m, child, false);
    assert_int_equal(meter_end(m, wall_s, r, &err), HML_OK);
    meter_free(m);
}

/* Every metric a meter gives carries a unit and a method: no bare figure. */
static void no_metric_lacks_a_method(void **state)
{
    (void)state;
    meter_options o;
    quiet_options(&o);
    struct rusage root = usage_of(0.25, 0.0, 8 * MIB);
    meter_result r;
    reaped_window(&o, 0, &root, NULL, 1.0, &r);
    assert_true(r.metrics.count >= 12);
    for (size_t i = 0; i < r.metrics.count; i++) {
        const meter_metric *x = &r.metrics.items[i];
        if (!x->method[0] || !x->unit[0])
            fail_msg("%s has no %s", x->name, x->method[0] ? "unit" : "method");
    }
    meter_result_free(&r);
}

/* A helper inside the run reports its own CPU: it is taken off, never below
 * zero, and the notes name the helper. */
static void a_helpers_cpu_is_taken_off_and_said(void **state)
{
    (void)state;
    meter_options o;
    quiet_options(&o);
    hml_err err;
    meter *m = NULL;
    assert_int_equal(meter_begin(&m, &o, &err), HML_OK);
    struct rusage root = usage_of(3.0, 1.0, 8 * MIB);
    meter_add_reaped(m, &root, true);
    meter_subtract_helper_cpu(m, 0.5, 2.0, "capture"); /* more system time than the run had */
    meter_result r;
    assert_int_equal(meter_end(m, 5.0, &r, &err), HML_OK);
    assert_float_equal(must_find(&r, "user_s")->value, 2.5, 1e-6);
    assert_float_equal(must_find(&r, "sys_s")->value, 0.0, 1e-9);
    assert_float_equal(must_find(&r, "helper_cpu_s")->value, 1.5, 1e-6);
    assert_string_equal(must_find(&r, "helper_cpu_s")->method, "measured:getrusage");
    assert_non_null(strstr(r.notes, "capture's own CPU"));
    meter_result_free(&r);
    meter_free(m);
}

/* The kernel may charge the pages a fork copied from hmlcost to the root's
 * max RSS: a root peak no larger than hmlcost's own memory is not taken as
 * the command's. With no sample to go by, it is reported as a bound; with a
 * reaped child's peak to go by, that peak, and the notes say why. */
static void a_root_peak_below_the_parents_memory_is_not_the_commands(void **state)
{
    (void)state;
    meter_options o;
    quiet_options(&o);
    meter_result r;
    struct rusage root = usage_of(0.1, 0.0, 150 * MIB);
    struct rusage child = usage_of(0.2, 0.1, 40 * MIB);

    reaped_window(&o, 200 * MIB, &root, NULL, 1.0, &r);
    assert_float_equal(must_find(&r, "peak_rss_bytes")->value, 150 * MIB, 1024);
    assert_non_null(strstr(r.notes, "peak RSS is an upper bound"));
    meter_result_free(&r);

    reaped_window(&o, 200 * MIB, &root, &child, 1.0, &r);
    assert_float_equal(must_find(&r, "cpu_s")->value, 0.4, 1e-6); /* both processes' CPU */
    assert_float_equal(must_find(&r, "peak_rss_bytes")->value, 40 * MIB, 1024);
    assert_non_null(strstr(r.notes, "may hold hmlcost's own memory"));
    assert_null(strstr(r.notes, "upper bound"));
    meter_result_free(&r);

    /* Above hmlcost's own memory, the root's peak is the command's. */
    struct rusage big_root = usage_of(0.1, 0.0, 500 * MIB);
    reaped_window(&o, 200 * MIB, &big_root, &child, 1.0, &r);
    assert_float_equal(must_find(&r, "peak_rss_bytes")->value, 500 * MIB, 1024);
    assert_null(strstr(r.notes, "may hold"));
    meter_result_free(&r);
}

/* A live child is sampled: each sample sees one process with memory, time
 * goes forward, and the energy so far never decreases. */
static void samples_follow_a_live_tree(void **state)
{
    (void)state;
    meter_options o;
    quiet_options(&o);
    hml_err err;
    meter *m = NULL;
    assert_int_equal(meter_begin(&m, &o, &err), HML_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    setpgid(pid, pid);
    meter_watch(m, pid, 0);
    for (int i = 1; i <= 3; i++)
        meter_take_sample(m, 0.01 * i);
    assert_int_equal(meter_tree_count(m), 1);
    int escaped = -1;
    assert_int_equal(meter_kill_tree(m, &escaped), 1);
    assert_int_equal(escaped, 0);
    int status;
    struct rusage u;
    assert_int_equal(wait4(pid, &status, 0, &u), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    meter_add_reaped(m, &u, true);
    meter_result r;
    assert_int_equal(meter_end(m, 0.04, &r, &err), HML_OK);
    assert_int_equal(r.sample_count, 3);
    for (size_t i = 0; i < r.sample_count; i++) {
        const meter_sample *s = &r.samples[i];
        assert_int_equal(s->processes, 1);
        assert_true(s->rss_bytes > 0);
        assert_true(s->gpu_mem_bytes < 0); /* NVML off: not known */
        assert_true(isfinite(s->energy_j) && s->energy_j >= 0);
        if (i > 0) {
            assert_true(s->t_s > r.samples[i - 1].t_s);
            assert_true(s->energy_j >= r.samples[i - 1].energy_j);
        }
    }
    assert_true(must_find(&r, "peak_rss_bytes")->value >= r.samples[0].rss_bytes);
    meter_result_free(&r);
    meter_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accounting_names_parse_and_nothing_else),
        cmocka_unit_test(defaults_are_the_documented_ones),
        cmocka_unit_test(a_metric_list_holds_each_name_once),
        cmocka_unit_test(a_window_turns_reaped_usage_into_labelled_metrics),
        cmocka_unit_test(no_metric_lacks_a_method),
        cmocka_unit_test(a_helpers_cpu_is_taken_off_and_said),
        cmocka_unit_test(a_root_peak_below_the_parents_memory_is_not_the_commands),
        cmocka_unit_test(samples_follow_a_live_tree),
    };
    return cmocka_run_group_tests(tests, use_fake_host, NULL);
}
