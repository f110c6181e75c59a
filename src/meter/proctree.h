/* A snapshot of a process tree from /proc: the root, every process whose
 * parent chain leads to it, every process still in its process group, and
 * every other child of ours: we are the tree's subreaper, so an orphan that
 * left the group (a setsid daemon) is re-parented to us. */
#ifndef HMLCOST_METER_PROCTREE_H
#define HMLCOST_METER_PROCTREE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct proctree_snapshot {
    double rss_bytes; /* summed resident set size */
    double cpu_s;     /* summed utime+stime+cutime+cstime: the live processes and the
                         children they have waited for */
    int processes;
    int outside_group; /* of those, the ones no longer in the root's process group */
    pid_t *pids;      /* the processes found, reused between snapshots */
    size_t pid_capacity;
} proctree_snapshot;

typedef struct proctree proctree; /* scratch space kept between snapshots */

proctree *proctree_new(void);
void proctree_free(proctree *t);

/* Scans /proc once and fills snap for the tree of root (a process group
 * leader). Returns 0, or -1 when /proc cannot be read. */
int proctree_snapshot_take(proctree *t, pid_t root, proctree_snapshot *snap);
void proctree_snapshot_free(proctree_snapshot *snap);

#endif
