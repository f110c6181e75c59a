/* The options of `hmlcost report`: where the runs come from, the format and
 * file written, the statistical settings. */
#ifndef HMLCOST_CLI_REPORT_ARGS_H
#define HMLCOST_CLI_REPORT_ARGS_H

#include <stdbool.h>

#include "cli/cmd_run.h"
#include "report/analysis.h"
#include "report/format.h"
#include "report/source.h"

/* The store `hmlcost run` writes by default. */
#define REPORT_DEFAULT_STORE CLI_DEFAULT_STORE

typedef struct report_args {
    report_source source;
    const char *experiment; /* --experiment as given */
    const char *output;
    report_format format;
    report_render_options render;
    report_options stats;
} report_args;

/* Fills args (format, render and stats set to their defaults by the caller)
 * from argv; the source's store is the default one unless --store names
 * another. *help: --help was given (nothing after it is read). Returns
 * CLI_EXIT_OK, or the exit status of the usage error it printed. */
int report_args_parse(int argc, char **argv, report_args *args, bool *help);

#endif
