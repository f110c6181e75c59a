#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cJSON.h>

#include "common/escape.h"
#include "common/parse_number.h"

/* Error messages quote what the user gave (names, paths, values): shown by
 * the text rule, which also keeps them on one line. */
int cli_report_error(const hml_err *err)
{
    fputs("hmlcost: ", stderr);
    escape_text_fputs(stderr, err->msg[0] ? err->msg : "unknown error");
    fputc('\n', stderr);
    return err->status == HML_EUSAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
}

int cli_usage_error(const char *fmt, ...)
{
    char msg[sizeof ((hml_err *)0)->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs("hmlcost: ", stderr);
    escape_text_fputs(stderr, msg);
    fputc('\n', stderr);
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

int cli_print_json(const char *command, cJSON *root)
{
    char *text = escape_json_print(root, false);
    cJSON_Delete(root);
    if (!text) {
        fprintf(stderr, "hmlcost: %s: out of memory\n", command);
        return CLI_EXIT_FAILURE;
    }
    puts(text);
    free(text);
    return CLI_EXIT_OK;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

volatile sig_atomic_t *cli_catch_interrupts(void)
{
    struct sigaction sa = {.sa_handler = on_interrupt};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    return &interrupted;
}

bool cli_color_enabled(int fd)
{
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color)
        return false;
    return isatty(fd) == 1;
}

bool cli_stderr_is_tty(void) { return isatty(STDERR_FILENO) == 1; }

hml_status cli_result_fd(int *fd, hml_err *err)
{
    const char *text = getenv("HMLCOST_RESULT_FD");
    *fd = STDOUT_FILENO;
    if (!text || !*text)
        return HML_OK;
    long value = 0;
    if (cli_parse_long("HMLCOST_RESULT_FD", text, 0, 1 << 20, &value, err) != HML_OK)
        return hml_fail(err, HML_EUSAGE, "HMLCOST_RESULT_FD: '%s' is not a file descriptor", text);
    int flags = fcntl((int)value, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
        return hml_fail(err, HML_EUSAGE,
                        "HMLCOST_RESULT_FD: %ld is not a file descriptor open for writing", value);
    *fd = (int)value;
    return HML_OK;
}

bool cli_self_exe(char *path, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", path, size - 1);
    if (n <= 0 || (size_t)n >= size - 1)
        return false;
    path[n] = '\0';
    return true;
}
