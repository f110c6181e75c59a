/* A smell study as a plan: hmlcost train's arms with their arguments and
 * environment, a workload command through sh (and through capture with an
 * accuracy regex), the first arm as baseline, and the refused combinations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "runner/plan_smells.h"

static void train_arms_run_hmlcost_train_with_their_changes(void **state)
{
    (void)state;
    char *args[] = {"--epochs", "1"};
    plan_smell_study study = {.request = {.smells = "minibatch,parallelism",
                                          .libpath_entries = -1},
                              .train_args = args, .train_argc = 2,
                              .hmlcost = "/opt/hmlcost", .cpus = 2};
    hml_err err;
    assert_int_equal(plan_smell_study_check(&study, &err), HML_OK);
    plan p;
    plan_init(&p);
    smell_arms arms;
    assert_int_equal(plan_add_smell_study(&p, &study, &arms, &err), HML_OK);
    assert_int_equal(p.argc, 2);
    assert_string_equal(p.argv[0], "/opt/hmlcost");
    assert_string_equal(p.argv[1], "train");
    assert_int_equal(p.arm_count, arms.count);
    assert_int_equal(p.arm_count, 3);
    assert_string_equal(p.arms[0].name, "baseline");
    assert_true(p.arms[0].is_baseline);
    const plan_arm *par = plan_find_arm(&p, "parallelism");
    assert_non_null(par);
    assert_string_equal(par->smell, "parallelism");
    assert_string_equal(par->compare_with, "baseline");
    /* 8x the 2 CPUs, in the arguments and in the environment */
    assert_string_equal(par->args[par->arg_count - 1], "16");
    assert_string_equal(par->env[0], "OMP_NUM_THREADS=16");
    smell_arms_free(&arms);
    plan_free(&p);
}

static void a_workload_with_a_regex_runs_through_capture(void **state)
{
    (void)state;
    plan_smell_study study = {.request = {.smells = "parallelism", .libpath_entries = -1},
                              .workload = "python3 train.py --threads {threads}",
                              .accuracy_regex = "acc=([0-9.]+)",
                              .hmlcost = "/opt/hmlcost", .cpus = 1};
    hml_err err;
    assert_int_equal(plan_smell_study_check(&study, &err), HML_OK);
    plan p;
    plan_init(&p);
    smell_arms arms;
    assert_int_equal(plan_add_smell_study(&p, &study, &arms, &err), HML_OK);
    const plan_arm *par = plan_find_arm(&p, "parallelism");
    assert_non_null(par);
    assert_int_equal(par->argc, 8);
    const char *want[] = {"/opt/hmlcost", "capture", "--accuracy-regex", "acc=([0-9.]+)", "--",
                          "/bin/sh", "-c", "python3 train.py --threads 8"};
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(par->argv[i], want[i]);
    smell_arms_free(&arms);
    plan_free(&p);

    /* without a regex: sh alone */
    study.accuracy_regex = NULL;
    plan_init(&p);
    assert_int_equal(plan_add_smell_study(&p, &study, &arms, &err), HML_OK);
    par = plan_find_arm(&p, "parallelism");
    assert_int_equal(par->argc, 3);
    assert_string_equal(par->argv[0], "/bin/sh");
    assert_null(p.argv);
    smell_arms_free(&arms);
    plan_free(&p);
}

static void refused_combinations_say_which_option(void **state)
{
    (void)state;
    hml_err err;
    char *args[] = {"--epochs"};
    plan_smell_study study = {.request = {.smells = "all"}, .accuracy_regex = "a=(.*)"};
    assert_int_equal(plan_smell_study_check(&study, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--accuracy-regex: only for a --workload command"));
    study = (plan_smell_study){.workload = "true", .train_args = args, .train_argc = 1};
    assert_int_equal(plan_smell_study_check(&study, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "unexpected argument '--epochs'"));
    study = (plan_smell_study){.workload = "true", .accuracy_regex = "a=(x"};
    assert_int_equal(plan_smell_study_check(&study, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--accuracy-regex: 'a=(x'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(train_arms_run_hmlcost_train_with_their_changes),
        cmocka_unit_test(a_workload_with_a_regex_runs_through_capture),
        cmocka_unit_test(refused_combinations_say_which_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
