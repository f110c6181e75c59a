/* The protocol: runs a whole plan against a store. The schedule (schedule.h)
 * lists every measured run, (arm, index), in the plan's order; runs already
 * in the store are skipped (resume), the others run one at a time, each a
 * fresh process measured by the meter, and each is stored in its own
 * transaction as soon as it ends, whatever its status. Warm-up runs (not
 * stored) precede the measured ones whenever any are left to do.
 *
 * `hmlcost run` builds the plan from its options; `hmlcost run --smell`
 * builds it from the smells catalogue; both call runner_run_plan. */
#ifndef HMLCOST_RUNNER_PROTOCOL_H
#define HMLCOST_RUNNER_PROTOCOL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "meter/metric.h"
#include "runner/plan.h"
#include "store/store.h"

/* What the progress callback sees. */
typedef struct runner_event {
    enum {
        RUNNER_EVENT_START,       /* before anything runs */
        RUNNER_EVENT_WARMUP_DONE, /* a warm-up run ended (not stored) */
        RUNNER_EVENT_RUN_BEGIN,   /* a measured run is about to start (arm, run_index) */
        RUNNER_EVENT_RUN_DONE,    /* a measured run ended and is stored */
    } kind;
    size_t done;           /* measured runs in the store for this plan, after this one */
    size_t total;          /* arms x runs */
    size_t ran;            /* measured runs done in this invocation */
    double eta_s;          /* remaining time estimated from this invocation's runs; < 0: unknown */
    const plan_arm *arm;   /* the run's arm (RUN_DONE, WARMUP_DONE) */
    long run_index;
    store_run_status status;
    const char *reason;    /* or NULL */
    const meter_metrics *metrics; /* the run's metrics (RUN_DONE, WARMUP_DONE) */
    bool resumed;          /* START: the experiment was already in the store */
    int leftovers_ended;   /* START: processes of crashed runs ended first */
    int64_t experiment_id;
} runner_event;

typedef void (*runner_progress_fn)(void *ctx, const runner_event *event);

typedef struct runner_hooks {
    runner_progress_fn progress; /* may be NULL */
    void *ctx;
    /* Set (e.g. by a SIGINT handler) to stop after killing the current run;
     * runner_run_plan then returns HML_ESYSTEM "interrupted". May be NULL. */
    volatile sig_atomic_t *interrupted;
} runner_hooks;

typedef struct runner_summary {
    int64_t experiment_id;
    bool resumed;
    int leftovers_ended;   /* processes of crashed runs ended before anything ran */
    size_t total;          /* arms x runs */
    size_t already_stored; /* found in the store at the start */
    size_t ran;            /* measured runs done now */
    size_t by_status[5];   /* over all runs of the experiment, indexed by store_run_status */
} runner_summary;

/* Validates the plan and checks that every arm's command can be found, so a
 * front end can refuse bad input before it opens (or creates) a store. */
hml_status runner_check_plan(const plan *p, hml_err *err);

/* Validates the plan, checks that every arm's command can be found (a missing
 * one is HML_EUSAGE before anything is written), ends what crashed runs on
 * this store left running (HML_ESYSTEM when it cannot), stores the host, the
 * experiment and its arms, then runs what is missing. A run that fails,
 * crashes or times out is stored with its reason and the protocol goes on. */
hml_status runner_run_plan(const plan *p, store *s, const runner_hooks *hooks,
                           runner_summary *summary, hml_err *err);

/* For executors that run the measured runs elsewhere (a Slurm job array):
 * what runner_run_plan does before running anything (validation, the host,
 * the experiment and its arms in the store), and which runs are stored. */
typedef struct runner_registration {
    int64_t experiment_id;
    bool resumed;
    size_t arm_count;
    long runs;              /* per arm */
    int64_t *arm_ids;       /* [arm] */
    unsigned char *stored;  /* [arm * runs + run_index]: already in the store */
} runner_registration;

hml_status runner_register_plan(const plan *p, store *s, runner_registration *reg, hml_err *err);
void runner_registration_free(runner_registration *reg);

#endif
