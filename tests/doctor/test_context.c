/* The doctor's context of a process (environment, loader, workload, host
 * from a host file) and the probe's progress lines, without probing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/host.h"
#include "doctor/doctor.h"
#include "doctor/output.h"

static int use_zen5_host(void **state)
{
    (void)state;
    return setenv(HOST_FILE_ENV, HMLCOST_TEST_SOURCE_DIR "/hosts/epyc-zen5-vm.ini", 1);
}

static void train_arguments_fill_the_workload(void **state)
{
    (void)state;
    char *env[] = {"OMP_NUM_THREADS=3", NULL};
    char *args[] = {"--epochs", "1", "--batch", "128", "--threads", "2"};
    doctor_context ctx;
    hml_err err;
    assert_int_equal(doctor_context_of_process(&ctx, env, NULL, args, 6, &err), HML_OK);
    assert_ptr_equal(ctx.env, env);
    assert_string_equal(ctx.ld_cache, "/etc/ld.so.cache");
    assert_ptr_equal(ctx.system_dirs, doctor_default_system_dirs);
    assert_ptr_equal(ctx.blas_names, doctor_default_blas_names);
    assert_null(ctx.workload.command);
    assert_int_equal(ctx.workload.batch, 128);
    assert_int_equal(ctx.workload.threads, 2);
    assert_string_equal(ctx.workload.device, "cpu");
    assert_null(ctx.probe);
    assert_string_equal(ctx.host.cpu_model, "AMD EPYC 9B45");
    assert_int_equal(ctx.host.logical_cpus, 2);
}

static void a_command_is_audited_as_given(void **state)
{
    (void)state;
    char *env[] = {NULL};
    doctor_context ctx;
    hml_err err;
    assert_int_equal(doctor_context_of_process(&ctx, env, "python3 train.py", NULL, 0, &err),
                     HML_OK);
    assert_string_equal(ctx.workload.command, "python3 train.py");
    assert_int_equal(ctx.workload.batch, 0);
}

static void bad_train_arguments_are_a_usage_error(void **state)
{
    (void)state;
    char *env[] = {NULL};
    char *args[] = {"--batch", "x"};
    doctor_context ctx;
    hml_err err;
    assert_int_equal(doctor_context_of_process(&ctx, env, NULL, args, 2, &err), HML_EUSAGE);
    assert_int_equal(err.status, HML_EUSAGE);
    assert_string_equal(err.msg, "doctor: train arguments: --batch: 'x' is not an integer");
}

static void a_bad_host_file_is_reported(void **state)
{
    (void)state;
    setenv(HOST_FILE_ENV, HMLCOST_TEST_SOURCE_DIR "/hosts/no-such-host.ini", 1);
    char *env[] = {NULL};
    doctor_context ctx;
    hml_err err;
    assert_int_not_equal(doctor_context_of_process(&ctx, env, "true", NULL, 0, &err), HML_OK);
    assert_non_null(strstr(err.msg, "no-such-host.ini"));
}

/* fn's lines for one trial before and after it ran, into a string. */
static char *progress_of(const probe_trial *t)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    doctor_output_probe_progress(t, 1, 9, false, out);
    doctor_output_probe_progress(t, 1, 9, true, out);
    fclose(out);
    return text;
}

static void the_probe_says_what_each_trial_gave(void **state)
{
    (void)state;
    probe_trial t = {.batch = 64, .threads = 4, .ran = true, .images_per_s = 812.4};
    char *text = progress_of(&t);
    assert_string_equal(text, "hmlcost doctor: probe 2/9: batch 64, 4 threads ... 812 images/s\n");
    free(text);
    t = (probe_trial){.batch = 16, .threads = 1, .ran = true, .images_per_s = 0, .wall_s = 1.5};
    text = progress_of(&t);
    assert_string_equal(text, "hmlcost doctor: probe 2/9: batch 16, 1 thread ... 1.50 s\n");
    free(text);
    t = (probe_trial){.batch = 1024, .threads = 2, .ran = false};
    snprintf(t.note, sizeof t.note, "over the budget\x1b[2J");
    text = progress_of(&t);
    assert_int_equal(strncmp(text, "hmlcost doctor: probe 2/9: batch 1024, 2 threads ... over the "
                                   "budget", 68), 0);
    assert_null(strchr(text, '\x1b'));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(train_arguments_fill_the_workload, use_zen5_host),
        cmocka_unit_test_setup(a_command_is_audited_as_given, use_zen5_host),
        cmocka_unit_test_setup(bad_train_arguments_are_a_usage_error, use_zen5_host),
        cmocka_unit_test(a_bad_host_file_is_reported),
        cmocka_unit_test(the_probe_says_what_each_trial_gave),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
