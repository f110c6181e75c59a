#include "cli/run_smells.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "doctor/doctor.h"
#include "meter/host.h"
#include "runner/plan_smells.h"

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

/* --libpath-dirs' default: the directories of other builds of the
 * workload's libraries on this machine, as the doctor finds them. */
static hml_status other_build_dirs(const run_smell_options *o, const host_info *host,
                                   char **dirs, hml_err *err)
{
    *dirs = NULL;
    if (o->libpath_dirs_given || !o->smells ||
        !smell_selected(o->smells, o->request.keep_stale_models, "libpath"))
        return HML_OK;
    doctor_context ctx = {
        .env = environ,
        .ld_cache = "/etc/ld.so.cache",
        .system_dirs = doctor_default_system_dirs,
        .host = *host,
    };
    ctx.workload.command = o->workload;
    return doctor_other_build_dirs(&ctx, doctor_default_other_build_globs, dirs, err);
}

static void print_arms(const smell_arms *arms, const plan_smell_study *study)
{
    fprintf(stderr, "hmlcost run: %zu arms for %s (%ld CPUs available):\n", arms->count,
            study->workload ? "the --workload command" : "hmlcost train", study->cpus);
    for (size_t i = 0; i < arms->count; i++) {
        const smell_arm *a = &arms->arm[i];
        fprintf(stderr, "  %-22s %s%s%s\n", a->name, a->smell ? a->treatment : "baseline",
                a->baseline ? " vs " : "", a->baseline ? a->baseline : "");
    }
}

hml_status run_smell_plan(plan *p, const run_smell_options *o, const char *baseline_mode,
                          int argc, char **argv, hml_err *err)
{
    char exe[PATH_MAX];
    plan_smell_study study = {
        .request = o->request,
        .workload = o->workload,
        .accuracy_regex = o->accuracy_regex,
        .train_args = argv,
        .train_argc = (size_t)argc,
        .hmlcost = exe,
    };
    study.request.smells = o->smells;
    if (!baseline_mode || strcmp(baseline_mode, "shared") == 0)
        study.request.baseline = SMELL_BASELINE_SHARED;
    else if (strcmp(baseline_mode, "per-smell") == 0)
        study.request.baseline = SMELL_BASELINE_PER_SMELL;
    else
        return hml_fail(err, HML_EUSAGE, "--baseline: with --smell it is 'shared' or "
                        "'per-smell', not '%s'", baseline_mode);
    hml_status st = plan_smell_study_check(&study, err);
    if (st == HML_OK && !cli_self_exe(exe, sizeof exe))
        st = hml_fail(err, HML_ESYSTEM, "run: cannot find the hmlcost binary (/proc/self/exe)");
    /* The CPUs this process may use (affinity, cgroup quota), as doctor sees them. */
    host_info host;
    if (st == HML_OK)
        st = meter_host_facts(&host, err);
    if (st != HML_OK)
        return st;
    study.cpus = host_usable_cpus(&host);
    char *other_builds = NULL;
    st = other_build_dirs(o, &host, &other_builds, err);
    if (st != HML_OK)
        return st;
    if (other_builds)
        study.request.libpath_dirs = other_builds;
    smell_arms arms;
    st = plan_add_smell_study(p, &study, &arms, err);
    free(other_builds);
    if (st != HML_OK)
        return st;
    print_arms(&arms, &study);
    smell_arms_free(&arms);
    return HML_OK;
}
