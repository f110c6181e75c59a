/* `hmlcost run ... --executor slurm`: the plan's missing runs as a Slurm job
 * array, the results imported into the store (runner/slurm_campaign.h), and
 * `--slurm-task FILE`, what each array task runs. The options, and what is
 * shown while the campaign goes on. */
#ifndef HMLCOST_CLI_RUN_SLURM_H
#define HMLCOST_CLI_RUN_SLURM_H

#include <getopt.h>
#include <stdbool.h>

#include "common/error.h"
#include "runner/executor_slurm.h"
#include "runner/plan.h"

enum {
    RUN_SLURM_OPT_FIRST = 0x1100,
    RUN_SLURM_OPT_EXECUTOR = RUN_SLURM_OPT_FIRST,
    RUN_SLURM_OPT_PARTITION,
    RUN_SLURM_OPT_TIME,
    RUN_SLURM_OPT_ARG,
    RUN_SLURM_OPT_MAX_PARALLEL,
    RUN_SLURM_OPT_NO_WAIT,
    RUN_SLURM_OPT_CAMPAIGN_DIR,
    RUN_SLURM_OPT_TASK,
    RUN_SLURM_OPT_LAST = RUN_SLURM_OPT_TASK,
};

#define RUN_SLURM_LONG_OPTIONS                                                                    \
    {"executor", required_argument, NULL, RUN_SLURM_OPT_EXECUTOR},                                 \
        {"slurm-partition", required_argument, NULL, RUN_SLURM_OPT_PARTITION},                     \
        {"slurm-time", required_argument, NULL, RUN_SLURM_OPT_TIME},                               \
        {"slurm-arg", required_argument, NULL, RUN_SLURM_OPT_ARG},                                 \
        {"max-parallel", required_argument, NULL, RUN_SLURM_OPT_MAX_PARALLEL},                     \
        {"no-wait", no_argument, NULL, RUN_SLURM_OPT_NO_WAIT},                                     \
        {"campaign-dir", required_argument, NULL, RUN_SLURM_OPT_CAMPAIGN_DIR},                     \
        {"slurm-task", required_argument, NULL, RUN_SLURM_OPT_TASK}

#define RUN_SLURM_HELP                                                                            \
    "executor:\n"                                                                                 \
    "  --executor local|slurm     where the runs happen (default local: here, one at a time);\n" \
    "                             slurm: a job array, a block of runs (one interleaved round)\n" \
    "                             per task, results imported into the store; the same\n"         \
    "                             command again collects and resubmits exactly what is missing\n"\
    "  --slurm-partition P        sbatch --partition\n"                                          \
    "  --slurm-time T             sbatch --time (a task's limit; a run it cuts is resubmitted)\n"\
    "  --slurm-arg ARG            another sbatch option (repeatable), e.g. --exclusive\n"        \
    "  --max-parallel K           at most K array tasks at once (--array=...%K)\n"              \
    "  --no-wait                  submit and return; the same command collects later\n"          \
    "  --campaign-dir DIR         the tasks' result files, on a filesystem every node sees\n"   \
    "                             (default: STORE.campaigns beside the store)\n"

typedef struct run_slurm_options {
    bool slurm;                 /* --executor slurm */
    bool no_wait;
    const char *campaign_dir;
    const char *task_file;      /* --slurm-task: we are an array task */
    slurm_options sbatch;
} run_slurm_options;

void run_slurm_options_init(run_slurm_options *o);
void run_slurm_options_free(run_slurm_options *o);

/* Applies one of the RUN_SLURM_OPT_* options; false when code is not one. */
bool run_slurm_option(run_slurm_options *o, int code, const char *arg, hml_status *status,
                      hml_err *err);

/* The array task: runs its block of the plan; the exit status. */
int run_slurm_task(const plan *p, const run_slurm_options *o);

/* Submits what is missing, waits (unless --no-wait) with a line per finished
 * task, imports the results into the store; the exit status. argv: the
 * whole `hmlcost run ...` command line, for the tasks. */
int run_slurm_campaign(const plan *p, const run_slurm_options *o, const char *store_path,
                       int argc, char **argv);

#endif
