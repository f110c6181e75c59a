/* The kernel here may lack /proc/<pid>/task/<tid>/children
 * (CONFIG_PROC_CHILDREN), so each snapshot reads /proc/<pid>/stat of every
 * process once: pid, ppid, pgrp, times and rss, then keeps the ones that
 * descend from the root or share its process group. */
#include "meter/proctree.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct proc_entry {
    pid_t pid, ppid, pgrp;
    double cpu_ticks; /* utime + stime + cutime + cstime */
    double rss_pages;
    bool in_tree;
} proc_entry;

struct proctree {
    proc_entry *procs;
    size_t count, capacity;
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
    return t;
}

void proctree_free(proctree *t)
{
    if (!t)
        return;
    free(t->procs);
    free(t);
}

void proctree_snapshot_free(proctree_snapshot *snap)
{
    free(snap->pids);
    snap->pids = NULL;
    snap->pid_capacity = 0;
}

/* /proc/<pid>/stat: "pid (comm) state ppid pgrp session tty tpgid flags
 * minflt cminflt majflt cmajflt utime stime cutime cstime priority nice
 * num_threads itrealvalue starttime vsize rss ...". comm may hold spaces and
 * parentheses, so fields are counted from the last ')'. */
static bool read_stat(int proc_fd, const char *name, proc_entry *e)
{
    char path[64];
    size_t len = strlen(name);
    if (len > 40)
        return false;
    memcpy(path, name, len);
    memcpy(path + len, "/stat", 6);
    int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return false;
    p += 2; /* at field 3, state */
    long long fields[22];
    /* Skip the state character, then parse numbers for fields 4..24. */
    while (*p && *p != ' ')
        p++;
    int k = 0;
    while (*p && k < 21) {
        while (*p == ' ')
            p++;
        char *end = NULL;
        fields[k] = strtoll(p, &end, 10);
        if (end == p)
            return false;
        p = end;
        k++;
    }
    if (k < 21)
        return false;
    /* fields[0] is field 4 (ppid); field f is fields[f - 4]. */
    e->ppid = (pid_t)fields[0];
    e->pgrp = (pid_t)fields[1];
    e->cpu_ticks = (double)(fields[10] + fields[11] + fields[12] + fields[13]); /* 14..17 */
    e->rss_pages = (double)fields[20];                                          /* 24 */
    return true;
}

static int compare_pids(const void *a, const void *b)
{
    pid_t x = ((const proc_entry *)a)->pid, y = ((const proc_entry *)b)->pid;
    return (x > y) - (x < y);
}

int proctree_snapshot_take(proctree *t, pid_t root, proctree_snapshot *snap)
{
    snap->rss_bytes = 0;
    snap->cpu_s = 0;
    snap->processes = 0;
    int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc_fd < 0)
        return -1;
    DIR *dir = fdopendir(dup(proc_fd));
    if (!dir) {
        close(proc_fd);
        return -1;
    }
    t->count = 0;
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        if (!isdigit((unsigned char)ent->d_name[0]))
            continue;
        proc_entry e;
        memset(&e, 0, sizeof e);
        e.pid = (pid_t)atoi(ent->d_name);
        if (!read_stat(proc_fd, ent->d_name, &e))
            continue; /* it exited between readdir and open */
        if (t->count == t->capacity) {
            size_t cap = t->capacity ? t->capacity * 2 : 256;
            proc_entry *grown = realloc(t->procs, cap * sizeof *grown);
            if (!grown)
                break;
            t->procs = grown;
            t->capacity = cap;
        }
        e.in_tree = e.pid == root || e.pgrp == root;
        t->procs[t->count++] = e;
    }
    closedir(dir);
    close(proc_fd);

    /* Close the tree under "parent is in the tree": repeat until nothing
     * changes (the depth of the tree bounds the passes); parents are found
     * by binary search over the pid-sorted entries. */
    qsort(t->procs, t->count, sizeof *t->procs, compare_pids);
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < t->count; i++) {
            if (t->procs[i].in_tree || t->procs[i].ppid <= 1)
                continue;
            proc_entry key = {.pid = t->procs[i].ppid};
            const proc_entry *parent =
                bsearch(&key, t->procs, t->count, sizeof *t->procs, compare_pids);
            if (parent && parent->in_tree) {
                t->procs[i].in_tree = true;
                changed = true;
            }
        }
    }
    for (size_t i = 0; i < t->count; i++) {
        const proc_entry *e = &t->procs[i];
        if (!e->in_tree)
            continue;
        if ((size_t)snap->processes == snap->pid_capacity) {
            size_t cap = snap->pid_capacity ? snap->pid_capacity * 2 : 16;
            pid_t *grown = realloc(snap->pids, cap * sizeof *grown);
            if (!grown)
                break;
            snap->pids = grown;
            snap->pid_capacity = cap;
        }
        snap->pids[snap->processes++] = e->pid;
        snap->rss_bytes += e->rss_pages * t->page_bytes;
        snap->cpu_s += e->cpu_ticks / t->ticks_per_s;
    }
    return 0;
}
