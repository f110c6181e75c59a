#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/parse_number.h"

int cli_report_error(const hml_err *err)
{
    fprintf(stderr, "hmlcost: %s\n", err->msg[0] ? err->msg : "unknown error");
    return err->status == HML_EUSAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hmlcost: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

hml_status cli_parse_long(const char *option, const char *text, long min, long max, long *out,
                          hml_err *err)
{
    char what[128];
    snprintf(what, sizeof what, "--%s", option);
    return hml_parse_long(what, text, min, max, out, err);
}

hml_status cli_parse_double(const char *option, const char *text, double min, double max,
                            double *out, hml_err *err)
{
    char what[128];
    snprintf(what, sizeof what, "--%s", option);
    return hml_parse_double(what, text, min, max, out, err);
}

bool cli_color_enabled(int fd)
{
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color)
        return false;
    return isatty(fd) == 1;
}

bool cli_stderr_is_tty(void) { return isatty(STDERR_FILENO) == 1; }
