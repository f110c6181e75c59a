/* The threads, batch, reuse and BLAS checks on chosen hosts (the described
 * hosts of tests/hosts and hand-set facts) and environments, with and
 * without measured probes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/batch.h"
#include "doctor/probe_table.h"
#include "fixtures.h"
#include "hosts/host_table.h"

static doctor_report run_env(hml_status (*check)(const doctor_context *, doctor_report *, hml_err *),
                             char *const *env)
{
    doctor_context ctx = fixture_context(env, NULL);
    return fixture_run(check, &ctx);
}

/* ---- threads -------------------------------------------------------------- */

static void thread_counts_within_the_cpus_find_nothing(void **state)
{
    (void)state;
    char *env[] = {"OMP_NUM_THREADS=2", "OPENBLAS_NUM_THREADS=1", "MKL_NUM_THREADS= 2 ",
                   "TF_NUM_INTRAOP_THREADS=0", "TF_NUM_INTEROP_THREADS=1", NULL};
    doctor_report r = run_env(doctor_check_threads, env);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
    char *none[] = {NULL};
    r = run_env(doctor_check_threads, none);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
}

static void oversubscription_is_found_per_variable(void **state)
{
    (void)state;
    char *env[] = {"OMP_NUM_THREADS=16", "OPENBLAS_NUM_THREADS=3", "TF_NUM_INTRAOP_THREADS=8",
                   NULL};
    doctor_report r = run_env(doctor_check_threads, env);
    assert_int_equal(fixture_count(&r, "threads.oversubscribed"), 3);
    assert_int_equal(r.count, 3);
    const doctor_finding *f = doctor_report_find(&r, "threads.oversubscribed");
    assert_string_equal(f->summary, "OMP_NUM_THREADS=16 asks for more threads than the 2 CPUs "
                                    "available");
    assert_non_null(strstr(f->evidence, "8.0x oversubscription"));
    assert_string_equal(f->fix, "unset OMP_NUM_THREADS or set it to at most 2");
    doctor_report_free(&r);
}

static void train_threads_are_checked_too(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, NULL);
    ctx.workload.threads = 16;
    doctor_report r = fixture_run(doctor_check_threads, &ctx);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.finding[0].summary,
                        "--threads 16 asks for more threads than the 2 CPUs available");
    assert_string_equal(r.finding[0].fix, "pass --threads 2 (or leave it out)");
    doctor_report_free(&r);
    ctx.workload.threads = 2;
    r = fixture_run(doctor_check_threads, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
}

static void nested_products_are_found(void **state)
{
    (void)state;
    char *omp[] = {"OMP_NUM_THREADS=2,2", NULL};
    doctor_report r = run_env(doctor_check_threads, omp);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.finding[0].id, "threads.nested");
    assert_non_null(strstr(r.finding[0].evidence, "up to 4 threads"));
    doctor_report_free(&r);
    char *tf[] = {"TF_NUM_INTEROP_THREADS=2", "TF_NUM_INTRAOP_THREADS=2", NULL};
    r = run_env(doctor_check_threads, tf);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.finding[0].id, "threads.nested");
    doctor_report_free(&r);
    char *fine[] = {"OMP_NUM_THREADS=2,1", "TF_NUM_INTEROP_THREADS=1",
                    "TF_NUM_INTRAOP_THREADS=2", NULL};
    r = run_env(doctor_check_threads, fine);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
}

static void malformed_values_are_found(void **state)
{
    (void)state;
    const char *bad[] = {"OMP_NUM_THREADS=abc", "OMP_NUM_THREADS=0", "OMP_NUM_THREADS=",
                         "OMP_NUM_THREADS=2,", "OMP_NUM_THREADS=-1", "MKL_NUM_THREADS=4x",
                         "OPENBLAS_NUM_THREADS=99999999999999999999", "TF_NUM_INTRAOP_THREADS=-3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *env[] = {(char *)bad[i], NULL};
        doctor_report r = run_env(doctor_check_threads, env);
        assert_int_equal(r.count, 1);
        assert_string_equal(r.finding[0].id, "threads.malformed");
        doctor_report_free(&r);
    }
}

