/* The kernel here may lack /proc/<pid>/task/<tid>/children
 * (CONFIG_PROC_CHILDREN), so the tree is found from /proc/<pid>/stat (pid,
 * ppid, pgrp, times, rss). Reading every process's stat at every sample
 * costs too much on a busy machine, so:
 *  - processes already in the tree keep their stat file open (one pread);
 *  - a process is looked at only when its pid is above the root's (a
 *    descendant is born after the root) and it is not already known to be
 *    outside the tree;
 *  - every FULL_SCAN_EVERY snapshots all processes are read again, which
 *    catches descendants whose pid wrapped around below the root's; the
 *    first snapshot is such a full scan only when pids did wrap since the
 *    root was born (the last pid is below the root's): a short command's
 *    one snapshot then reads the few new processes, not the whole machine;
 *  - when no process at all was created since the last snapshot (the last
 *    pid in /proc/loadavg did not move), /proc is not listed: the members
 *    are just read again. */
#include "meter/proctree.h"
#include "common/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FULL_SCAN_EVERY 50

typedef struct proc_entry {
    pid_t pid, ppid, pgrp;
    double cpu_ticks; /* utime + stime + cutime + cstime */
    double rss_pages;
} proc_entry;

typedef struct member {
    pid_t pid;
    int stat_fd; /* /proc/<pid>/stat, kept open */
    bool seen;   /* listed by this snapshot's readdir */
} member;

struct proctree {
    pid_t root;
    pid_t reaper; /* our own pid: orphans of the tree are re-parented to us */
    member *members; /* the tree, sorted by pid */
    size_t member_count, member_capacity;
    pid_t *outside;  /* pids known not to be in the tree, sorted */
    size_t outside_count, outside_capacity;
    proc_entry *fresh; /* scratch: processes read this snapshot, not yet placed */
    size_t fresh_count, fresh_capacity;
    unsigned snapshots;
    long last_pid; /* from /proc/loadavg at the last listing, -1: unknown */
    double ticks_per_s;
    double page_bytes;
};

proctree *proctree_new(void)
{
    proctree *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    long hz = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    t->ticks_per_s = hz > 0 ? (double)hz : 100.0;
    t->page_bytes = page > 0 ? (double)page : 4096.0;
    t->last_pid = -1;
    t->reaper = getpid();
    return t;
}

void proctree_free(proctree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->member_count; i++)
        close(t->members[i].stat_fd);
    free(t->members);
    free(t->outside);
    free(t->fresh);
    free(t);
}

void proctree_snapshot_free(proctree_snapshot *snap)
{
    free(snap->pids);
    snap->pids = NULL;
    snap->pid_capacity = 0;
}

static bool grow(void **items, size_t *capacity, size_t count, size_t elem)
{
    if (count < *capacity)
        return true;
    size_t cap = *capacity ? *capacity * 2 : 32;
    void *grown = realloc(*items, cap * elem);
    if (!grown)
        return false;
    *items = grown;
    *capacity = cap;
    return true;
}

/* Fields of /proc/<pid>/stat (proc(5)): 4 ppid, 5 pgrp, 14-17 utime stime
 * cutime cstime, 24 rss. */
static bool parse_stat(const char *buf, proc_entry *e)
{
    long long fields[21]; /* fields 4..24 */
    if (!procfs_stat_fields(buf, fields, 21))
        return false;
    e->ppid = (pid_t)fields[0];
    e->pgrp = (pid_t)fields[1];
    e->cpu_ticks = (double)(fields[10] + fields[11] + fields[12] + fields[13]);
    e->rss_pages = (double)fields[20];
    return true;
}

static bool read_stat_fd(int fd, proc_entry *e)
{
    char buf[1024];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return parse_stat(buf, e);
}

static int open_stat(int proc_fd, pid_t pid)
{
    char path[32];
    char digits[16];
    int len = 0;
    for (pid_t v = pid; v > 0 && len < 15; v /= 10)
        digits[len++] = (char)('0' + v % 10);
    for (int i = 0; i < len; i++)
        path[i] = digits[len - 1 - i];
    memcpy(path + len, "/stat", 6);
    return openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
}

static int compare_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

static member *find_member(proctree *t, pid_t pid)
{
    /* members are sorted by pid; member's first field is the pid */
    if (t->member_count == 0)
        return NULL;
    return bsearch(&pid, t->members, t->member_count, sizeof *t->members, compare_pid);
}

static bool is_outside(const proctree *t, pid_t pid)
{
    if (t->outside_count == 0)
        return false;
    return bsearch(&pid, t->outside, t->outside_count, sizeof *t->outside, compare_pid) != NULL;
}

static int compare_member(const void *a, const void *b)
{
    return compare_pid(&((const member *)a)->pid, &((const member *)b)->pid);
}

static void add_to_snapshot(proctree *t, proctree_snapshot *snap, pid_t pid, const proc_entry *e);

static void reset(proctree *t, pid_t root)
{
    for (size_t i = 0; i < t->member_count; i++)
        close(t->members[i].stat_fd);
    t->member_count = 0;
    t->outside_count = 0;
    t->snapshots = 0;
    t->last_pid = -1;
    t->root = root;
}

