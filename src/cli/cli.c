#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
    if (!text || !*text)
        return hml_fail(err, HML_EUSAGE, "--%s: expected an integer, got an empty value", option);
    errno = 0;
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (*end != '\0')
        return hml_fail(err, HML_EUSAGE, "--%s: '%s' is not an integer", option, text);
    if (errno == ERANGE || value < min || value > max)
        return hml_fail(err, HML_EUSAGE, "--%s: %s is out of range [%ld, %ld]", option, text, min,
                        max);
    *out = value;
    return HML_OK;
}

hml_status cli_parse_double(const char *option, const char *text, double min, double max,
                            double *out, hml_err *err)
{
    if (!text || !*text)
        return hml_fail(err, HML_EUSAGE, "--%s: expected a number, got an empty value", option);
    errno = 0;
    char *end = NULL;
    double value = strtod(text, &end);
    if (*end != '\0' || !isfinite(value))
        return hml_fail(err, HML_EUSAGE, "--%s: '%s' is not a finite number", option, text);
    if (errno == ERANGE || value < min || value > max)
        return hml_fail(err, HML_EUSAGE, "--%s: %s is out of range [%g, %g]", option, text, min,
                        max);
    *out = value;
    return HML_OK;
}

bool cli_color_enabled(int fd)
{
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color)
        return false;
    return isatty(fd) == 1;
}

bool cli_stderr_is_tty(void) { return isatty(STDERR_FILENO) == 1; }