static void the_cgroup_quota_lowers_the_cpus(void **state)
{
    (void)state;
    char *env[] = {"OMP_NUM_THREADS=2", NULL};
    doctor_context ctx = fixture_context(env, NULL);
    ctx.host.cpu_quota = 1.0;
    doctor_report r = fixture_run(doctor_check_threads, &ctx);
    assert_int_equal(r.count, 1);
    assert_non_null(strstr(r.finding[0].evidence, "a cgroup CPU quota of 1.00 CPUs"));
    doctor_report_free(&r);
    ctx.host.cpu_quota = 1.5; /* rounds up to 2 */
    r = fixture_run(doctor_check_threads, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
    ctx.host.cpu_quota = 0;
    ctx.host.allowed_cpus = 1; /* taskset -c 0 */
    r = fixture_run(doctor_check_threads, &ctx);
    assert_int_equal(r.count, 1);
    doctor_report_free(&r);
}

/* ---- batch and reuse ------------------------------------------------------ */

static void the_reference_model_has_the_studys_shapes(void **state)
{
    (void)state;
    doctor_model_memory m = doctor_model_memory_at(1);
    assert_int_equal(m.parameters, 1250858);
    /* input 3072; conv1+relu 2x32768; conv2+relu 2x28800; pool 7200; conv3+relu
     * 2x14400; conv4+relu 2x10816; pool 2304; dense1+relu 2x512; dense2+softmax 2x10 */
    assert_int_equal(m.activations_per_image, 187188);
    assert_int_equal(m.gradients_per_image, 187188 - 3072);
    assert_int_equal(m.bytes, 4ULL * (187188 + 184116 + 4ULL * 1250858));
    assert_int_equal(doctor_model_memory_at(64).bytes - doctor_model_memory_at(0).bytes,
                     64ULL * 4 * (187188 + 184116));
}

static void batches_are_checked_against_memory_only(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, NULL);
    /* A working set many times the cache is no finding: whether a smaller
     * batch is faster is measured (--probe), not assumed. */
    ctx.host.l3_bytes = 8ULL << 20;
    for (long batch = 1; batch <= 1024; batch *= 2) {
        ctx.workload.batch = batch;
        doctor_report r = fixture_run(doctor_check_batch, &ctx);
        assert_int_equal(r.count, 0);
        doctor_report_free(&r);
    }

    ctx.workload.batch = 1024; /* 1.4 GiB */
    ctx.host.mem_available = 2ULL << 30;
    doctor_report r = fixture_run(doctor_check_batch, &ctx);
    assert_string_equal(r.finding[0].id, "batch.memory-pressure");
    doctor_report_free(&r);
    ctx.host.mem_available = 1ULL << 30;
    r = fixture_run(doctor_check_batch, &ctx);
    assert_string_equal(r.finding[0].id, "batch.exceeds-memory");
    assert_int_equal(r.finding[0].level, DOCTOR_ERROR);
    doctor_report_free(&r);

    /* On the GPU the batch lives in GPU memory. */
    ctx.host.mem_available = 24ULL << 30;
    ctx.workload.device = "cuda";
    ctx.host.gpu_mem_free = 1ULL << 30;
    snprintf(ctx.host.gpu_name, sizeof ctx.host.gpu_name, "Test GPU");
    r = fixture_run(doctor_check_batch, &ctx);
    assert_string_equal(r.finding[0].id, "batch.exceeds-memory");
    assert_non_null(strstr(r.finding[0].evidence, "free GPU memory on Test GPU"));
    doctor_report_free(&r);

    ctx.workload.command = "python3 train.py";
    r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
}

/* ---- the host table ------------------------------------------------------- */

static size_t count_all(const doctor_context *ctx)
{
    hml_status (*const checks[])(const doctor_context *, doctor_report *, hml_err *) = {
        doctor_check_threads, doctor_check_batch, doctor_check_reuse};
    size_t n = 0;
    for (size_t i = 0; i < 3; i++) {
        doctor_report r = fixture_run(checks[i], ctx);
        n += r.count;
        doctor_report_free(&r);
    }
    return n;
}

