/* The Slurm executor: a plan's missing runs as a Slurm job array. Each array
 * task runs one block of the schedule (as many consecutive missing runs as
 * the plan has arms, so an interleaved round stays on one node) by running
 * hmlcost itself, each run a fresh process measured by execute_measured as
 * locally. SQLite on a shared filesystem is not safe for concurrent writers,
 * so a task never touches the store: each finished run becomes its own file
 * in the campaign directory, written whole (temporary file, fsync, rename),
 * and the submitting side imports those files into the store, one
 * transaction per run, skipping runs already stored.
 *
 * The campaign directory (one per plan key, on a filesystem every node sees):
 *   submit-N.json     the N-th submission: plan key and the blocks of runs
 *   job               "JOBID N": the last submission's job and its number
 *   script-N.sh       what sbatch ran
 *   runs/ARM@I.json   one finished run (arm ARM, run index I), with its host
 *   done/N.T          task T of submission N finished its block
 *   logs/             the tasks' stdout and stderr */
#ifndef HMLCOST_RUNNER_EXECUTOR_SLURM_H
#define HMLCOST_RUNNER_EXECUTOR_SLURM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "common/error.h"
#include "meter/host.h"
#include "runner/execute.h"
#include "runner/plan.h"
#include "runner/protocol.h"
#include "store/store.h"

/* The text of the run file of run index of arm (the position-th of the
 * schedule), ended as r says on host; NULL when memory runs out. */
char *slurm_run_json(const plan_arm *arm, long index, long position, const meter_host *host,
                     const execute_result *r);

typedef struct slurm_options {
    const char *partition;  /* --partition, or NULL */
    const char *time_limit; /* --time, or NULL */
    char **args;            /* more sbatch options, as given */
    size_t arg_count;
    long max_parallel;      /* array tasks at once (%K); 0: Slurm decides */
} slurm_options;

/* DIR/PLANKEY under root, created when missing (path gets the result). */
hml_status slurm_campaign_dir(const plan *p, const char *root, char *path, size_t size,
                              hml_err *err);

/* Imports the finished runs of the campaign directory that the store does
 * not have (marking them in reg->stored); *imported counts them. A run file
 * that cannot be read is skipped (*skipped), never half imported. */
hml_status slurm_campaign_import(const plan *p, store *s, const char *dir,
                                 runner_registration *reg, size_t *imported, size_t *skipped,
                                 hml_err *err);

/* The runs neither stored nor already in a run file. */
size_t slurm_campaign_missing(const runner_registration *reg);

/* The last submission's job id ("" when none) and number (0 when none). */
hml_status slurm_campaign_last_job(const char *dir, char *job_id, size_t size, long *number,
                                   hml_err *err);

/* Whether the job (array) still has tasks pending or running (squeue). */
hml_status slurm_job_active(const char *job_id, bool *active, hml_err *err);

/* Submits the missing runs (blocks in schedule order) as a job array whose
 * tasks run `HMLCOST run --slurm-task DIR/submit-N.json ARGS...` in cwd.
 * *tasks and *runs: what was submitted (0 when nothing was missing). */
hml_status slurm_campaign_submit(const plan *p, const char *dir, const runner_registration *reg,
                                 const slurm_options *opts, const char *hmlcost,
                                 char *const args[], size_t arg_count, char *job_id,
                                 size_t job_id_size, size_t *tasks, size_t *runs, hml_err *err);

/* The tasks of submission number that finished their block (for progress):
 * *tasks gets their numbers, caller frees. */
hml_status slurm_campaign_done_tasks(const char *dir, long number, long **tasks, size_t *count,
                                     hml_err *err);

/* Inside an array task: runs block `task` of the submission file, each run
 * fresh and measured, each written to its run file once it has ended. When
 * *interrupted is set (Slurm's SIGTERM at a time limit or scancel) the run
 * under way is killed and not written. */
hml_status slurm_task_run(const plan *p, const char *submit_file, long task,
                          volatile sig_atomic_t *interrupted, size_t *ran, hml_err *err);

#endif
