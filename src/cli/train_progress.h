/* What `hmlcost train` shows while it trains, on stderr. */
#ifndef HMLCOST_CLI_TRAIN_PROGRESS_H
#define HMLCOST_CLI_TRAIN_PROGRESS_H

#include <stdbool.h>

#include "workload/workload.h"

typedef struct train_progress {
    bool tty;         /* stderr is a terminal: one line redrawn in place */
    double last_draw; /* when it was last drawn (startup_now) */
} train_progress;

/* The workload's progress hook; user is a train_progress. */
void train_progress_show(const workload_progress *p, void *user);

#endif
