/* The experiment that prices a finding: the `hmlcost run --smell` command
 * that measures it on this machine, with the smell's placeholder ({threads},
 * {batch}, {model_builds}) where the finding's value is set. */
#ifndef HMLCOST_LINT_PRICE_H
#define HMLCOST_LINT_PRICE_H

#include "lint/lint.h"

typedef struct lint_price {
    const char *smell;     /* the catalogue's id */
    const char *token;     /* the placeholder ("{threads}", ...); NULL when none */
    char strength[96];     /* "--smell-threads 64", "--smell-batch 4096 --baseline-batch 64" */
    char workload[1200];   /* the --workload command as a user would run it */
    char placeholder[400]; /* where the placeholder goes when the workload cannot take
                            * it from the command line; "" when it can */
    bool needs_copy;       /* --confirm runs a copy with the placeholder in place */
    bool runnable;         /* --confirm can run it */
    char why_not[200];     /* when !runnable */
} lint_price;

/* The experiment for f. */
void lint_price_of(const lint_finding *f, lint_price *out);

/* The whole `hmlcost run` line (shell-quoted) for runs runs per arm. */
void lint_price_command(const lint_price *p, int runs, char *buf, size_t size);

/* Writes a copy of f's file into dir in which f's value reads the variable
 * HMLCOST_LINT_VALUE, and sets workload to run that copy with the
 * placeholder; for an experiment that needs no copy, workload is p's. */
hml_status lint_price_prepare(const lint_finding *f, const lint_price *p, const char *dir,
                              char *workload, size_t size, hml_err *err);

/* Appends s to buf quoted for /bin/sh ('...'). */
void lint_shell_quote(const char *s, char *buf, size_t size);

#endif
