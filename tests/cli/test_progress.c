/* What `hmlcost train` and `hmlcost run` print while they work when stderr
 * is not a terminal (a log, CI): whole lines, one per epoch or run, with no
 * cursor movement. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "cli/run_progress.h"
#include "cli/stderr_capture.h"
#include "cli/train_progress.h"

static void train_prints_a_line_per_finished_epoch_only(void **state)
{
    (void)state;
    train_progress st = {.tty = false};
    workload_progress mid = {.epoch = 1, .epochs = 2, .images_done = 100, .images_total = 500,
                             .loss = 2.5, .images_per_s = 900, .epoch_elapsed_s = 0.1};
    workload_progress end = {.epoch = 1, .epochs = 2, .images_done = 500, .images_total = 500,
                             .loss = 2.25, .images_per_s = 1000, .epoch_elapsed_s = 0.5,
                             .epoch_done = true};
    stderr_capture cap;
    char text[512];
    stderr_capture_begin(&cap);
    train_progress_show(&mid, &st);
    train_progress_show(&end, &st);
    stderr_capture_end(&cap, text, sizeof text);
    assert_string_equal(text, "epoch 1/2: loss 2.2500, 1000 images/s, 0.5 s\n");
}

/* A run's figures as the runner hands them over. */
static void add_figures(meter_metrics *m)
{
    assert_int_equal(meter_metrics_set(m, "wall_s", 1.5, "s", "measured"), 0);
    assert_int_equal(meter_metrics_set(m, "cpu_s", 1.25, "s", "measured"), 0);
    assert_int_equal(meter_metrics_set(m, "peak_rss_bytes", 2.0 * 1024 * 1024, "B", "measured"), 0);
    assert_int_equal(meter_metrics_set(m, "energy_total_j", 12.0, "J", "estimate:tdp"), 0);
    assert_int_equal(meter_metrics_set(m, "energy_cpu_j", 12.0, "J", "estimate:tdp"), 0);
}

static void run_prints_start_and_a_line_per_finished_run(void **state)
{
    (void)state;
    plan_arm arm = {.name = "baseline", .is_baseline = true};
    meter_metrics metrics = {0};
    add_figures(&metrics);
    stderr_capture cap;
    char text[2048];
    stderr_capture_begin(&cap);
    run_progress pr;
    run_progress_init(&pr);
    runner_event start = {.kind = RUNNER_EVENT_START, .total = 4, .experiment_id = 9};
    runner_event begin = {.kind = RUNNER_EVENT_RUN_BEGIN, .done = 0, .total = 4, .arm = &arm,
                          .run_index = 1, .eta_s = -1};
    runner_event done = {.kind = RUNNER_EVENT_RUN_DONE, .done = 1, .total = 4, .arm = &arm,
                         .run_index = 1, .status = STORE_RUN_OK, .metrics = &metrics,
                         .eta_s = 4.5};
    run_progress_event(&pr, &start);
    run_progress_event(&pr, &begin);
    run_progress_event(&pr, &done);
    run_progress_end(&pr);
    stderr_capture_end(&cap, text, sizeof text);
    meter_metrics_free(&metrics);
    assert_false(pr.tty);
    assert_string_equal(text,
                        "hmlcost run: experiment 9: 4 runs\n"
                        "hmlcost run: 1/4 baseline #1 ok wall 1.500 s, cpu 1.250 s, peak 2.0 MiB, "
                        "energy 12.00 J (estimate)\n");
}

static void run_says_when_it_resumes_and_names_the_failure(void **state)
{
    (void)state;
    plan_arm arm = {.name = "smelly", .is_baseline = false};
    meter_metrics metrics = {0};
    assert_int_equal(meter_metrics_set(&metrics, "wall_s", 0.25, "s", "measured"), 0);
    assert_int_equal(meter_metrics_set(&metrics, "cpu_s", 0.125, "s", "measured"), 0);
    assert_int_equal(meter_metrics_set(&metrics, "peak_rss_bytes", 1024, "B", "measured"), 0);
    assert_int_equal(meter_metrics_set(&metrics, "energy_total_j", 3.0, "J", "rapl"), 0);
    assert_int_equal(meter_metrics_set(&metrics, "energy_cpu_j", 3.0, "J", "rapl"), 0);
    stderr_capture cap;
    char text[2048];
    stderr_capture_begin(&cap);
    run_progress pr;
    run_progress_init(&pr);
    runner_event start = {.kind = RUNNER_EVENT_START, .total = 6, .done = 2, .resumed = true,
                          .leftovers_ended = 1, .experiment_id = 3};
    runner_event done = {.kind = RUNNER_EVENT_RUN_DONE, .done = 3, .total = 6, .arm = &arm,
                         .run_index = 2, .status = STORE_RUN_TIMEOUT, .reason = "timeout 5 s",
                         .metrics = &metrics, .eta_s = 1};
    run_progress_event(&pr, &start);
    run_progress_event(&pr, &done);
    run_progress_end(&pr);
    stderr_capture_end(&cap, text, sizeof text);
    meter_metrics_free(&metrics);
    assert_string_equal(text,
                        "hmlcost run: ended 1 process that a crashed run on this store had left "
                        "running\n"
                        "hmlcost run: resuming experiment 3: 2 of 6 runs stored\n"
                        "hmlcost run: 3/6 smelly #2 timeout (timeout 5 s) wall 0.250 s, cpu 0.125 s, "
                        "peak 1.0 KiB, energy 3.00 J (counters)\n");
}

/* A run that could not start has no figures: the line says so instead of
 * printing "nan" and naming counters that were never read. */
static void run_without_figures_says_nothing_was_measured(void **state)
{
    (void)state;
    plan_arm arm = {.name = "broken", .is_baseline = false};
    stderr_capture cap;
    char text[2048];
    stderr_capture_begin(&cap);
    run_progress pr;
    run_progress_init(&pr);
    runner_event done = {.kind = RUNNER_EVENT_RUN_DONE, .done = 1, .total = 2, .arm = &arm,
                         .run_index = 1, .status = STORE_RUN_ERROR,
                         .reason = "cannot execute 'nope'", .metrics = NULL, .eta_s = 1};
    run_progress_event(&pr, &done);
    run_progress_end(&pr);
    stderr_capture_end(&cap, text, sizeof text);
    assert_string_equal(text, "hmlcost run: 1/2 broken #1 error (cannot execute 'nope'), "
                              "nothing measured\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(train_prints_a_line_per_finished_epoch_only),
        cmocka_unit_test(run_prints_start_and_a_line_per_finished_run),
        cmocka_unit_test(run_says_when_it_resumes_and_names_the_failure),
        cmocka_unit_test(run_without_figures_says_nothing_was_measured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
