/* The threads, batch, reuse and BLAS checks on chosen hosts and
 * environments; cgroup quota reading on crafted cgroup trees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/batch.h"
#include "fixtures.h"

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

static void cgroup_files_are_read_v1_and_v2(void **state)
{
    (void)state;
    char *root = fixture_tempdir(), path[4096];
    /* v2: the quota of an ancestor applies to its descendants. */
    snprintf(path, sizeof path, "%s/jobs/job1", root);
    fixture_mkdirs(path);
    snprintf(path, sizeof path, "%s/jobs/cpu.max", root);
    fixture_write(path, "150000 100000\n");
    snprintf(path, sizeof path, "%s/jobs/job1/cpu.max", root);
    fixture_write(path, "max 100000\n");
    snprintf(path, sizeof path, "%s/jobs/job1/memory.max", root);
    fixture_write(path, "1073741824\n");
    assert_true(doctor_cgroup_cpu_quota(root, "0::/jobs/job1\n") == 1.5);
    assert_true(doctor_cgroup_memory_limit(root, "0::/jobs/job1\n") == 1073741824ULL);
    assert_true(doctor_cgroup_cpu_quota(root, "0::/\n") == 0);
    /* v1: the cpu controller's own hierarchy. */
    snprintf(path, sizeof path, "%s/cpu/batch", root);
    fixture_mkdirs(path);
    snprintf(path, sizeof path, "%s/cpu/batch/cpu.cfs_quota_us", root);
    fixture_write(path, "50000\n");
    snprintf(path, sizeof path, "%s/cpu/batch/cpu.cfs_period_us", root);
    fixture_write(path, "100000\n");
    snprintf(path, sizeof path, "%s/cpu/cpu.cfs_quota_us", root);
    fixture_write(path, "-1\n");
    snprintf(path, sizeof path, "%s/cpu/cpu.cfs_period_us", root);
    fixture_write(path, "100000\n");
    assert_true(doctor_cgroup_cpu_quota(root, "4:memory:/x\n1:cpu,cpuacct:/batch\n0::/\n") ==
                0.5);
    /* Garbage and unknown paths give "no quota", never a crash. */
    assert_true(doctor_cgroup_cpu_quota(root, "garbage") == 0);
    assert_true(doctor_cgroup_cpu_quota(root, NULL) == 0);
    assert_true(doctor_cgroup_cpu_quota("/nonexistent", "0::/a/b\n") == 0);
    fixture_rmrf(root);
    free(root);
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

static void batches_are_checked_against_cache_and_memory(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx = fixture_context(env, NULL);
    ctx.host.llc_bytes = 300ULL << 20;
    doctor_report r = fixture_run(doctor_check_batch, &ctx); /* batch 64: 110 MiB */
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);

    ctx.workload.batch = 1024; /* 1.4 GiB */
    r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.finding[0].id, "batch.exceeds-cache");
    assert_int_equal(r.finding[0].level, DOCTOR_WARNING);
    assert_string_equal(r.finding[0].fix, "use a batch of at most 128 (fits the L3 cache)");
    doctor_report_free(&r);

    /* The reference batch on a small cache is only information. */
    ctx.workload.batch = 64;
    ctx.host.llc_bytes = 8ULL << 20;
    r = fixture_run(doctor_check_batch, &ctx);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.finding[0].level, DOCTOR_INFO);
    doctor_report_free(&r);

    ctx.workload.batch = 1024;
    ctx.host.mem_available = 2ULL << 30;
    r = fixture_run(doctor_check_batch, &ctx);
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
        cmocka_unit_test(cgroup_files_are_read_v1_and_v2),
        cmocka_unit_test(the_reference_model_has_the_studys_shapes),
        cmocka_unit_test(batches_are_checked_against_cache_and_memory),
        cmocka_unit_test(model_builds_above_one_are_found),
        cmocka_unit_test(train_arguments_are_read),
        cmocka_unit_test(openblas_finding_goes_away_with_its_fix),
        cmocka_unit_test(libraries_that_are_not_openblas_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
