/* `hmlcost run --smell ...`: the smell study in one command. The options
 * (--smell, --workload, --accuracy-regex, the treatment strengths and
 * --baseline shared|per-smell), mapped onto the runner's study
 * (runner/plan_smells.h), which makes the plan's arms. The protocol is
 * run's own. */
#ifndef HMLCOST_CLI_RUN_SMELLS_H
#define HMLCOST_CLI_RUN_SMELLS_H

#include <getopt.h>
#include <stdbool.h>

#include "common/error.h"
#include "runner/plan.h"
#include "smells/arms.h"

enum {
    RUN_SMELL_OPT_FIRST = 0x1000,
    RUN_SMELL_OPT_SMELL = RUN_SMELL_OPT_FIRST,
    RUN_SMELL_OPT_WORKLOAD,
    RUN_SMELL_OPT_ACCURACY_REGEX,
    RUN_SMELL_OPT_MODEL_BUILDS,
    RUN_SMELL_OPT_KEEP_STALE,
    RUN_SMELL_OPT_SMELL_BATCH,
    RUN_SMELL_OPT_BASELINE_BATCH,
    RUN_SMELL_OPT_SMELL_THREADS,
    RUN_SMELL_OPT_LIBPATH_DIRS,
    RUN_SMELL_OPT_LIBPATH_ENTRIES,
    RUN_SMELL_OPT_LAST = RUN_SMELL_OPT_LIBPATH_ENTRIES,
};

/* For run's struct option table. */
#define RUN_SMELL_LONG_OPTIONS                                                                    \
    {"smell", required_argument, NULL, RUN_SMELL_OPT_SMELL},                                       \
        {"workload", required_argument, NULL, RUN_SMELL_OPT_WORKLOAD},                             \
        {"accuracy-regex", required_argument, NULL, RUN_SMELL_OPT_ACCURACY_REGEX},                 \
        {"model-builds", required_argument, NULL, RUN_SMELL_OPT_MODEL_BUILDS},                     \
        {"keep-stale-models", no_argument, NULL, RUN_SMELL_OPT_KEEP_STALE},                        \
        {"smell-batch", required_argument, NULL, RUN_SMELL_OPT_SMELL_BATCH},                       \
        {"baseline-batch", required_argument, NULL, RUN_SMELL_OPT_BASELINE_BATCH},                 \
        {"smell-threads", required_argument, NULL, RUN_SMELL_OPT_SMELL_THREADS},                   \
        {"libpath-dirs", required_argument, NULL, RUN_SMELL_OPT_LIBPATH_DIRS},                     \
        {"libpath-entries", required_argument, NULL, RUN_SMELL_OPT_LIBPATH_ENTRIES}

/* For run's --help. */
#define RUN_SMELL_HELP                                                                            \
    "the smell study (see 'hmlcost smells'):\n"                                                   \
    "  --smell LIST               arms from the smell catalogue: all, or ids/arms\n"              \
    "                             (model-reuse, minibatch, libpath, parallelism,\n"               \
    "                             model-reuse-kept, parallelism-nested), comma-separated;\n"      \
    "                             all: model-reuse in both faces (freed and kept; a\n"            \
    "                             --workload command gets the freed one), minibatch,\n"           \
    "                             libpath, parallelism; arguments after -- go to\n"               \
    "                             'hmlcost train'\n"                                              \
    "  --baseline MODE            with --smell: shared (default: one baseline arm for all)\n"     \
    "                             or per-smell (a baseline arm per smell, as the study did;\n"    \
    "                             use with --order blocked)\n"                                    \
    "  --workload 'CMD'           an external command instead of hmlcost train (sh -c);\n"        \
    "                             {batch}, {model_builds}, {threads} are filled per arm\n"        \
    "  --accuracy-regex RE        read a --workload's accuracy from its output (the first\n"      \
    "                             group holding a number; above 1 it is a percentage)\n"          \
    "  --model-builds K           model-reuse: constructions per process (default 10)\n"          \
    "  --keep-stale-models        model-reuse: keep earlier models alive (model-reuse-kept)\n"    \
    "  --smell-batch B            minibatch: the smell arm's batch (default 16x baseline)\n"      \
    "  --baseline-batch B         a --workload's baseline {batch} (default 64)\n"                 \
    "  --smell-threads T          parallelism: threads (default 8x the CPUs available)\n"         \
    "  --libpath-dirs DIRS        libpath: directories put after the non-existent ones\n"         \
    "                             (default: those holding other builds of the workload's\n"       \
    "                             libraries on this machine; '' for none)\n"                      \
    "  --libpath-entries N        libpath: non-existent directories (default 1000)\n"

typedef struct run_smell_options {
    const char *smells;         /* --smell; NULL: not a smell study */
    const char *workload;       /* --workload */
    const char *accuracy_regex; /* --accuracy-regex */
    smell_request request;      /* the treatment options (smells and baseline set later) */
    bool libpath_dirs_given;
} run_smell_options;

void run_smell_options_init(run_smell_options *o);

/* Applies one of the RUN_SMELL_OPT_* options; false when code is not one. */
bool run_smell_option(run_smell_options *o, int code, const char *arg, hml_status *status,
                      hml_err *err);

/* Fills p (plan_init'ed, protocol options already set) with the smell
 * study's command and arms. baseline_mode: run's --baseline value (NULL:
 * shared). args: what followed the options (train arguments; none with
 * --workload). Prints the arms it built on stderr. */
hml_status run_smell_plan(plan *p, const run_smell_options *o, const char *baseline_mode,
                          int argc, char **argv, hml_err *err);

#endif
