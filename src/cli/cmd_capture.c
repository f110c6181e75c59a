/* `hmlcost capture [--accuracy-regex RE] -- CMD [ARGS...]`: runs CMD, passes
 * its output through, and writes one result line (docs/contracts.md) to
 * $HMLCOST_RESULT_FD (else stdout) with the accuracy read from its output
 * by RE, or the line the command itself wrote to its own $HMLCOST_RESULT_FD.
 * `hmlcost run --workload CMD --accuracy-regex RE` runs every arm through
 * it; it exits as CMD did (the same status, or the same signal). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/capture_scan.h"
#include "cli/cli.h"
#include "cli/commands.h"

/* Lines longer than this are passed through but scanned only in part. */
#define CAPTURE_LINE_MAX 65536

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
    if (child_pid > 0)
        kill((pid_t)child_pid, sig);
}

typedef struct stream {
    int fd;        /* read end */
    int out;       /* where it passes through, -1: nowhere */
    bool result;   /* the command's result fd (not passed through) */
    char line[CAPTURE_LINE_MAX];
    size_t len;
} stream;

static void end_line(stream *s, capture_scan *scan)
{
    s->line[s->len] = '\0';
    if (s->result)
        capture_scan_result_line(scan, s->line);
    else
        capture_scan_line(scan, s->line);
    s->len = 0;
}

/* Reads what is there; false at end of file. */
static bool pump(stream *s, capture_scan *scan)
{
    char buf[8192];
    ssize_t n = read(s->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0) {
        if (s->len)
            end_line(s, scan);
        return false;
    }
    if (!s->result && s->out >= 0)
        (void)cli_write_all(s->out, buf, (size_t)n);
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n')
            end_line(s, scan);
        else if (s->len < sizeof s->line - 1)
            s->line[s->len++] = buf[i];
    }
    return true;
}

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
    capture_scan scan;
    if (capture_scan_init(&scan, regex, &err) != HML_OK)
        return cli_report_error(&err);

    int out_fd;
    if (cli_result_fd(&out_fd, &err) != HML_OK) {
        capture_scan_free(&scan);
        return cli_report_error(&err);
    }
    int pipes[3][2];
    for (int p = 0; p < 3; p++)
        if (pipe2(pipes[p], O_CLOEXEC) != 0) {
            capture_scan_free(&scan);
            return cli_usage_error("capture: pipe: %s", strerror(errno));
        }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        capture_scan_free(&scan);
        fprintf(stderr, "hmlcost: capture: fork: %s\n", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    if (pid == 0) {
        dup2(pipes[0][1], STDOUT_FILENO);
        dup2(pipes[1][1], STDERR_FILENO);
        /* The command's own result fd: a fresh descriptor, inherited. */
        int fd = dup(pipes[2][1]);
        char value[16];
        snprintf(value, sizeof value, "%d", fd);
        setenv("HMLCOST_RESULT_FD", value, 1);
        if (out_fd != STDOUT_FILENO)
            close(out_fd);
        execvp(argv[i], argv + i);
        fprintf(stderr, "hmlcost: capture: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    child_pid = pid;
    struct sigaction sa = {.sa_handler = forward_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    for (int p = 0; p < 3; p++)
        close(pipes[p][1]);

    static stream streams[3];
    streams[0] = (stream){.fd = pipes[0][0], .out = STDOUT_FILENO};
    streams[1] = (stream){.fd = pipes[1][0], .out = STDERR_FILENO};
    streams[2] = (stream){.fd = pipes[2][0], .out = -1, .result = true};
    /* A result line on stdout must not be mixed with the command's output. */
    if (out_fd == STDOUT_FILENO)
        streams[0].out = STDERR_FILENO;
    bool open[3] = {true, true, true};
    while (open[0] || open[1] || open[2]) {
        struct pollfd pfd[3];
        for (int p = 0; p < 3; p++)
            pfd[p] = (struct pollfd){.fd = open[p] ? streams[p].fd : -1, .events = POLLIN};
        if (poll(pfd, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int p = 0; p < 3; p++)
            if (open[p] && (pfd[p].revents & (POLLIN | POLLHUP | POLLERR)))
                open[p] = pump(&streams[p], &scan);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char *result = capture_scan_result(&scan);
    if (!result && regex)
        fprintf(stderr, "hmlcost: capture: --accuracy-regex '%s' matched no line of the "
                        "command's output\n", regex);
    /* Under a runner: our own CPU (passing output through, the regex scan)
     * is not the command's; say it, so the runner takes it off the run. */
    if (out_fd != STDOUT_FILENO) {
        struct rusage own;
        getrusage(RUSAGE_SELF, &own);
        result = capture_scan_add_own_cpu(
            result, (double)own.ru_utime.tv_sec + (double)own.ru_utime.tv_usec * 1e-6,
            (double)own.ru_stime.tv_sec + (double)own.ru_stime.tv_usec * 1e-6);
    }
    if (result) {
        (void)cli_write_all(out_fd, result, strlen(result));
        (void)cli_write_all(out_fd, "\n", 1);
        free(result);
    }
    capture_scan_free(&scan);
    for (int p = 0; p < 3; p++)
        close(streams[p].fd);
    if (WIFSIGNALED(status)) {
        /* Die of the same signal, so the runner records the run as crashed. */
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : CLI_EXIT_FAILURE;
}
