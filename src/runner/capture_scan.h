/* Reading a workload's accuracy from what it prints, for external commands
 * run by `hmlcost run --workload CMD --accuracy-regex RE` (through
 * `hmlcost capture`). The pure part, so tests can feed it lines. */
#ifndef HMLCOST_RUNNER_CAPTURE_SCAN_H
#define HMLCOST_RUNNER_CAPTURE_SCAN_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct capture_scan {
    regex_t re;
    bool has_re;
    const char *re_text;
    bool found;         /* a line matched */
    double accuracy;    /* of the last matching line, 0..1 */
    char *result_line;  /* the last JSON object the workload wrote to its result fd */
} capture_scan;

/* Compiles regex (POSIX extended; the first of its groups that holds a
 * number is the accuracy; NULL: none). A usage error names the option and regcomp's reason. */
hml_status capture_scan_init(capture_scan *scan, const char *regex, hml_err *err);
void capture_scan_free(capture_scan *scan);

/* One line of output (without its newline). A value above 1 and at most 100
 * is a percentage ("71.3%" -> 0.713); other values outside 0..1 are ignored. */
void capture_scan_line(capture_scan *scan, const char *line);
/* One line from the workload's own result fd: kept when it is a JSON object. */
void capture_scan_result_line(capture_scan *scan, const char *line);

/* The result line to hand to the runner: the workload's own (with the
 * regex's accuracy added when it has none), or {"schema":1,"accuracy":..,
 * "accuracy_source":"regex"}; NULL when there is nothing to say. */
char *capture_scan_result(const capture_scan *scan);

/* line (or, when NULL, {"schema":1}) with capture's own CPU seconds set
 * (RESULT_HELPER_USER_S, RESULT_HELPER_SYS_S, replacing any the command
 * wrote), so the runner can take them off the run; frees line. NULL when
 * memory runs out. */
char *capture_scan_add_own_cpu(char *line, double user_s, double sys_s);

#endif
