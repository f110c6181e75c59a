/* What `hmlcost run` shows while it runs: on a terminal one status line
 * rewritten in place (progress, ETA, the last run's figures), elsewhere a
 * line per finished run. All of it on stderr. */
#ifndef HMLCOST_CLI_RUN_PROGRESS_H
#define HMLCOST_CLI_RUN_PROGRESS_H

#include <stdbool.h>

#include "runner/protocol.h"

typedef struct run_progress {
    bool tty;
    bool line_open;  /* a \r-updated line is on the terminal */
    int width;       /* terminal columns */
    char last[400];  /* the last run's figures */
} run_progress;

/* Looks at stderr: a terminal (and NO_COLOR unset) and its width. */
void run_progress_init(run_progress *pr);

/* The runner's progress hook; ctx is a run_progress. */
void run_progress_event(void *ctx, const runner_event *ev);

/* Ends the status line, if one is open. */
void run_progress_end(run_progress *pr);

#endif
