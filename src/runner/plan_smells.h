/* A smell study as a plan: the arms the smell catalogue's arm builder makes
 * (smells/arms.h) become the plan's arms, run by `hmlcost train ARGS`, or by
 * the user's workload command through /bin/sh -c (through `hmlcost capture`
 * when its accuracy is read by a regex). The protocol is the plan's own. */
#ifndef HMLCOST_RUNNER_PLAN_SMELLS_H
#define HMLCOST_RUNNER_PLAN_SMELLS_H

#include <stddef.h>

#include "common/error.h"
#include "runner/plan.h"
#include "smells/arms.h"

typedef struct plan_smell_study {
    smell_request request;      /* the smells, the baseline mode, the treatments */
    const char *workload;       /* a shell command; NULL: hmlcost train */
    const char *accuracy_regex; /* reads a workload's accuracy from its output; or NULL */
    char *const *train_args;    /* what follows the options: hmlcost train's arguments */
    size_t train_argc;
    const char *hmlcost;        /* this binary, which runs train and capture */
    long cpus;                  /* logical CPUs available to this process */
} plan_smell_study;

/* The combinations a study refuses (HML_EUSAGE, one line): a regex without
 * a workload command, arguments beside one, a regex that does not compile. */
hml_status plan_smell_study_check(const plan_smell_study *study, hml_err *err);

/* Fills p (plan_init'ed, protocol options already set) with the study's
 * command and arms, the first arm as baseline; *arms gets the arms as built
 * (to show them; smell_arms_free). */
hml_status plan_add_smell_study(plan *p, const plan_smell_study *study, smell_arms *arms,
                                hml_err *err);

#endif
