#include "runner/plan_smells.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/capture_scan.h"

hml_status plan_smell_study_check(const plan_smell_study *study, hml_err *err)
{
    if (study->accuracy_regex && !study->workload)
        return hml_fail(err, HML_EUSAGE, "--accuracy-regex: only for a --workload command "
                        "(hmlcost train reports its accuracy itself)");
    if (study->workload && study->train_argc > 0)
        return hml_fail(err, HML_EUSAGE, "run: with --workload the command is in 'CMD'; "
                        "unexpected argument '%s'", study->train_args[0]);
    if (study->accuracy_regex) {
        capture_scan scan;
        hml_status st = capture_scan_init(&scan, study->accuracy_regex, err);
        if (st != HML_OK)
            return st;
        capture_scan_free(&scan);
    }
    return HML_OK;
}

static hml_status add_arm(plan *p, const smell_arm *a, const plan_smell_study *study,
                          hml_err *err)
{
    plan_arm *arm = NULL;
    hml_status st = plan_add_arm(p, a->name, &arm, err);
    if (st == HML_OK && a->smell)
        st = plan_arm_set_smell(arm, a->smell->id, err);
    if (st == HML_OK && a->baseline)
        st = plan_arm_set_compare_with(arm, a->baseline, err);
    for (size_t i = 0; st == HML_OK && i < a->env_count; i++) {
        size_t len = strlen(a->env[i].name) + (a->env[i].value ? strlen(a->env[i].value) + 1 : 0);
        char *change = malloc(len + 1);
        if (!change)
            return hml_fail(err, HML_ESYSTEM, "run: out of memory");
        snprintf(change, len + 1, "%s%s%s", a->env[i].name, a->env[i].value ? "=" : "",
                 a->env[i].value ? a->env[i].value : "");
        st = plan_arm_add_env(arm, change, err);
        free(change);
    }
    for (size_t i = 0; st == HML_OK && i < a->argc; i++)
        st = plan_arm_add_arg(arm, a->argv[i], err);
    if (st == HML_OK && a->command) {
        if (study->accuracy_regex) {
            char *argv[] = {(char *)study->hmlcost, "capture", "--accuracy-regex",
                            (char *)study->accuracy_regex, "--", "/bin/sh", "-c", a->command};
            st = plan_arm_set_argv(arm, 8, argv, err);
        } else {
            char *argv[] = {"/bin/sh", "-c", a->command};
            st = plan_arm_set_argv(arm, 3, argv, err);
        }
    }
    return st;
}

hml_status plan_add_smell_study(plan *p, const plan_smell_study *study, smell_arms *arms,
                                hml_err *err)
{
    smell_workload wl = {
        .command = study->workload,
        .train_args = study->workload ? NULL : study->train_args,
        .train_argc = study->workload ? 0 : study->train_argc,
        .cpus = study->cpus,
        .ld_library_path = getenv("LD_LIBRARY_PATH"),
    };
    hml_status st = smell_arms_build(&study->request, &wl, arms, err);
    if (st != HML_OK)
        return st;
    if (!study->workload) {
        char *command[] = {(char *)study->hmlcost, "train"};
        st = plan_set_command(p, 2, command, err);
    }
    for (size_t i = 0; st == HML_OK && i < arms->count; i++)
        st = add_arm(p, &arms->arm[i], study, err);
    if (st == HML_OK)
        st = plan_set_baseline(p, arms->arm[0].name, err);
    if (st != HML_OK)
        smell_arms_free(arms);
    return st;
}
