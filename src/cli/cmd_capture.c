/* `hmlcost capture [--accuracy-regex RE] -- CMD [ARGS...]`: runs CMD, passes
 * its output through, and writes one result line (docs/contracts.md) to
 * $HMLCOST_RESULT_FD (else stdout) with the accuracy read from its output
 * by RE, or the line the command itself wrote to its own $HMLCOST_RESULT_FD.
 * `hmlcost run --workload CMD --accuracy-regex RE` runs every arm through
 * it; it exits as CMD did (the same status, or the same signal). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "runner/capture.h"
#include "runner/capture_scan.h"

int cmd_capture(int argc, char **argv)
{
    const char *regex = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: hmlcost capture [--accuracy-regex RE] -- CMD [ARGS...]\n\n"
                   "Runs CMD, passes its output through, and writes hmlcost's result line\n"
                   "to $HMLCOST_RESULT_FD (else stdout): the line CMD wrote to its own\n"
                   "$HMLCOST_RESULT_FD, and/or the accuracy read from its output by RE (POSIX\n"
                   "extended; the first group is the number; above 1 it is a percentage).\n"
                   "Exits as CMD did. 'hmlcost run --workload CMD --accuracy-regex RE' runs\n"
                   "every arm through it.\n");
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--accuracy-regex") == 0 && i + 1 < argc)
            regex = argv[++i];
        else if (strncmp(argv[i], "--accuracy-regex=", 17) == 0)
            regex = argv[i] + 17;
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else
            return cli_usage_error("capture: unexpected argument '%s' (the command goes after "
                                   "--)", argv[i]);
    }
    if (i >= argc)
        return cli_usage_error("capture: no command given after --");
    hml_err err;
    /* A bad regex is said before a bad $HMLCOST_RESULT_FD. */
    capture_scan scan;
    if (capture_scan_init(&scan, regex, &err) != HML_OK)
        return cli_report_error(&err);
    capture_scan_free(&scan);
    capture_request req = {.argv = argv + i, .accuracy_regex = regex};
    if (cli_result_fd(&req.result_fd, &err) != HML_OK)
        return cli_report_error(&err);
    capture_outcome out;
    if (capture_command(&req, &out, &err) != HML_OK)
        return cli_report_error(&err);
    if (out.regex_matched_nothing)
        fprintf(stderr, "hmlcost: capture: --accuracy-regex '%s' matched no line of the "
                        "command's output\n", regex);
    if (out.exec_errno)
        fprintf(stderr, "hmlcost: capture: %s: %s\n", argv[i], strerror(out.exec_errno));
    if (WIFSIGNALED(out.wait_status)) {
        /* Die of the same signal, so the runner records the run as crashed. */
        signal(WTERMSIG(out.wait_status), SIG_DFL);
        raise(WTERMSIG(out.wait_status));
    }
    return WIFEXITED(out.wait_status) ? WEXITSTATUS(out.wait_status) : CLI_EXIT_FAILURE;
}
