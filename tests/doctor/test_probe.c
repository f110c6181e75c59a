/* The probe's plan and how its trials are compared (doctor/probe.h): the
 * settings tried, the trial found and the fastest one, the least gain the
 * probe stands behind given the noise it measured, and how a host and a
 * workload are described for the store. No trial is run here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "doctor/probe.h"

static bool planned(const probe_result *r, long batch, long threads)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->trial[i].batch == batch && r->trial[i].threads == threads)
            return true;
    return false;
}

static void the_plan_varies_batch_then_threads_once_each(void **state)
{
    (void)state;
    probe_options o = {.batch = 100, .threads = 3, .cpus = 6};
    probe_result r = {0};
    hml_err err;
    assert_int_equal(probe_plan(&o, &r, &err), HML_OK);
    /* The workload's own setting first: it calibrates the rest. */
    assert_int_equal(r.trial[0].batch, 100);
    assert_int_equal(r.trial[0].threads, 3);
    assert_int_equal(r.batch, 100);
    assert_int_equal(r.threads, 3);
    for (long b = 16; b <= 1024; b *= 2)
        assert_true(planned(&r, b, 3));
    const long threads[] = {1, 2, 4, 8, 6, 12};
    for (size_t i = 0; i < 6; i++)
        assert_true(planned(&r, 100, threads[i]));
    assert_int_equal(r.count, 1 + 7 + 6);
    for (size_t i = 0; i < r.count; i++) {
        assert_false(r.trial[i].ran);
        assert_true(isnan(r.trial[i].images_per_s));
        for (size_t j = i + 1; j < r.count; j++)
            assert_false(r.trial[i].batch == r.trial[j].batch &&
                         r.trial[i].threads == r.trial[j].threads);
    }
    assert_true(isnan(r.noise));
    probe_result_free(&r);
    assert_int_equal(r.count, 0);

    /* A setting that is also a power of two is tried once. */
    probe_options pow2 = {.batch = 64, .threads = 2, .cpus = 2};
    assert_int_equal(probe_plan(&pow2, &r, &err), HML_OK);
    assert_int_equal(r.count, 1 + 6 + 2); /* batches but 64; threads 1 and 4 */
    probe_result_free(&r);
}

static probe_trial trial(long batch, long threads, bool ran, double rate, double wall)
{
    return (probe_trial){.batch = batch, .threads = threads, .ran = ran, .images_per_s = rate,
                         .wall_s = wall};
}

static void the_fastest_trial_is_ranked_by_rate_else_wall_time(void **state)
{
    (void)state;
    probe_trial t[] = {
        trial(64, 2, true, 1000, 3),
        trial(128, 2, true, 1500, 3),
        trial(256, 2, false, 9000, 1), /* did not run: never chosen */
        trial(64, 4, true, 1200, 2),
        trial(64, 1, true, NAN, 0.5),  /* no rate: 1 / wall = 2 */
    };
    probe_result r = {.trial = t, .count = 5, .noise = 0.01};
    assert_ptr_equal(probe_fastest(&r, 0, 2), &t[1]);
    assert_ptr_equal(probe_fastest(&r, 64, 0), &t[3]);
    assert_ptr_equal(probe_fastest(&r, 0, 0), &t[1]);
    assert_null(probe_fastest(&r, 512, 0));
    assert_null(probe_fastest(NULL, 0, 0));
    assert_true(probe_speed(&t[0]) == 1000);
    assert_true(probe_speed(&t[4]) == 2);
    probe_trial nothing = trial(1, 1, true, NAN, 0);
    assert_true(probe_speed(&nothing) == 0);

    assert_ptr_equal(probe_find(&r, 64, 4), &t[3]);
    assert_null(probe_find(&r, 256, 2)); /* planned but did not run */
    assert_null(probe_find(&r, 32, 2));
}

static void a_gain_must_beat_the_noise(void **state)
{
    (void)state;
    probe_trial own = trial(64, 2, true, 1000, 1), better = trial(128, 2, true, 1080, 1),
                much = trial(256, 2, true, 1300, 1);
    probe_result quiet = {.noise = 0.01};
    probe_result noisy = {.noise = 0.2};
    probe_result unknown = {.noise = NAN};
    assert_true(probe_min_gain(&quiet) == PROBE_MIN_GAIN);
    assert_true(probe_min_gain(&noisy) == 0.2);
    assert_true(isinf(probe_min_gain(&unknown)));

    double gain = -1;
    assert_true(probe_beats(&quiet, &own, &better, &gain));
    assert_float_equal(gain, 0.08, 1e-12);
    assert_false(probe_beats(&noisy, &own, &better, &gain));
    assert_true(probe_beats(&noisy, &own, &much, &gain));
    assert_false(probe_beats(&unknown, &own, &much, &gain)); /* no control: nothing is measured */
    assert_false(probe_beats(&quiet, &own, &own, &gain));
    assert_false(probe_beats(&quiet, NULL, &much, &gain));
    assert_true(gain == 0);
    assert_false(probe_beats(&quiet, &own, NULL, &gain));
}

static void a_workload_is_described_without_what_the_probe_varies(void **state)
{
    (void)state;
    char out[256];
    char *args[] = {"--epochs", "2", "--batch", "64", "--threads=4", "--lr", "0.1",
                    "--batch=32", "--threads", "8", "--data", "cifar"};
    probe_describe_workload(NULL, args, sizeof args / sizeof *args, out, sizeof out);
    assert_string_equal(out, "hmlcost train --epochs 2 --lr 0.1 --data cifar");
    probe_describe_workload("python train.py --batch {batch}", args, 2, out, sizeof out);
    assert_string_equal(out, "python train.py --batch {batch}");
    probe_describe_workload(NULL, NULL, 0, out, sizeof out);
    assert_string_equal(out, "hmlcost train");
}

static void a_host_is_described_by_what_changes_the_figures(void **state)
{
    (void)state;
    host_info h = {.cpu_vendor = "AuthenticAMD", .cpu_model = "AMD EPYC 9B45",
                   .cpu_family = 26, .cpu_model_id = 2, .logical_cpus = 16, .allowed_cpus = 8,
                   .cpu_quota = 4, .l3_bytes = 32ull << 20, .mem_total = 64ull << 30};
    char out[512];
    probe_describe_host(&h, out, sizeof out);
    assert_string_equal(out, "AMD EPYC 9B45 (AuthenticAMD family 26 model 2), 16 logical CPUs "
                             "(8 allowed, quota 4.00), L3 32 MiB, 65536 MiB memory");
    h.gpus = 1;
    snprintf(h.gpu_name, sizeof h.gpu_name, "NVIDIA H200");
    char with_gpu[512];
    probe_describe_host(&h, with_gpu, sizeof with_gpu);
    assert_true(strncmp(with_gpu, out, strlen(out)) == 0);
    assert_string_equal(with_gpu + strlen(out), ", GPU NVIDIA H200");
    host_info blank = {0};
    probe_describe_host(&blank, out, sizeof out);
    assert_true(strncmp(out, "unknown CPU", 11) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_plan_varies_batch_then_threads_once_each),
        cmocka_unit_test(the_fastest_trial_is_ranked_by_rate_else_wall_time),
        cmocka_unit_test(a_gain_must_beat_the_noise),
        cmocka_unit_test(a_workload_is_described_without_what_the_probe_varies),
        cmocka_unit_test(a_host_is_described_by_what_changes_the_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
