/* Arms written in one word, as `hmlcost run --arm` and `--arm-args` take
 * them. Errors name no option; the caller adds it. */
#ifndef HMLCOST_RUNNER_PLAN_ARM_SPEC_H
#define HMLCOST_RUNNER_PLAN_ARM_SPEC_H

#include "common/error.h"
#include "runner/plan.h"

/* "NAME", or "NAME:VAR=VAL VAR2=VAL2 VAR3" (VAR alone unsets it): a new arm
 * with those environment changes. */
hml_status plan_add_arm_spec(plan *p, const char *spec, hml_err *err);

/* "NAME:ARGS": ARGS appended to the command of the arm called NAME, which
 * must exist. */
hml_status plan_add_arm_args_spec(plan *p, const char *spec, hml_err *err);

#endif
