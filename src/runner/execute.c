#include "runner/execute.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meter/clock.h"
#include "common/text.h"
#include "runner/plan.h"
#include "runner/result.h"
#include "runner/spawn.h"

#define RESULT_MAX_BYTES (4u << 20) /* a result line larger than this is cut */
#define KILL_GRACE_S 1.0            /* SIGTERM, then SIGKILL this much later */
#define FIRST_SAMPLE_S 0.005        /* the first sample, then twice as late up to the interval */
#define LEFTOVER_WAIT_S 2.0         /* how long to wait for killed leftovers to go */

typedef struct result_buffer {
    char *data;
    size_t len, cap;
} result_buffer;

/* Reads what the child wrote so far; returns false at end of file. */
static bool drain_result(int fd, result_buffer *buf)
{
    for (;;) {
        if (buf->len == buf->cap) {
            if (buf->cap >= RESULT_MAX_BYTES) {
                char scratch[4096];
                ssize_t n = read(fd, scratch, sizeof scratch);
                if (n > 0)
                    continue;
                return !(n == 0);
            }
            size_t cap = buf->cap ? buf->cap * 2 : 4096;
            char *grown = realloc(buf->data, cap);
            if (!grown)
                return true;
            buf->data = grown;
            buf->cap = cap;
        }
        ssize_t n = read(fd, buf->data + buf->len, buf->cap - buf->len);
        if (n > 0) {
            buf->len += (size_t)n;
            continue;
        }
        if (n == 0)
            return false;
        return errno == EAGAIN || errno == EINTR;
    }
}

typedef struct reap_state {
    pid_t root;
    bool root_done;
    int root_status;
    double root_end; /* monotonic time the root was seen gone */
} reap_state;

/* Reaps every child of ours that has ended (the root and orphans of the tree
 * re-parented to us as subreaper), giving each one's usage to the meter. */
static void reap_ended(meter *m, reap_state *st, int flags)
{
    for (;;) {
        int status = 0;
        struct rusage usage;
        pid_t pid = wait4(-1, &status, flags, &usage);
        if (pid <= 0) {
            if (pid < 0 && errno == EINTR)
                continue;
            return;
        }
        meter_add_reaped(m, &usage, pid == st->root);
        if (pid == st->root) {
            st->root_done = true;
            st->root_status = status;
            st->root_end = clock_monotonic_s();
        }
        if (flags == 0)
            return;
    }
}

/* Signals the whole process group, and the root itself in case it left the
 * group (setsid, setpgid). */
static void signal_tree(pid_t root, int sig)
{
    kill(-root, sig);
    kill(root, sig);
}

/* After the root is gone: kills every process of the run still there and
 * reaps them (bounded: a process stuck in the kernel is left behind).
 * Returns how many there were; *escaped: how many had left the group. */
static int kill_leftovers(meter *m, reap_state *st, int *escaped)
{
    reap_ended(m, st, WNOHANG);
    int found = meter_kill_tree(m, escaped);
    if (found == 0)
        return 0;
    double until = clock_monotonic_s() + LEFTOVER_WAIT_S;
    while (clock_monotonic_s() < until) {
        reap_ended(m, st, WNOHANG);
        if (meter_tree_count(m) == 0)
            break;
        clock_sleep_s(0.001, NULL);
    }
    reap_ended(m, st, WNOHANG);
    return found;
}

/* A fresh random token per run, 16 hex digits. */
static void make_token(char *buf, size_t size)
{
    unsigned char bytes[8];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
        /* No entropy: pid and time still tell runs apart on this machine. */
        unsigned long long v = (unsigned long long)getpid() << 40 ^
                               (unsigned long long)(clock_monotonic_s() * 1e9);
        for (size_t i = 0; i < sizeof bytes; i++)
            bytes[i] = (unsigned char)(v >> (8 * i));
    }
    static const char hex[] = "0123456789abcdef";
    size_t used = 0;
    for (size_t i = 0; i < sizeof bytes && used + 2 < size; i++) {
        buf[used++] = hex[bytes[i] >> 4];
        buf[used++] = hex[bytes[i] & 15];
    }
    buf[used] = '\0';
}

