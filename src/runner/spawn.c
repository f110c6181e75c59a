#include "runner/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/procfs.h"
#include "common/text.h"
#include "meter/cgroup.h"
#include "meter/clock.h"

/* What the child writes on the report pipe once it is in the run's cgroup
 * (an errno is positive, a failed join negative). */
#define SPAWN_JOINED INT_MIN

/* The whole message, with the child's own clock reading right after it
 * joined: the wall time starts there, however late the parent reads it. */
typedef struct joined_message {
    int code; /* SPAWN_JOINED */
    double at_s;
} joined_message;

extern char **environ;

void spawn_env_free(char **envp)
{
    for (size_t i = 0; envp && envp[i]; i++)
        free(envp[i]);
    free(envp);
}

static size_t name_length(const char *entry)
{
    const char *eq = strchr(entry, '=');
    return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* Removes VAR from envp (count entries), returning the new count. */
static size_t env_remove(char **envp, size_t count, const char *name, size_t len)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (name_length(envp[i]) == len && strncmp(envp[i], name, len) == 0)
            free(envp[i]);
        else
            envp[kept++] = envp[i];
    }
    envp[kept] = NULL;
    return kept;
}

hml_status spawn_build_env(char *const *changes, size_t change_count,
                           const char *const *extras, char ***out, hml_err *err)
{
    size_t count = 0, extra_count = 0;
    while (environ && environ[count])
        count++;
    while (extras && extras[extra_count])
        extra_count++;
    char **envp = calloc(count + change_count + extra_count + 1, sizeof *envp);
    if (!envp)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (!(envp[n++] = strdup(environ[i])))
            goto oom;
    for (size_t i = 0; i < change_count + extra_count; i++) {
        const char *change = i < change_count ? changes[i] : extras[i - change_count];
        n = env_remove(envp, n, change, name_length(change));
        if (strchr(change, '=') && !(envp[n++] = strdup(change)))
            goto oom;
    }
    envp[n] = NULL;
    *out = envp;
    return HML_OK;
oom:
    spawn_env_free(envp);
    return hml_fail(err, HML_ESYSTEM, "out of memory");
}

static bool is_executable_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

hml_status spawn_resolve(const char *name, char *const *envp, char *path, size_t path_size,
                         hml_err *err)
{
    if (!name || !*name)
        return hml_fail(err, HML_EUSAGE, "empty command");
    if (strchr(name, '/')) {
        if (!is_executable_file(name))
            return hml_fail(err, HML_EUSAGE, "'%s': %s", name,
                            access(name, F_OK) == 0 ? "not an executable file"
                                                    : "no such file");
        text_format(path, path_size, "%s", name);
        return HML_OK;
    }
    const char *search = "/usr/local/bin:/usr/bin:/bin";
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], "PATH=", 5) == 0)
            search = envp[i] + 5;
    const char *dir = search;
    for (;;) {
        const char *end = strchr(dir, ':');
        size_t len = end ? (size_t)(end - dir) : strlen(dir);
        char candidate[PATH_MAX];
        if (len == 0)
            text_format(candidate, sizeof candidate, "%s", name); /* empty entry: "." */
        else
            text_format(candidate, sizeof candidate, "%.*s/%s", (int)len, dir, name);
        if (is_executable_file(candidate)) {
            text_format(path, path_size, "%s", candidate);
            return HML_OK;
        }
        if (!end)
            break;
        dir = end + 1;
    }
    return hml_fail(err, HML_EUSAGE, "'%s': command not found", name);
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -1 : (int)fd;
#else
    (void)pid;
    return -1;
#endif
}

/* Our resident memory: the second field of /proc/self/statm, in pages. */
static double own_rss_bytes(void)
{
    char buf[128];
    if (procfs_read("/proc/self/statm", buf, sizeof buf) != 0)
        return 0;
    char *space = strchr(buf, ' ');
    long page = sysconf(_SC_PAGESIZE);
    return space ? strtod(space + 1, NULL) * (double)(page > 0 ? page : 4096) : 0;
}

/* fork, with the child created in the cgroup v2 directory dir_fd: it never
 * migrates, which would wait for an RCU grace period (~10 ms a run here).
 * -1 (errno) where the kernel cannot: then the child joins after a fork.
 * The child runs on a copy of our memory, as after fork. */
