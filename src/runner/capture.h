/* `hmlcost capture`, the supervising part: runs a command as a child,
 * passes its stdout and stderr through, reads its accuracy from them
 * (capture_scan.h) and takes the line it writes to its own
 * $HMLCOST_RESULT_FD, then writes hmlcost's result line. Under a runner the
 * line also carries capture's own CPU time, which the runner takes off the
 * run. SIGINT, SIGTERM and SIGHUP are passed on to the child. */
#ifndef HMLCOST_RUNNER_CAPTURE_H
#define HMLCOST_RUNNER_CAPTURE_H

#include <stdbool.h>

#include "common/error.h"

typedef struct capture_request {
    char *const *argv;          /* NULL-terminated; argv[0] is searched in PATH */
    const char *accuracy_regex; /* NULL: none */
    int result_fd;              /* where the result line goes; when it is stdout, the
                                   command's stdout goes to stderr, not mixed with it */
} capture_request;

typedef struct capture_outcome {
    int wait_status;            /* the command's, as waitpid gives it */
    int exec_errno;             /* why the command could not be executed (it then
                                   exited 127), else 0 */
    bool regex_matched_nothing; /* an accuracy regex was given and no line matched */
} capture_outcome;

/* Returns once the command has ended and the result line (if any) is
 * written. HML_EUSAGE for a bad regex, HML_ESYSTEM when no pipe or process
 * can be made; whatever the command did is in out. */
hml_status capture_command(const capture_request *req, capture_outcome *out, hml_err *err);

#endif
