/* `hmlcost run --executor slurm` from start to end: registers the plan in
 * the store, imports the runs that tasks finished since last time, submits
 * what is still missing as a job array (executor_slurm.h), and waits for the
 * job, importing its runs as they arrive. What happens is told through a
 * progress hook; nothing is printed here. */
#ifndef HMLCOST_RUNNER_SLURM_CAMPAIGN_H
#define HMLCOST_RUNNER_SLURM_CAMPAIGN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "runner/executor_slurm.h"
#include "runner/plan.h"
#include "store/store.h"

/* How often the job is asked after (seconds); a test sets it shorter. */
#define SLURM_POLL_ENV "HMLCOST_SLURM_POLL_S"

typedef struct slurm_campaign_event {
    enum {
        SLURM_CAMPAIGN_IMPORTED,     /* imported runs (or skipped files) were found */
        SLURM_CAMPAIGN_STILL_ACTIVE, /* the last job of this plan still runs: not resubmitted */
        SLURM_CAMPAIGN_SUBMITTED,    /* a job array was submitted */
        SLURM_CAMPAIGN_TASKS_DONE,   /* more of the job's tasks finished */
    } kind;
    const char *dir;         /* the campaign directory */
    const char *job_id;
    int64_t experiment_id;
    size_t imported, skipped; /* IMPORTED */
    size_t tasks;             /* SUBMITTED, TASKS_DONE: the job's tasks (0: not known) */
    size_t runs;              /* SUBMITTED: the runs submitted */
    size_t tasks_done;        /* TASKS_DONE */
    size_t missing;           /* TASKS_DONE: runs neither stored nor in a run file */
} slurm_campaign_event;

typedef struct slurm_campaign_request {
    const plan *plan;
    const char *root;           /* where campaign directories live (absolute) */
    const slurm_options *sbatch;
    bool no_wait;               /* submit and return */
    const char *hmlcost;        /* this binary, which the tasks run */
    char *const *args;          /* `run`'s arguments, which the tasks run again */
    size_t arg_count;
    volatile sig_atomic_t *interrupted; /* stops the waiting (the job goes on) */
    void (*progress)(void *ctx, const slurm_campaign_event *event); /* may be NULL */
    void *ctx;
} slurm_campaign_request;

typedef struct slurm_campaign_result {
    int64_t experiment_id;
    char dir[4200];        /* the campaign directory */
    char job_id[64];       /* the last job ("" when none) */
    bool left_running;     /* submitted (or found running) and not waited for */
    bool interrupted;      /* the wait was stopped; the job goes on */
    size_t total;          /* arms x runs */
    size_t missing;        /* runs neither stored nor in a run file */
} slurm_campaign_result;

/* The campaign root of a store: DIR (made absolute: the tasks run
 * elsewhere), or by default STORE.campaigns beside the store. */
hml_status slurm_campaign_root(const char *campaign_dir, const char *store_path, char *root,
                               size_t size, hml_err *err);

/* Returns HML_OK once the job has ended (or at once with no_wait); out says
 * what is stored and what is missing. An interrupted wait is an error with
 * out->interrupted set. */
hml_status slurm_campaign_run(store *s, const slurm_campaign_request *req,
                              slurm_campaign_result *out, hml_err *err);

#endif