static void describe_end(const reap_state *st, bool timed_out, double timeout_s,
                         execute_result *r)
{
    int status = st->root_status;
    if (WIFEXITED(status)) {
        r->exit_code = WEXITSTATUS(status);
        r->status = r->exit_code == 0 ? STORE_RUN_OK : STORE_RUN_FAILED;
        if (r->exit_code != 0)
            text_format(r->reason, sizeof r->reason, "exit status %d", r->exit_code);
    } else if (WIFSIGNALED(status)) {
        r->signal = WTERMSIG(status);
        const char *name = sigabbrev_np(r->signal);
        r->status = STORE_RUN_CRASHED;
        text_format(r->reason, sizeof r->reason, "killed by SIG%s%s", name ? name : "?",
                    WCOREDUMP(status) ? " (core dumped)" : "");
    }
    if (timed_out) {
        r->status = STORE_RUN_TIMEOUT;
        text_format(r->reason, sizeof r->reason, "still running after %g s (--timeout): killed",
                    timeout_s);
    }
}

hml_status execute_measured(char *const argv[], char *const env_changes[], size_t env_count,
                            const execute_options *opts, execute_result *r, hml_err *err)
{
    memset(r, 0, sizeof *r);
    r->exit_code = -1;
    r->status = STORE_RUN_ERROR;
    clock_utc_iso8601(r->started_at, sizeof r->started_at);
    /* Orphans of the tree become our children, so their usage is counted. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    meter *m = NULL;
    hml_status status = meter_begin(&m, &opts->meter, err);
    if (status != HML_OK)
        return status;
    make_token(r->token, sizeof r->token);
    meter_account_run(m, r->token);
    if (opts->before_start) {
        char cgroups[2048];
        meter_describe_cgroup(m, cgroups, sizeof cgroups);
        status = opts->before_start(opts->start_ctx, r->token, cgroups, err);
        if (status != HML_OK) {
            text_format(r->reason, sizeof r->reason, "%s", err->msg);
            meter_free(m);
            return status;
        }
    }
    spawn_request req = {.argv = argv, .env_changes = env_changes,
                         .env_change_count = env_count, .quiet = opts->quiet,
                         .result_pipe = true, .run_token = r->token};
    req.join_fds = meter_join_fds(m, &req.join_fd_count);
    req.into_cgroup_fd = meter_cgroup_dir_fd(m);
    spawn_child child;
    double t0 = clock_monotonic_s();
    status = spawn_start(&req, &child, err);
    if (status != HML_OK && child.join_errno && opts->meter.accounting == METER_ACCOUNTING_AUTO) {
        /* A cgroup we may make but not enter: account from /proc instead. */
        meter_forgo_cgroup(m, err->msg);
        req.join_fd_count = 0;
        req.into_cgroup_fd = -1;
        t0 = clock_monotonic_s();
        status = spawn_start(&req, &child, err);
    }
    if (status != HML_OK) {
        text_format(r->reason, sizeof r->reason, "%s", err->msg);
        meter_free(m);
        return status;
    }
    meter_watch(m, child.pid, child.parent_rss_bytes);
    t0 = child.started_s; /* wall time from here: joining the cgroup is not the command's */

    reap_state st = {.root = child.pid};
    result_buffer out = {0};
    double interval = opts->meter.interval_s > 0 ? opts->meter.interval_s : 0.1;
    /* The first samples come early (5, 10, 20 ms... up to the interval), so
     * that a short command's memory is seen at least once. */
    double step = interval < FIRST_SAMPLE_S ? interval : FIRST_SAMPLE_S;
    double next_sample = t0 + step;
    double next_poll = t0 + METER_COUNTER_POLL_S;
    double deadline = opts->timeout_s > 0 ? t0 + opts->timeout_s : 0;
    double kill_at = 0;
    bool timed_out = false, interrupted = false;

    while (!st.root_done) {
        double now = clock_monotonic_s();
        double wake = next_sample < next_poll ? next_sample : next_poll;
        if (deadline > 0 && !timed_out && deadline < wake)
            wake = deadline;
        if (kill_at > 0 && kill_at < wake)
            wake = kill_at;
        int wait_ms = (int)((wake - now) * 1000.0 + 0.999);
        if (wait_ms < 0)
            wait_ms = 0;
        if (child.pidfd < 0 && wait_ms > 5)
            wait_ms = 5; /* no pidfd: poll for the exit */
        struct pollfd fds[2];
        nfds_t nfds = 0;
        if (child.pidfd >= 0)
            fds[nfds++] = (struct pollfd){.fd = child.pidfd, .events = POLLIN};
        if (child.result_fd >= 0)
            fds[nfds++] = (struct pollfd){.fd = child.result_fd, .events = POLLIN};
        poll(fds, nfds, wait_ms);

        reap_ended(m, &st, WNOHANG);
        if (child.result_fd >= 0 && !drain_result(child.result_fd, &out)) {
            close(child.result_fd);
            child.result_fd = -1;
        }
        if (st.root_done)
            break;
        now = clock_monotonic_s();
        if (opts->interrupted && *opts->interrupted && !interrupted) {
            interrupted = true;
            signal_tree(child.pid, SIGKILL);
        }
        if (deadline > 0 && !timed_out && now >= deadline) {
            timed_out = true;
            signal_tree(child.pid, SIGTERM);
            kill_at = now + KILL_GRACE_S;
        }
        if (kill_at > 0 && now >= kill_at) {
            signal_tree(child.pid, SIGKILL);
            kill_at = 0;
        }
        if (now >= next_sample) {
            meter_take_sample(m, now - t0);
            step = step * 2 < interval ? step * 2 : interval;
            next_sample += step;
            if (next_sample <= now)
                next_sample = now + step;
            next_poll = now + METER_COUNTER_POLL_S;
        } else if (now >= next_poll) {
            meter_poll_counters(m);
            next_poll = now + METER_COUNTER_POLL_S;
        }
    }
    double wall_s = st.root_end - t0;
    int escaped = 0;
    int leftovers = kill_leftovers(m, &st, &escaped);
    if (child.result_fd >= 0)
        drain_result(child.result_fd, &out);
    spawn_child_close(&child);

    describe_end(&st, timed_out, opts->timeout_s, r);
    /* The workload's line first: a helper in the run (capture) reports its
     * own CPU there, which the meter takes off. */
    meter_metrics workload = {0};
    char note[200];
    if (result_line_take(out.data ? out.data : "", out.len, &r->result_json, &workload, note,
                         sizeof note) != 0)
        status = hml_fail(err, HML_ESYSTEM, "out of memory");
    free(out.data);
    const meter_metric *helper_user = meter_metrics_find(&workload, RESULT_HELPER_USER_S);
    const meter_metric *helper_sys = meter_metrics_find(&workload, RESULT_HELPER_SYS_S);
    if (helper_user && helper_sys)
        meter_subtract_helper_cpu(m, helper_user->value, helper_sys->value, "capture");
    if (status == HML_OK)
        status = meter_end(m, wall_s, &r->meter, err);
    meter_free(m);
    if (status == HML_OK && r->exit_code >= 0 &&
        meter_metrics_set(&r->meter.metrics, "exit_code", r->exit_code, "1", "measured") != 0)
        status = hml_fail(err, HML_ESYSTEM, "out of memory");
    for (size_t i = 0; status == HML_OK && i < workload.count; i++) {
        const meter_metric *w = &workload.items[i];
        if (w == helper_user || w == helper_sys)
            continue;
        if (meter_metrics_set(&r->meter.metrics, w->name, w->value, w->unit, w->method) != 0)
            status = hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    meter_metrics_free(&workload);
    if (status != HML_OK)
        return status;
    if (note[0])
        text_note_add(r->meter.notes, sizeof r->meter.notes, "%s", note);
    if (leftovers) {
        char what[200];
        text_format(what, sizeof what,
                    "%d process%s still running when the command ended %s killed and counted "
                    "to this run%s",
                    leftovers, leftovers == 1 ? "" : "es", leftovers == 1 ? "was" : "were",
                    escaped ? " (some had left its process group: daemons)" : "");
        text_note_add(r->meter.notes, sizeof r->meter.notes, "%s", what);
    }
    if (interrupted)
        return hml_fail(err, HML_ESYSTEM, "interrupted");
    return HML_OK;
}

void execute_result_free(execute_result *result)
{
    meter_result_free(&result->meter);
    free(result->result_json);
    result->result_json = NULL;
}

int execute_result_shell_status(const execute_result *result)
{
    switch (result->status) {
    case STORE_RUN_OK:
    case STORE_RUN_FAILED: return result->exit_code;
    case STORE_RUN_CRASHED: return 128 + result->signal;
    case STORE_RUN_TIMEOUT: return 124;
    default: return -1;
    }
}

hml_status execute_command_argv(size_t argc, char *const argv[], bool shell, char ***command,
                                hml_err *err)
{
    /* a plan of one arm builds the argv exactly as `hmlcost run` would */
    plan p;
    plan_init(&p);
    p.shell = shell;
    plan_arm *arm = NULL;
    *command = NULL;
    hml_status st = plan_set_command(&p, argc, argv, err);
    if (st == HML_OK)
        st = plan_add_arm(&p, "measure", &arm, err);
    if (st == HML_OK)
        st = plan_arm_command(&p, arm, command, err);
    plan_free(&p);
    return st;
}
