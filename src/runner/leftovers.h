/* What a crashed hmlcost left running. Each run is recorded in the store
 * before it starts (its token, which every process of the run inherits as
 * $HMLCOST_RUN_TOKEN, and its cgroup directories) and dropped once its
 * processes are gone. A record whose hmlcost is no longer alive (killed
 * with -9, or the machine lost power) names processes nobody will end: the
 * next `hmlcost run` on the store ends them before it measures anything. */
#ifndef HMLCOST_RUNNER_LEFTOVERS_H
#define HMLCOST_RUNNER_LEFTOVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "store/store.h"

/* Fills the owner fields of run (this process: pid, start time, host, boot)
 * and started_at. */
void leftovers_owner_self(store_live_run *run);

/* Whether the run's hmlcost is still alive (the same pid with the same start
 * time on this boot). A run of another machine counts as alive: not ours to
 * end. */
bool leftovers_owner_alive(const store_live_run *run);

/* SIGKILLs every process with $HMLCOST_RUN_TOKEN=token in its environment
 * (ours excepted) until none is left or wait_s passed. Returns how many were
 * found; *left: how many are still there. */
int leftovers_kill_token(const char *token, double wait_s, int *left);

/* Ends the processes of every recorded run whose hmlcost is dead and drops
 * its record; *ended: the processes found. HML_ESYSTEM when some cannot be
 * ended: measuring next to them would be wrong. Then removes the empty run
 * cgroups of dead hmlcost processes (run_cgroup_remove_stale). */
hml_status leftovers_end_crashed(store *s, int *ended, hml_err *err);

#endif