static void each_described_host_gets_the_advice_its_facts_support(void **state)
{
    (void)state;
    for (size_t i = 0; i < TEST_HOST_COUNT; i++) {
        const test_host *t = &test_hosts[i];
        print_message("host %s\n", t->file);
        char *clean[] = {NULL};
        doctor_context ctx = fixture_context(clean, NULL);
        fixture_host(&ctx, t->file);
        /* hmlcost train's defaults are clean everywhere, whatever the L3. */
        assert_int_equal(count_all(&ctx), 0);

        /* Threads: oversubscribed exactly above the usable CPUs (quota rounded up). */
        char at[48], above[48];
        snprintf(at, sizeof at, "OMP_NUM_THREADS=%ld", t->usable_cpus);
        snprintf(above, sizeof above, "OMP_NUM_THREADS=%ld", t->usable_cpus + 1);
        char *fits[] = {at, NULL}, *over[] = {above, NULL};
        ctx.env = fits;
        doctor_report r = fixture_run(doctor_check_threads, &ctx);
        assert_int_equal(r.count, 0);
        doctor_report_free(&r);
        ctx.env = over;
        r = fixture_run(doctor_check_threads, &ctx);
        assert_int_equal(fixture_count(&r, "threads.oversubscribed"), 1);
        /* Not measured: the benefit of the fix is labelled an assumption. */
        assert_non_null(strstr(r.finding[0].evidence, "assumption, not measured"));
        doctor_report_free(&r);
        ctx.env = clean;

        /* A large batch: only a memory fact (the 4 GiB container), or nothing. */
        ctx.workload.batch = 2048; /* 2.9 GiB */
        r = fixture_run(doctor_check_batch, &ctx);
        bool small_memory = ctx.host.mem_available < 6ULL << 30;
        assert_int_equal(r.count, small_memory ? 1 : 0);
        if (small_memory)
            assert_string_equal(r.finding[0].id, "batch.memory-pressure");
        doctor_report_free(&r);

        /* On the GPU node the CUDA batch is checked against the GPU's memory. */
        ctx.workload.device = "cuda";
        ctx.workload.batch = 65536; /* 92 GiB: fits 140 GiB free, over half of it */
        r = fixture_run(doctor_check_batch, &ctx);
        if (t->gpus) {
            assert_int_equal(r.count, 1);
            assert_string_equal(r.finding[0].id, "batch.memory-pressure");
            assert_non_null(strstr(r.finding[0].evidence, "on NVIDIA H200"));
        } else {
            assert_int_equal(r.count, 0); /* no GPU: nothing known to compare with */
        }
        doctor_report_free(&r);
    }
}

/* ---- the probe's numbers -------------------------------------------------- */

static probe_trial trial(long batch, long threads, double images_per_s, double loss)
{
    probe_trial t = {.batch = batch, .threads = threads, .ran = true, .images = 2048,
                     .images_per_s = images_per_s, .wall_s = 2048 / images_per_s + 1,
                     .energy_per_image_j = 0.01, .peak_rss_bytes = 1e8, .loss = loss};
    snprintf(t.energy_method, sizeof t.energy_method, "estimate:test");
    return t;
}

/* As measured on the AMD machine: batch 8 is slower than 64. */
static void measured_batches_decide_the_batch_advice(void **state)
{
    (void)state;
    probe_trial trials[] = {trial(64, 2, 1820, 2.0), trial(8, 2, 1092, 1.9),
                            trial(16, 2, 1400, 1.95), trial(128, 2, 1850, 2.1),
                            trial(256, 2, 2200, 2.2), trial(64, 1, 1000, 2.0),
                            trial(64, 4, 1500, 2.0)};
    probe_result probe = {.batch = 64, .threads = 2, .trial = trials, .count = 7, .noise = 0.02};
    snprintf(probe.measured_at, sizeof probe.measured_at, "2026-01-01T00:00:00Z");
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, NULL);
    fixture_host(&ctx, "epyc-zen5-vm.ini");
    ctx.probe = &probe;
    doctor_report r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.finding[0].id, "batch.measured-slower");
    assert_non_null(strstr(r.finding[0].fix, "use --batch 256"));
    assert_non_null(strstr(r.finding[0].fix, "+21%"));
    assert_non_null(strstr(r.finding[0].evidence, "batch 8 1092 images/s"));
    doctor_report_free(&r);
    dtext advice = {0};
    probe_recommendation_text(&probe, &advice);
    assert_non_null(strstr(text_str(&advice), "batch 256 with 2 threads: +21% images/s (2200 vs 1820)"));
    text_reset(&advice);

    /* A gain the repeated setting's own spread could explain is no gain;
     * an unknown spread makes every difference unproven. */
    probe.noise = 0.25;
    r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
    probe_recommendation_text(&probe, &advice);
    assert_non_null(strstr(text_str(&advice), "keep batch 64 with 2 threads: no setting measured "
                                              "more than 25% faster"));
    text_free(&advice);
    probe.noise = NAN;
    r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
    probe.noise = 0.02;

    /* Within the least gain (128 is +1.6%): no advice. */
    probe.count = 4;
    r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);

    /* A smaller batch is advised only when it was measured faster. */
    trials[1].images_per_s = 2500;
    r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 1);
    assert_non_null(strstr(r.finding[0].fix, "use --batch 8"));
    doctor_report_free(&r);

    /* A batch the probe did not try: nothing measured, nothing said. */
    ctx.workload.batch = 100;
    r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
}

