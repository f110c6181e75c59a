/* The part of `hmlcost run` after option parsing, for every front end that
 * builds a plan (the options of cmd_run.c, `run --smell` from the smells
 * catalogue): opens the store, runs the plan with progress on stderr, prints
 * the summary (and JSON with json), and returns the exit status. */
#ifndef HMLCOST_CLI_CMD_RUN_H
#define HMLCOST_CLI_CMD_RUN_H

#include <stdbool.h>

#include <stdint.h>

#include "runner/plan.h"
#include "store/store.h"

#define CLI_DEFAULT_STORE "hmlcost.db"

int cli_run_plan(const plan *p, const char *store_path, bool json);

/* The per-arm table of an experiment (runs by status, mean figures) on
 * stderr, and with nodes the lines on the nodes the runs came from; a store
 * error is reported in one line. Returns the exit status. */
int cli_run_print_summary(store *s, int64_t experiment_id, bool nodes);

#endif
