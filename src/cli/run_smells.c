#include "cli/run_smells.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/capture_scan.h"
#include "cli/cli.h"
#include "doctor/doctor.h"
#include "meter/host.h"

extern char **environ;

void run_smell_options_init(run_smell_options *o)
{
    memset(o, 0, sizeof *o);
    o->request.libpath_entries = -1;
}

bool run_smell_option(run_smell_options *o, int code, const char *arg, hml_status *status,
                      hml_err *err)
{
    long value = 0;
    *status = HML_OK;
    switch (code) {
    case RUN_SMELL_OPT_SMELL:
        o->smells = arg;
        return true;
    case RUN_SMELL_OPT_WORKLOAD:
        o->workload = arg;
        return true;
    case RUN_SMELL_OPT_ACCURACY_REGEX:
        o->accuracy_regex = arg;
        return true;
    case RUN_SMELL_OPT_KEEP_STALE:
        o->request.keep_stale_models = true;
        return true;
    case RUN_SMELL_OPT_LIBPATH_DIRS:
        o->request.libpath_dirs = arg;
        o->libpath_dirs_given = true;
        return true;
    case RUN_SMELL_OPT_MODEL_BUILDS:
        *status = cli_parse_long("model-builds", arg, 2, 1000, &value, err);
        o->request.model_builds = value;
        return true;
    case RUN_SMELL_OPT_SMELL_BATCH:
        *status = cli_parse_long("smell-batch", arg, 1, 1048576, &value, err);
        o->request.smell_batch = value;
        return true;
    case RUN_SMELL_OPT_BASELINE_BATCH:
        *status = cli_parse_long("baseline-batch", arg, 1, 1048576, &value, err);
        o->request.baseline_batch = value;
        return true;
    case RUN_SMELL_OPT_SMELL_THREADS:
        *status = cli_parse_long("smell-threads", arg, 1, 4096, &value, err);
        o->request.smell_threads = value;
        return true;
    case RUN_SMELL_OPT_LIBPATH_ENTRIES:
        *status = cli_parse_long("libpath-entries", arg, 0, 3000, &value, err);
        o->request.libpath_entries = value;
        return true;
    default:
        return false;
    }
}

static hml_status self_exe(char *buf, size_t size, hml_err *err)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0 || (size_t)n >= size - 1)
        return hml_fail(err, HML_ESYSTEM, "run: cannot find the hmlcost binary (/proc/self/exe)");
    buf[n] = '\0';
    return HML_OK;
}

/* Is the libpath smell among the selected ones? */
static bool libpath_selected(const run_smell_options *o)
{
    const smell_variant *chosen[16];
    size_t n = 0;
    hml_err ignored;
    if (smell_select(o->smells, o->request.keep_stale_models, chosen, &n, &ignored) != HML_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(chosen[i]->smell, "libpath") == 0)
            return true;
    return false;
}

static hml_status add_arm(plan *p, const smell_arm *a, const run_smell_options *o,
                          const char *exe, hml_err *err)
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
        if (o->accuracy_regex) {
            char *argv[] = {(char *)exe, "capture", "--accuracy-regex", (char *)o->accuracy_regex,
                            "--", "/bin/sh", "-c", a->command};
            st = plan_arm_set_argv(arm, 8, argv, err);
        } else {
            char *argv[] = {"/bin/sh", "-c", a->command};
            st = plan_arm_set_argv(arm, 3, argv, err);
        }
    }
    return st;
}

hml_status run_smell_plan(plan *p, const run_smell_options *o, const char *baseline_mode,
                          int argc, char **argv, hml_err *err)
{
    smell_request req = o->request;
    req.smells = o->smells;
    if (!baseline_mode || strcmp(baseline_mode, "shared") == 0)
        req.baseline = SMELL_BASELINE_SHARED;
    else if (strcmp(baseline_mode, "per-smell") == 0)
        req.baseline = SMELL_BASELINE_PER_SMELL;
    else
        return hml_fail(err, HML_EUSAGE, "--baseline: with --smell it is 'shared' or "
                        "'per-smell', not '%s'", baseline_mode);
    if (o->accuracy_regex && !o->workload)
        return hml_fail(err, HML_EUSAGE, "--accuracy-regex: only for a --workload command "
                        "(hmlcost train reports its accuracy itself)");
    if (o->workload && argc > 0)
        return hml_fail(err, HML_EUSAGE, "run: with --workload the command is in 'CMD'; "
                        "unexpected argument '%s'", argv[0]);
    if (o->accuracy_regex) {
        capture_scan scan;
        hml_status st = capture_scan_init(&scan, o->accuracy_regex, err);
        if (st != HML_OK)
            return st;
        capture_scan_free(&scan);
    }
    char exe[PATH_MAX];
    hml_status st = self_exe(exe, sizeof exe, err);
    if (st != HML_OK)
        return st;

    /* The CPUs this process may use (affinity, cgroup quota), as doctor sees them. */
    doctor_context ctx = {
        .env = environ,
        .ld_cache = "/etc/ld.so.cache",
        .system_dirs = doctor_default_system_dirs,
    };
    ctx.workload.command = o->workload;
    st = meter_host_facts(&ctx.host, err);
    if (st != HML_OK)
        return st;
    smell_workload wl = {
        .command = o->workload,
        .train_args = o->workload ? NULL : argv,
        .train_argc = o->workload ? 0 : (size_t)argc,
        .cpus = host_usable_cpus(&ctx.host),
        .ld_library_path = getenv("LD_LIBRARY_PATH"),
    };
    char *other_builds = NULL;
    if (!o->libpath_dirs_given && o->smells && libpath_selected(o)) {
        st = doctor_other_build_dirs(&ctx, doctor_default_other_build_globs, &other_builds, err);
        if (st != HML_OK)
            return st;
        req.libpath_dirs = other_builds;
    }
    smell_arms arms;
    st = smell_arms_build(&req, &wl, &arms, err);
    free(other_builds);
    if (st != HML_OK)
        return st;

    if (!o->workload) {
        char *command[] = {exe, "train"};
        st = plan_set_command(p, 2, command, err);
    }
    for (size_t i = 0; st == HML_OK && i < arms.count; i++)
        st = add_arm(p, &arms.arm[i], o, exe, err);
    if (st == HML_OK)
        st = plan_set_baseline(p, arms.arm[0].name, err);
    if (st == HML_OK) {
        fprintf(stderr, "hmlcost run: %zu arms for %s (%ld CPUs available):\n", arms.count,
                o->workload ? "the --workload command" : "hmlcost train", wl.cpus);
        for (size_t i = 0; i < arms.count; i++) {
            const smell_arm *a = &arms.arm[i];
            fprintf(stderr, "  %-22s %s%s%s\n", a->name, a->smell ? a->treatment : "baseline",
                    a->baseline ? " vs " : "", a->baseline ? a->baseline : "");
        }
    }
    smell_arms_free(&arms);
    return st;
}
