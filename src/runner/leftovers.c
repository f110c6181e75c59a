#include "runner/leftovers.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"
#include "common/text.h"
#include "meter/cgroup.h"
#include "meter/clock.h"
#include "runner/spawn.h"

#define LEFTOVERS_WAIT_S 5.0
#define ENVIRON_MAX (1u << 20) /* an environment larger than this is not searched further */

/* Field 22 of /proc/<pid>/stat: the start time in clock ticks after boot;
 * -1 when the process does not exist. */
static long long start_ticks(long pid)
{
    char path[64], buf[1024];
    text_format(path, sizeof path, "/proc/%ld/stat", pid);
    return procfs_read(path, buf, sizeof buf) == 0 ? procfs_stat_start_ticks(buf) : -1;
}

static void read_boot_id(char *buf, size_t size)
{
    if (procfs_read("/proc/sys/kernel/random/boot_id", buf, size) != 0)
        buf[0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

void leftovers_owner_self(store_live_run *run)
{
    run->owner_pid = (long)getpid();
    run->owner_start = start_ticks(run->owner_pid);
    if (gethostname(run->hostname, sizeof run->hostname) != 0)
        run->hostname[0] = '\0';
    run->hostname[sizeof run->hostname - 1] = '\0';
    read_boot_id(run->boot_id, sizeof run->boot_id);
    clock_utc_iso8601(run->started_at, sizeof run->started_at);
}

bool leftovers_owner_alive(const store_live_run *run)
{
    char host[256] = "";
    if (gethostname(host, sizeof host) != 0 || strcmp(host, run->hostname) != 0)
        return true;
    char boot[40];
    read_boot_id(boot, sizeof boot);
    if (strcmp(boot, run->boot_id) != 0)
        return false; /* rebooted since: nothing of it runs */
    return start_ticks(run->owner_pid) == run->owner_start;
}

/* Whether the environment of pid holds entry ("NAME=value") as a whole entry. */
static bool environ_has(long pid, const char *entry)
{
    char path[64];
    text_format(path, sizeof path, "/proc/%ld/environ", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t cap = 16384, len = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (len == cap) {
            if (cap >= ENVIRON_MAX)
                break;
            char *grown = realloc(buf, cap * 2 + 1);
            if (!grown)
                break;
            buf = grown;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    bool found = false;
    size_t want = strlen(entry);
    for (size_t at = 0; buf && at < len && !found;) {
        size_t item = strnlen(buf + at, len - at);
        found = item == want && memcmp(buf + at, entry, want) == 0;
        at += item + 1;
    }
    free(buf);
    return found;
}

/* Kills every process carrying the token; returns how many there were. */
static int kill_carriers(const char *entry)
{
    DIR *dir = opendir("/proc");
    if (!dir)
        return 0;
    long self = (long)getpid();
    int found = 0;
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        if (!isdigit((unsigned char)ent->d_name[0]))
            continue;
        long pid = strtol(ent->d_name, NULL, 10);
        if (pid == self || !environ_has(pid, entry))
            continue;
        found++;
        kill((pid_t)pid, SIGKILL);
    }
    closedir(dir);
    return found;
}

int leftovers_kill_token(const char *token, double wait_s, int *left)
{
    char entry[96];
    text_format(entry, sizeof entry, "%s=%s", SPAWN_RUN_TOKEN_ENV, token);
    int found = kill_carriers(entry);
    *left = found;
    double until = clock_monotonic_s() + wait_s;
    /* Killed processes lose their environment as they exit; one that forked
     * meanwhile is found by the next pass. */
    while (*left > 0 && clock_monotonic_s() < until) {
        clock_sleep_s(0.002, NULL);
        *left = kill_carriers(entry);
    }
    return found;
}

hml_status leftovers_end_crashed(store *s, int *ended, hml_err *err)
{
    *ended = 0;
    store_live_run *runs = NULL;
    size_t count = 0;
    hml_status status = store_list_live_runs(s, &runs, &count, err);
    for (size_t i = 0; status == HML_OK && i < count; i++) {
        const store_live_run *r = &runs[i];
        if (leftovers_owner_alive(r))
            continue; /* another hmlcost's run, under way */
        int cgroup_left = 0, token_left = 0;
        int in_cgroup = run_cgroup_kill_recorded(r->cgroups, LEFTOVERS_WAIT_S, &cgroup_left);
        int carriers = leftovers_kill_token(r->token, LEFTOVERS_WAIT_S, &token_left);
        *ended += in_cgroup > carriers ? in_cgroup : carriers;
        if (cgroup_left > 0 || token_left > 0) {
            status = hml_fail(err, HML_ESYSTEM,
                              "%d process%s of a run started at %s by hmlcost pid %ld (no "
                              "longer running) cannot be ended; measuring next to them would "
                              "be wrong",
                              cgroup_left > token_left ? cgroup_left : token_left,
                              (cgroup_left > token_left ? cgroup_left : token_left) == 1 ? ""
                                                                                         : "es",
                              r->started_at, r->owner_pid);
            break;
        }
        status = store_drop_live_run(s, r->token, err);
    }
    free(runs);
    /* Run cgroups made but never recorded (hmlcost killed in between), by
     * any store or `hmlcost measure`: empty, removed when their owner is dead. */
    cgroup_texts texts;
    run_cgroup_texts_read(NULL, &texts);
    run_cgroup_remove_stale(&texts);
    run_cgroup_texts_free(&texts);
    return status;
}
