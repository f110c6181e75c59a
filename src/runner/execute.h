/* One measured run: spawn the command, sample its process tree every
 * interval until it ends (or its --timeout passes), reap the whole tree,
 * and turn it all into metrics with the run's status and reason. This is
 * `hmlcost measure`, and each run of `hmlcost run`. */
#ifndef HMLCOST_RUNNER_EXECUTE_H
#define HMLCOST_RUNNER_EXECUTE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "meter/meter.h"
#include "store/store.h"

/* Called before the command starts with the run's token (in the environment
 * of every process of the run as $HMLCOST_RUN_TOKEN) and its cgroup
 * directories ('\n'-separated, "" when none): the caller records them, so
 * that a later hmlcost can end what a crashed one left running. A failure
 * stops the run before anything starts. */
typedef hml_status (*execute_start_fn)(void *ctx, const char *token, const char *cgroups,
                                       hml_err *err);

typedef struct execute_options {
    meter_options meter;
    double timeout_s;   /* 0: none. SIGTERM to the group, SIGKILL 1 s later */
    bool quiet;         /* the child's stdin/stdout/stderr on /dev/null */
    volatile sig_atomic_t *interrupted; /* when set: kill the tree, return "interrupted" */
    execute_start_fn before_start;      /* may be NULL */
    void *start_ctx;
} execute_options;

typedef struct execute_result {
    store_run_status status;
    char reason[256];     /* "" when ok */
    int exit_code;        /* when it exited; -1 when killed */
    int signal;           /* the signal that killed it, 0 when none */
    char started_at[32];  /* ISO 8601 UTC */
    char token[40];       /* the run's token ("" when it never started) */
    meter_result meter;   /* metrics (with the workload's), samples, notes */
    char *result_json;    /* the workload's line, or NULL */
} execute_result;

/* Runs argv with the environment changes. When it returns, no process of
 * the run is left: those still running after the command ended (daemons,
 * processes that left its process group) are killed and counted to it, and
 * the notes say so. HML_EUSAGE when the command cannot
 * be started (result->status is then STORE_RUN_ERROR, with the reason);
 * HML_ESYSTEM "interrupted" when *opts->interrupted was set (the tree is
 * killed and reaped first). Otherwise HML_OK whatever the child did. Free
 * result with execute_result_free in every case. */
hml_status execute_measured(char *const argv[], char *const env_changes[], size_t env_count,
                            const execute_options *opts, execute_result *result, hml_err *err);

void execute_result_free(execute_result *result);

/* The status a shell reports for the run: its exit code, 128+N when signal N
 * killed it, 124 when it timed out; -1 when it did not run to an end. */
int execute_result_shell_status(const execute_result *result);

/* The argv that runs argv[0..argc) once: the words as given, or joined by
 * spaces under /bin/sh -c when shell. NULL-terminated, freed with
 * plan_words_free. */
hml_status execute_command_argv(size_t argc, char *const argv[], bool shell, char ***command,
                                hml_err *err);

#endif
