/* Fitness to measure over a fake /proc and /sys tree: what is read before
 * and after a run, the metrics made of it, and when a run counts as
 * measured on a busy machine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meter/fake_tree.h"
#include "meter/fitness.h"

#define near(a, b) assert_true((a) > (b) - 1e-9 && (a) < (b) + 1e-9)

static double metric(const meter_metrics *list, const char *name)
{
    const meter_metric *m = meter_metrics_find(list, name);
    if (!m)
        fail_msg("metric %s is missing", name);
    return m->value;
}

/* A 4-CPU machine on which the run may use CPUs 0 and 1. */
static void write_machine(const char *root, long busy0, long busy1, long busy2, long swapped,
                          const char *load, const char *khz, const char *throttles)
{
    char stat[1024];
    long hz = sysconf(_SC_CLK_TCK);
    /* user nice system idle iowait irq softirq steal: busy split over user and steal */
    snprintf(stat, sizeof stat,
             "cpu  1 2 3 4 5 6 7 8 0 0\n"
             "cpu0 %ld 0 0 9999 0 0 0 0 0 0\n"
             "cpu1 %ld 0 0 9999 0 0 0 %ld 0 0\n"
             "cpu2 %ld 0 0 9999 0 0 0 0 0 0\n"
             "cpu3 0 0 0 9999 0 0 0 0 0 0\n"
             "intr 1 2 3\nprocs_running 3\n",
             busy0 * hz, busy1 * hz / 2, busy1 * hz / 2, busy2 * hz);
    fake_tree_write(root, "proc/stat", stat);
    char vmstat[256];
    snprintf(vmstat, sizeof vmstat, "nr_free_pages 5\npswpin %ld\npswpout %ld\npgfault 9\n",
             swapped, 2 * swapped);
    fake_tree_write(root, "proc/vmstat", vmstat);
    fake_tree_write(root, "proc/loadavg", load);
    fake_tree_write(root, "proc/self/status", "Name:\tx\nCpus_allowed_list:\t0-1\nVoluntary: 1\n");
    fake_tree_write(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", khz);
    fake_tree_write(root, "sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq", khz);
    fake_tree_write(root, "sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count", throttles);
    fake_tree_write(root, "sys/devices/system/cpu/cpu0/thermal_throttle/package_throttle_count", "0\n");
}

static void a_run_records_load_others_swap_frequency_and_throttling(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-fit-XXXXXX";
    assert_non_null(mkdtemp(root));
    write_machine(root, 100, 200, 500, 10, "0.50 0.40 0.30 1/100 42\n", "2000000\n", "3\n");
    fitness_snapshot before, after;
    fitness_read(root, &before);
    assert_int_equal(before.cpus, 2);
    assert_true(before.have_load && before.have_stat && before.have_swap && before.have_freq &&
                before.have_throttle);
    /* 10 s: CPUs 0-1 busy 18 s more (CPU 2's 50 s are not the run's CPUs),
     * 40 pages more swapped, the clock down to 1.5 GHz, 2 throttles. */
    write_machine(root, 110, 208, 550, 50, "1.75 0.90 0.40 2/100 43\n", "1500000\n", "5\n");
    fitness_read_after(root, &before, &after);
    meter_metrics out = {0};
    assert_int_equal(fitness_add_metrics(&before, &after, 12.0, 10.0, &out), 0);
    near(metric(&out, "fitness_load1_before"), 0.5);
    near(metric(&out, "fitness_load1_after"), 1.75);
    near(metric(&out, "fitness_cpus"), 2);
    near(metric(&out, "fitness_other_cpu"), (18.0 - 12.0) / 10.0);
    near(metric(&out, "fitness_swap_pages"), 120);
    near(metric(&out, "fitness_cpu_mhz_before"), 2000);
    near(metric(&out, "fitness_cpu_mhz_after"), 1500);
    near(metric(&out, "fitness_throttle_events"), 2);
    assert_string_equal(meter_metrics_find(&out, "fitness_other_cpu")->method, "proc:stat");
    assert_string_equal(meter_metrics_find(&out, "fitness_swap_pages")->method, "proc:vmstat");
    meter_metrics_free(&out);
    fake_tree_remove(root);
}

static void what_cannot_be_read_is_left_out(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-fit-XXXXXX";
    assert_non_null(mkdtemp(root));
    /* A VM: no cpufreq, no thermal_throttle. */
    fake_tree_write(root, "proc/self/status", "Cpus_allowed_list:\t0\n");
    fake_tree_write(root, "proc/loadavg", "0.10 0.10 0.10 1/10 1\n");
    fitness_snapshot before, after;
    fitness_read(root, &before);
    fitness_read_after(root, &before, &after);
    meter_metrics out = {0};
    assert_int_equal(fitness_add_metrics(&before, &after, 1.0, 1.0, &out), 0);
    assert_non_null(meter_metrics_find(&out, "fitness_load1_after"));
    assert_null(meter_metrics_find(&out, "fitness_other_cpu"));
    assert_null(meter_metrics_find(&out, "fitness_swap_pages"));
    assert_null(meter_metrics_find(&out, "fitness_cpu_mhz_after"));
    assert_null(meter_metrics_find(&out, "fitness_throttle_events"));
    meter_metrics_free(&out);
    /* Nothing at all. */
    fitness_read("/nonexistent", &before);
    assert_false(before.have_load || before.have_stat || before.have_swap);
    fake_tree_remove(root);
}

static void sysfs_files_the_first_cpu_lacks_are_not_looked_for(void **state)
{
    (void)state;
    char root[] = "/tmp/hmlcost-fit-XXXXXX";
    assert_non_null(mkdtemp(root));
    fake_tree_write(root, "proc/self/status", "Cpus_allowed_list:\t0-1\n");
    /* cpufreq on CPU 1 only, no thermal_throttle: nothing read. */
    fake_tree_write(root, "sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq", "1000000\n");
    fitness_snapshot before, after;
    fitness_read(root, &before);
    assert_false(before.have_freq || before.have_throttle);
    /* Files that were not there before the run are not read after it... */
    fake_tree_write(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "2000000\n");
    fake_tree_write(root, "sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count", "1\n");
    fitness_read_after(root, &before, &after);
    assert_false(after.have_freq || after.have_throttle);
    /* ...while a fresh reading finds them, on every allowed CPU. */
    fitness_read(root, &after);
    assert_true(after.have_freq && after.have_throttle);
    near(after.freq_mhz, 1500);
    fake_tree_remove(root);
}

static void busy_means_the_run_cpus_were_full_and_others_took_part(void **state)
{
    (void)state;
    /* 2 CPUs: the run used 1.2 of them and others 0.8. */
    assert_true(fitness_busy(1.2, 0.8, 2));
    /* Alone: a daemon's 0.05 CPU does not count. */
    assert_false(fitness_busy(1.95, 0.05, 2));
    /* Not full: a single-threaded run beside half a CPU of others. */
    assert_false(fitness_busy(1.0, 0.5, 2));
    /* At the thresholds: full at 90 %, others from 10 %. */
    assert_true(fitness_busy(1.6, 0.2, 2));
    assert_false(fitness_busy(1.6, 0.19, 2));
    assert_false(fitness_busy(1, 1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_run_records_load_others_swap_frequency_and_throttling),
        cmocka_unit_test(what_cannot_be_read_is_left_out),
        cmocka_unit_test(sysfs_files_the_first_cpu_lacks_are_not_looked_for),
        cmocka_unit_test(busy_means_the_run_cpus_were_full_and_others_took_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
