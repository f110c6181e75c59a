/* Shared by the subcommands: reporting errors and parsing option values.
 * Only src/cli/ prints to the user and decides exit statuses. */
#ifndef HMLCOST_CLI_CLI_H
#define HMLCOST_CLI_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

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

/* The fd a workload writes its result line to: $HMLCOST_RESULT_FD when set
 * (an error unless it names a descriptor open for writing), else stdout. */
hml_status cli_result_fd(int *fd, hml_err *err);

/* Prints root as one line of JSON on stdout and deletes it; NULL root (or
 * no memory to print it): "hmlcost: <command>: out of memory" on stderr.
 * Strings that are not UTF-8 are repaired and counted (escape_json_print).
 * Returns CLI_EXIT_OK or CLI_EXIT_FAILURE. */
struct cJSON;
int cli_print_json(const char *command, struct cJSON *root);

/* The path of this binary (/proc/self/exe), which plans run again (train,
 * capture, Slurm tasks); false when it cannot be read or does not fit. */
bool cli_self_exe(char *path, size_t size);

/* From now on SIGINT, SIGTERM and SIGHUP only set the returned flag, which
 * the runner polls to stop the measured tree and keep what finished. */
volatile sig_atomic_t *cli_catch_interrupts(void);

/* True when stderr is a terminal and NO_COLOR is unset or empty. */
bool cli_stderr_is_tty(void);
bool cli_color_enabled(int fd);

#endif
