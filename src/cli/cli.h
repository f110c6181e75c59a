/* Shared by the subcommands: reporting errors and parsing option values.
 * Only src/cli/ prints to the user and decides exit statuses. */
#ifndef HMLCOST_CLI_CLI_H
#define HMLCOST_CLI_CLI_H

#include <stdbool.h>

#include "common/error.h"

/* Exit statuses shared by every subcommand. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

/* Prints "hmlcost: <msg>" on stderr and returns the exit status for it:
 * 2 for a usage error, 1 otherwise. */
int cli_report_error(const hml_err *err);

/* Prints "hmlcost: <formatted message>" and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict parsers for option values: the whole text must be a number in
 * [min, max]; otherwise err says "--<option>: <why>". */
hml_status cli_parse_long(const char *option, const char *text, long min, long max, long *out,
                          hml_err *err);
hml_status cli_parse_double(const char *option, const char *text, double min, double max,
                            double *out, hml_err *err);

/* True when stderr is a terminal and NO_COLOR is unset or empty. */
bool cli_stderr_is_tty(void);
bool cli_color_enabled(int fd);

#endif
