/* The order of an experiment's measured runs, a pure function of the plan
 * (arms, runs, order, seed), so that a resumed experiment has the same
 * schedule and knows which slots are missing.
 *   interleaved: runs rounds; each round has every arm once, shuffled per round;
 *   random:      every (arm, run) slot in one shuffled sequence;
 *   blocked:     all runs of the first arm, then the next (the study's order).
 * Run indices count each arm's runs in schedule order, 0..runs-1. */
#ifndef HMLCOST_RUNNER_SCHEDULE_H
#define HMLCOST_RUNNER_SCHEDULE_H

#include <stddef.h>

#include "common/error.h"
#include "runner/plan.h"

typedef struct schedule_slot {
    size_t arm;  /* index into plan->arms */
    long index;  /* the arm's run index */
} schedule_slot;

/* *slots has arm_count x runs entries (caller frees). Shuffles with GSL's
 * MT19937 seeded from plan->seed. */
hml_status schedule_build(const plan *p, schedule_slot **slots, size_t *count, hml_err *err);

#endif