static void measured_threads_decide_the_threads_advice(void **state)
{
    (void)state;
    probe_trial trials[] = {trial(64, 2, 1800, 2.0), trial(64, 1, 1000, 2.0),
                            trial(64, 4, 1200, 2.0)};
    probe_result probe = {.batch = 64, .threads = 2, .trial = trials, .count = 3, .noise = 0};
    char *over[] = {"OMP_NUM_THREADS=4", NULL};
    doctor_context ctx = fixture_context(over, NULL);
    fixture_host(&ctx, "sapphire-rapids-vm.ini");
    ctx.probe = &probe;
    doctor_report r = fixture_run(doctor_check_threads, &ctx);
    const doctor_finding *f = doctor_report_find(&r, "threads.oversubscribed");
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "4 threads 1200 images/s, 2 threads 1800 images/s (+50%)"));
    f = doctor_report_find(&r, "threads.measured-slower");
    assert_non_null(f);
    assert_non_null(strstr(f->fix, "run with 2 threads"));
    doctor_report_free(&r);
    probe.noise = 0.6; /* the machine changed more than the threads did */
    r = fixture_run(doctor_check_threads, &ctx);
    assert_null(doctor_report_find(&r, "threads.measured-slower"));
    doctor_report_free(&r);
    probe.noise = 0;

    /* The default (one per core) measured fastest: nothing to say. */
    char *clean[] = {NULL};
    ctx.env = clean;
    r = fixture_run(doctor_check_threads, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);

    /* One thread per core measured slower than 4 (the 2 logical CPUs of 1 core could be) */
    trials[2].images_per_s = 2000;
    r = fixture_run(doctor_check_threads, &ctx);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.finding[0].id, "threads.measured-slower");
    doctor_report_free(&r);
}

static void model_builds_above_one_are_found(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, NULL);
    doctor_report r = fixture_run(doctor_check_reuse, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
    ctx.workload.model_builds = 10;
    r = fixture_run(doctor_check_reuse, &ctx);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.finding[0].id, "reuse.model-builds");
    assert_null(strstr(r.finding[0].evidence, "alive"));
    doctor_report_free(&r);
    ctx.workload.keep_stale_models = true;
    r = fixture_run(doctor_check_reuse, &ctx);
    assert_non_null(strstr(r.finding[0].evidence, "keeps the 9 earlier models alive"));
    doctor_report_free(&r);
}

