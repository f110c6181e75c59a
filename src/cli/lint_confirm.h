/* `hmlcost lint --confirm`: runs each finding's experiment (`hmlcost run
 * --smell`, in this process, into a store of its own) and reads the
 * verdict back with the report's statistics. */
#ifndef HMLCOST_CLI_LINT_CONFIRM_H
#define HMLCOST_CLI_LINT_CONFIRM_H

#include "lint/lint.h"

typedef struct lint_confirm_options {
    int runs;                 /* per arm */
    double budget_s;          /* for all experiments together */
    const char *accuracy_regex; /* or NULL */
} lint_confirm_options;

/* Fills (*verdicts)[i] with one line per finding: the verdict and its
 * evidence, or why it was not run. Fails only when no temporary directory
 * can be made or memory runs out. */
hml_status lint_confirm(const lint_result *r, const lint_confirm_options *o, char ***verdicts,
                        hml_err *err);
void lint_confirm_free(char **verdicts, size_t count);

#endif