static pid_t fork_into_cgroup(int dir_fd)
{
#if defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (unsigned long long)dir_fd;
    return (pid_t)syscall(SYS_clone3, &args, sizeof args);
#else
    (void)dir_fd;
    errno = ENOSYS;
    return -1;
#endif
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void child_exec(const char *path, char *const *argv, char **envp, const spawn_request *req,
                       bool in_cgroup, int result_write, int report_fd, pid_t parent)
{
    bool quiet = req->quiet;
    /* Into the run's cgroup before anything of the command runs. */
    if (!in_cgroup && run_cgroup_join_fds(req->join_fds, req->join_fd_count) != 0) {
        int e = -errno; /* negative: the join failed, not the exec */
        ssize_t ignored = write(report_fd, &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    /* Joined: the parent's clock starts now (joining a cgroup can wait for
     * an RCU grace period, which is hmlcost's cost, not the command's). */
    if (req->join_fd_count > 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        joined_message joined = {SPAWN_JOINED, (double)now.tv_sec + (double)now.tv_nsec * 1e-9};
        ssize_t ignored = write(report_fd, &joined, sizeof joined);
        (void)ignored;
    }
    setpgid(0, 0);
    /* If hmlcost dies (kill -9), take the child with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (quiet) {
        int null_fd = open("/dev/null", O_RDWR);
        if (null_fd >= 0) {
            dup2(null_fd, STDIN_FILENO);
            dup2(null_fd, STDOUT_FILENO);
            dup2(null_fd, STDERR_FILENO);
            if (null_fd > STDERR_FILENO)
                close(null_fd);
        }
    }
    if (result_write >= 0)
        fcntl(result_write, F_SETFD, 0); /* keep it across exec */
    execve(path, argv, envp);
    int e = errno;
    ssize_t ignored = write(report_fd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

hml_status spawn_start(const spawn_request *req, spawn_child *child, hml_err *err)
{
    child->pid = -1;
    child->result_fd = -1;
    child->pidfd = -1;
    child->parent_rss_bytes = 0;
    child->join_errno = 0;
    int result_pipe[2] = {-1, -1};
    int report_pipe[2] = {-1, -1};
    char **envp = NULL;
    char path[PATH_MAX];
    hml_status status = HML_OK;

    if (req->result_pipe && pipe2(result_pipe, O_CLOEXEC) != 0)
        return hml_fail(err, HML_ESYSTEM, "pipe: %s", strerror(errno));
    char result_fd[64] = "", spawn_time[64], token[96];
    const char *extras[4] = {spawn_time, NULL, NULL, NULL};
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    text_format(spawn_time, sizeof spawn_time, "%s=%lld", SPAWN_TIME_ENV,
                (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    if (req->result_pipe) {
        text_format(result_fd, sizeof result_fd, "%s=%d", SPAWN_RESULT_FD_ENV, result_pipe[1]);
        extras[1] = result_fd;
    }
    if (req->run_token) {
        text_format(token, sizeof token, "%s=%s", SPAWN_RUN_TOKEN_ENV, req->run_token);
        extras[req->result_pipe ? 2 : 1] = token;
    }
    status = spawn_build_env(req->env_changes, req->env_change_count, extras, &envp, err);
    if (status == HML_OK)
        status = spawn_resolve(req->argv[0], envp, path, sizeof path, err);
    if (status == HML_OK && pipe2(report_pipe, O_CLOEXEC) != 0)
        status = hml_fail(err, HML_ESYSTEM, "pipe: %s", strerror(errno));
    if (status != HML_OK)
        goto done;

    pid_t parent = getpid();
    child->parent_rss_bytes = own_rss_bytes();
    child->started_s = clock_monotonic_s();
    /* fork, not vfork or posix_spawn: a vfork child runs on hmlcost's own
     * memory until exec, and the kernel then charges that memory's high-water
     * mark to the child's max RSS (about 7 MiB for `sleep` instead of 1.6). */
    pid_t pid = req->into_cgroup_fd > 0 ? fork_into_cgroup(req->into_cgroup_fd) : -1;
    bool in_cgroup = pid >= 0;
    if (!in_cgroup)
        pid = fork();
    if (pid < 0) {
        status = hml_fail(err, HML_ESYSTEM, "fork: %s", strerror(errno));
        goto done;
    }
    if (pid == 0)
        child_exec(path, req->argv, envp, req, in_cgroup, result_pipe[1], report_pipe[1], parent);
    setpgid(pid, pid); /* both sides set it: no race with our first kill(-pid) */
    close(report_pipe[1]);
    report_pipe[1] = -1;
    /* Woken once, when the child has exec'd or died (its end closed), not
     * also by the joined message: a wake-up costs most on a busy machine. */
    struct pollfd closed = {.fd = report_pipe[0], .events = 0};
    while (poll(&closed, 1, -1) < 0 && errno == EINTR)
        ;
    int exec_errno = 0;
    ssize_t n;
    do
        n = read(report_pipe[0], &exec_errno, sizeof exec_errno);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof exec_errno && exec_errno == SPAWN_JOINED) {
        /* The rest of the message: the code was read already. */
        char rest[sizeof(joined_message) - sizeof(int)];
        ssize_t got;
        do
            got = read(report_pipe[0], rest, sizeof rest);
        while (got < 0 && errno == EINTR);
        if (got == (ssize_t)sizeof rest)
            memcpy(&child->started_s, rest + offsetof(joined_message, at_s) - sizeof(int),
                   sizeof(double));
        exec_errno = 0;
        do
            n = read(report_pipe[0], &exec_errno, sizeof exec_errno);
        while (n < 0 && errno == EINTR);
    }
    if (n == (ssize_t)sizeof exec_errno) {
        int ignored;
        while (waitpid(pid, &ignored, 0) < 0 && errno == EINTR)
            ;
        if (exec_errno < 0) {
            child->join_errno = -exec_errno;
            status = hml_fail(err, HML_ESYSTEM, "cannot put '%s' into the run's cgroup: %s",
                              req->argv[0], strerror(-exec_errno));
        }
        else
            status = hml_fail(err, HML_EUSAGE, "cannot run '%s': %s", req->argv[0],
                              strerror(exec_errno));
        goto done;
    }
    child->pid = pid;
    child->pidfd = open_pidfd(pid);
    if (req->result_pipe) {
        child->result_fd = result_pipe[0];
        result_pipe[0] = -1;
        fcntl(child->result_fd, F_SETFL, fcntl(child->result_fd, F_GETFL) | O_NONBLOCK);
    }
done:
    for (int i = 0; i < 2; i++) {
        if (result_pipe[i] >= 0)
            close(result_pipe[i]);
        if (report_pipe[i] >= 0)
            close(report_pipe[i]);
    }
    spawn_env_free(envp);
    return status;
}

void spawn_child_close(spawn_child *child)
{
    if (child->result_fd >= 0)
        close(child->result_fd);
    if (child->pidfd >= 0)
        close(child->pidfd);
    child->result_fd = child->pidfd = -1;
}