static void train_arguments_are_read(void **state)
{
    (void)state;
    char *args[] = {"--epochs", "1", "--batch=256", "--threads", "4", "--model-builds", "3",
                    "--keep-stale-models", "--device", "cuda"};
    doctor_workload wl;
    hml_err err;
    assert_int_equal(doctor_workload_from_train_args(args, 10, &wl, &err), HML_OK);
    assert_int_equal(wl.batch, 256);
    assert_int_equal(wl.threads, 4);
    assert_int_equal(wl.model_builds, 3);
    assert_true(wl.keep_stale_models);
    assert_string_equal(wl.device, "cuda");
    assert_int_equal(doctor_workload_from_train_args(NULL, 0, &wl, &err), HML_OK);
    assert_int_equal(wl.batch, 64);
    assert_int_equal(wl.model_builds, 1);
    assert_string_equal(wl.device, "cpu");
    char *bad[] = {"--batch", "0"};
    assert_int_equal(doctor_workload_from_train_args(bad, 2, &wl, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "train arguments: --batch: 0 is out of range [1, 1048576]");
}

/* ---- BLAS ----------------------------------------------------------------- */

/* Robust to the machine: when an OpenBLAS is installed and picks a lower
 * kernel than the CPU supports, the finding's fix must make it go away;
 * a name that does not load, and a library that is not OpenBLAS, give none. */
static void openblas_finding_goes_away_with_its_fix(void **state)
{
    (void)state;
    static const char *const names[] = {"libopenblas.so.0", NULL};
    char *env[] = {"PATH=/usr/bin:/bin", NULL};
    doctor_context ctx = fixture_context(env, "/etc/ld.so.cache");
    host_read_machine(&ctx.host, NULL); /* the kernels OpenBLAS picks depend on the real CPU */
    ctx.blas_names = names;
    doctor_report r = fixture_run(doctor_check_blas, &ctx);
    const doctor_finding *f = doctor_report_find(&r, "blas.coretype");
    if (!f) {
        assert_int_equal(r.count, 0);
        doctor_report_free(&r);
        print_message("skipped: no OpenBLAS here picks kernels below the CPU's\n");
        skip();
    }
    assert_int_equal(f->level, DOCTOR_WARNING);
    assert_non_null(strstr(f->evidence, "OPENBLAS_CORETYPE is unset"));
    const char *export = strstr(f->fix, "export OPENBLAS_CORETYPE=");
    assert_non_null(export);
    char coretype[64], setting[96];
    assert_int_equal(sscanf(export, "export OPENBLAS_CORETYPE=%63[A-Za-z0-9_]", coretype), 1);
    assert_non_null(strstr(f->evidence, "GFLOP/s"));
    doctor_report_free(&r);

    snprintf(setting, sizeof setting, "OPENBLAS_CORETYPE=%s", coretype);
    char *fixed[] = {setting, NULL};
    ctx.env = fixed;
    r = fixture_run(doctor_check_blas, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);

    char *bogus[] = {"OPENBLAS_CORETYPE=NoSuchCore", NULL};
    ctx.env = bogus;
    r = fixture_run(doctor_check_blas, &ctx);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.finding[0].id, "blas.coretype-ignored");
    doctor_report_free(&r);
}

static void libraries_that_are_not_openblas_are_ignored(void **state)
{
    (void)state;
    char *dir = fixture_tempdir(), path[4096], env_value[4200];
    snprintf(path, sizeof path, "%s/libopenblas.so.0", dir);
    fixture_fake_library(path, 2); /* an ELF header only: dlopen fails */
    snprintf(env_value, sizeof env_value, "LD_LIBRARY_PATH=%s", dir);
    static const char *const names[] = {"libopenblas.so.0", "libc.so.6", "libnosuch.so.9", NULL};
    char *env[] = {env_value, NULL};
    doctor_context ctx = fixture_context(env, "/etc/ld.so.cache");
    ctx.blas_names = names;
    doctor_report r = fixture_run(doctor_check_blas, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
    fixture_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thread_counts_within_the_cpus_find_nothing),
        cmocka_unit_test(oversubscription_is_found_per_variable),
        cmocka_unit_test(train_threads_are_checked_too),
        cmocka_unit_test(nested_products_are_found),
        cmocka_unit_test(malformed_values_are_found),
        cmocka_unit_test(the_cgroup_quota_lowers_the_cpus),
        cmocka_unit_test(the_reference_model_has_the_studys_shapes),
        cmocka_unit_test(batches_are_checked_against_memory_only),
        cmocka_unit_test(each_described_host_gets_the_advice_its_facts_support),
        cmocka_unit_test(measured_batches_decide_the_batch_advice),
        cmocka_unit_test(measured_threads_decide_the_threads_advice),
        cmocka_unit_test(model_builds_above_one_are_found),
        cmocka_unit_test(train_arguments_are_read),
        cmocka_unit_test(openblas_finding_goes_away_with_its_fix),
        cmocka_unit_test(libraries_that_are_not_openblas_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
