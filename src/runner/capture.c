#include "runner/capture.h"

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

#include "common/fd_write.h"
#include "common/text.h"
#include "runner/capture_scan.h"
#include "runner/spawn.h"

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
        (void)fd_write_all(s->out, buf, (size_t)n);
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n')
            end_line(s, scan);
        else if (s->len < sizeof s->line - 1)
            s->line[s->len++] = buf[i];
    }
    return true;
}

/* The command's result fd, stdout and stderr, and the pipe its exec failure
 * comes back on (close-on-exec: closed without a word when exec works).
 * The result pipe first: its low number is one that `>&N` in sh can name. */
enum { PIPE_RESULT, PIPE_STDOUT, PIPE_STDERR, PIPE_EXEC, PIPE_COUNT };

static void close_pipes(int pipes[PIPE_COUNT][2])
{
    for (int p = 0; p < PIPE_COUNT; p++)
        for (int end = 0; end < 2; end++)
            if (pipes[p][end] >= 0) {
                close(pipes[p][end]);
                pipes[p][end] = -1;
            }
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void child_exec(const capture_request *req, int pipes[PIPE_COUNT][2], char **envp)
{
    dup2(pipes[PIPE_STDOUT][1], STDOUT_FILENO);
    dup2(pipes[PIPE_STDERR][1], STDERR_FILENO);
    /* The command's own result fd, named in envp: kept across exec. */
    fcntl(pipes[PIPE_RESULT][1], F_SETFD, 0);
    if (req->result_fd != STDOUT_FILENO)
        close(req->result_fd);
    execvpe(req->argv[0], req->argv, envp);
    int e = errno;
    ssize_t ignored = write(pipes[PIPE_EXEC][1], &e, sizeof e);
    (void)ignored;
    _exit(127);
}

/* Starts the command; out->exec_errno says when its exec failed. */
static hml_status start(const capture_request *req, int pipes[PIPE_COUNT][2], pid_t *pid,
                        capture_outcome *out, hml_err *err)
{
    for (int p = 0; p < PIPE_COUNT; p++)
        if (pipe2(pipes[p], O_CLOEXEC) != 0)
            return hml_fail(err, HML_ESYSTEM, "capture: pipe: %s", strerror(errno));
    char result_env[64];
    text_format(result_env, sizeof result_env, "%s=%d", SPAWN_RESULT_FD_ENV,
                pipes[PIPE_RESULT][1]);
    const char *extras[] = {result_env, NULL};
    char **envp = NULL;
    hml_status status = spawn_build_env(NULL, 0, extras, &envp, err);
    if (status != HML_OK)
        return status;
    fflush(NULL);
    *pid = fork();
    if (*pid < 0) {
        spawn_env_free(envp);
        return hml_fail(err, HML_ESYSTEM, "capture: fork: %s", strerror(errno));
    }
    if (*pid == 0)
        child_exec(req, pipes, envp);
    spawn_env_free(envp);
    for (int p = 0; p < PIPE_COUNT; p++) {
        close(pipes[p][1]);
        pipes[p][1] = -1;
    }
    ssize_t n;
    do
        n = read(pipes[PIPE_EXEC][0], &out->exec_errno, sizeof out->exec_errno);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof out->exec_errno)
        out->exec_errno = 0;
    return HML_OK;
}

/* Passes the command's output through until it has closed all three. */
static void pass_through(const capture_request *req, int pipes[PIPE_COUNT][2], capture_scan *scan)
{
    static stream streams[3];
    streams[0] = (stream){.fd = pipes[PIPE_STDOUT][0], .out = STDOUT_FILENO};
    streams[1] = (stream){.fd = pipes[PIPE_STDERR][0], .out = STDERR_FILENO};
    streams[2] = (stream){.fd = pipes[PIPE_RESULT][0], .out = -1, .result = true};
    /* A result line on stdout must not be mixed with the command's output. */
    if (req->result_fd == STDOUT_FILENO)
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
                open[p] = pump(&streams[p], scan);
    }
}

/* False when there was nothing to say but capture's own CPU. */
static bool write_result(const capture_request *req, const capture_scan *scan)
{
    char *result = capture_scan_result(scan);
    bool said = result != NULL;
    /* Under a runner: our own CPU (passing output through, the regex scan)
     * is not the command's; say it, so the runner takes it off the run. */
    if (req->result_fd != STDOUT_FILENO) {
        struct rusage own;
        getrusage(RUSAGE_SELF, &own);
        result = capture_scan_add_own_cpu(
            result, (double)own.ru_utime.tv_sec + (double)own.ru_utime.tv_usec * 1e-6,
            (double)own.ru_stime.tv_sec + (double)own.ru_stime.tv_usec * 1e-6);
    }
    if (result) {
        (void)fd_write_all(req->result_fd, result, strlen(result));
        (void)fd_write_all(req->result_fd, "\n", 1);
        free(result);
    }
    return said;
}

hml_status capture_command(const capture_request *req, capture_outcome *out, hml_err *err)
{
    memset(out, 0, sizeof *out);
    capture_scan scan;
    hml_status status = capture_scan_init(&scan, req->accuracy_regex, err);
    if (status != HML_OK)
        return status;
    int pipes[PIPE_COUNT][2];
    memset(pipes, -1, sizeof pipes);
    pid_t pid = -1;
    status = start(req, pipes, &pid, out, err);
    if (status != HML_OK) {
        close_pipes(pipes);
        capture_scan_free(&scan);
        return status;
    }
    child_pid = pid;
    struct sigaction sa = {.sa_handler = forward_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    pass_through(req, pipes, &scan);
    while (waitpid(pid, &out->wait_status, 0) < 0 && errno == EINTR)
        ;
    out->regex_matched_nothing = !write_result(req, &scan) && req->accuracy_regex;
    capture_scan_free(&scan);
    close_pipes(pipes);
    return HML_OK;
}