/* The most recently created pid: the last field of /proc/loadavg. */
static long read_last_pid(void)
{
    char buf[128];
    if (procfs_read("/proc/loadavg", buf, sizeof buf) != 0 || !buf[0])
        return -1;
    char *space = strrchr(buf, ' ');
    return space ? strtol(space + 1, NULL, 10) : -1;
}

/* Reads every member through its open stat file; a member that is gone
 * (the read fails) is dropped. */
static void read_members(proctree *t, proctree_snapshot *snap)
{
    size_t kept = 0;
    for (size_t i = 0; i < t->member_count; i++) {
        proc_entry e = {.pid = t->members[i].pid};
        if (read_stat_fd(t->members[i].stat_fd, &e)) {
            add_to_snapshot(t, snap, e.pid, &e);
            t->members[kept++] = t->members[i];
        } else {
            close(t->members[i].stat_fd);
        }
    }
    t->member_count = kept;
}

static void add_to_snapshot(proctree *t, proctree_snapshot *snap, pid_t pid, const proc_entry *e)
{
    if (e->pgrp != t->root)
        snap->outside_group++;
    if (grow((void **)&snap->pids, &snap->pid_capacity, (size_t)snap->processes, sizeof(pid_t)))
        snap->pids[snap->processes++] = pid;
    snap->rss_bytes += e->rss_pages * t->page_bytes;
    snap->cpu_s += e->cpu_ticks / t->ticks_per_s;
}

int proctree_snapshot_take(proctree *t, pid_t root, proctree_snapshot *snap)
{
    snap->rss_bytes = 0;
    snap->cpu_s = 0;
    snap->processes = 0;
    snap->outside_group = 0;
    if (root != t->root)
        reset(t, root);
    long last_pid = read_last_pid();
    bool full_scan = t->snapshots % FULL_SCAN_EVERY == 0 &&
                     (t->snapshots > 0 || last_pid < 0 || last_pid < root);
    t->snapshots++;
    if (full_scan)
        t->outside_count = 0;
    if (!full_scan && last_pid >= 0 && last_pid == t->last_pid) {
        read_members(t, snap);
        return 0;
    }
    t->last_pid = last_pid;

    int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc_fd < 0)
        return -1;
    DIR *dir = fdopendir(dup(proc_fd));
    if (!dir) {
        close(proc_fd);
        return -1;
    }
    for (size_t i = 0; i < t->member_count; i++)
        t->members[i].seen = false;
    t->fresh_count = 0;
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        if (!isdigit((unsigned char)ent->d_name[0]))
            continue;
        pid_t pid = (pid_t)atoi(ent->d_name);
        member *m = find_member(t, pid);
        if (m) {
            m->seen = true;
            continue;
        }
        if (!full_scan && (pid < root || is_outside(t, pid)))
            continue;
        int fd = open_stat(proc_fd, pid);
        if (fd < 0)
            continue; /* it exited between readdir and open */
        proc_entry e = {.pid = pid};
        bool ok = read_stat_fd(fd, &e);
        close(fd);
        if (ok && grow((void **)&t->fresh, &t->fresh_capacity, t->fresh_count, sizeof e))
            t->fresh[t->fresh_count++] = e;
    }
    closedir(dir);

    /* Members that are gone: close and drop them. */
    size_t kept = 0;
    for (size_t i = 0; i < t->member_count; i++) {
        if (t->members[i].seen)
            t->members[kept++] = t->members[i];
        else
            close(t->members[i].stat_fd);
    }
    t->member_count = kept;

    /* Place the fresh processes: in the tree when they are the root, in its
     * process group, or children of a member; repeat until nothing moves
     * (a child may be listed before its parent after a pid wrap). */
    bool placed = true;
    while (placed) {
        placed = false;
        for (size_t i = 0; i < t->fresh_count; i++) {
            proc_entry *e = &t->fresh[i];
            if (e->pid == 0)
                continue;
            if (!(e->pid == root || e->pgrp == root || e->ppid == t->reaper ||
                  find_member(t, e->ppid)))
                continue;
            int fd = open_stat(proc_fd, e->pid);
            if (fd >= 0 && grow((void **)&t->members, &t->member_capacity, t->member_count,
                                sizeof *t->members)) {
                t->members[t->member_count++] = (member){.pid = e->pid, .stat_fd = fd, .seen = true};
                qsort(t->members, t->member_count, sizeof *t->members, compare_member);
            } else if (fd >= 0) {
                close(fd);
            }
            e->pid = 0; /* placed */
            placed = true;
        }
    }
    /* The rest are outside the tree; remember them until the next full scan. */
    for (size_t i = 0; i < t->fresh_count; i++) {
        if (t->fresh[i].pid == 0)
            continue;
        if (grow((void **)&t->outside, &t->outside_capacity, t->outside_count, sizeof(pid_t)))
            t->outside[t->outside_count++] = t->fresh[i].pid;
    }
    if (t->outside_count > 1)
        qsort(t->outside, t->outside_count, sizeof *t->outside, compare_pid);
    close(proc_fd);

    read_members(t, snap);
    return 0;
}
