/* A run's own cgroup: every process the run starts (daemons, double forks,
 * setsid included) is accounted in it and killed with it at the end.
 *
 * The run's cgroup is made below the cgroup hmlcost itself is in, in each
 * hierarchy, so limits set on hmlcost keep applying; this needs root or a
 * delegated cgroup. cgroup v2: one directory, CPU from cpu.stat (always
 * there), the memory peak from memory.peak (kernel >= 5.19, memory
 * controller enabled for the parent's children), killed by cgroup.kill.
 * cgroup v1: cpuacct + memory (+ freezer when mounted) directories, CPU from
 * cpuacct.usage (split by cpuacct.usage_user/usage_sys), the peak from memory.max_usage_in_bytes,
 * killed frozen. A memory peak in a cgroup counts what the run's processes
 * touched first: resident memory, page cache and kernel memory. */
#ifndef HMLCOST_METER_CGROUP_H
#define HMLCOST_METER_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#define RUN_CGROUP_MAX_DIRS 4
#define RUN_CGROUP_PREFIX "hmlcost-" /* then the owner's pid, '-' and the run's name */
#define RUN_CGROUP_PATH_MAX 512

typedef struct run_cgroup {
    int version; /* 1 or 2 */
    size_t dir_count;
    char dirs[RUN_CGROUP_MAX_DIRS][RUN_CGROUP_PATH_MAX]; /* every hierarchy the run joins */
    int cpu_dir, memory_dir, freezer_dir;                /* index into dirs; -1: none */
    bool memory_peak; /* v2: memory.peak exists; false: memory.current is sampled */
    double sampled_memory_peak;
    int join_fds[RUN_CGROUP_MAX_DIRS]; /* cgroup.procs (v2) or tasks (v1), open for the child */
    int dir_fd; /* v2: the directory, for a child created in it (clone3); else -1 */
} run_cgroup;

typedef struct run_cgroup_usage {
    double user_s, sys_s;
    double memory_peak_bytes; /* < 0: no memory accounting in this cgroup */
} run_cgroup_usage;

/* Where cgroups are mounted and which hmlcost is in: the real files, or a
 * test's fake ones. */
typedef struct cgroup_sources {
    const char *mountinfo;   /* default /proc/self/mountinfo */
    const char *self_cgroup; /* default /proc/self/cgroup */
} cgroup_sources;

/* Those files' texts, read once for all the lookups of one run. */
typedef struct cgroup_texts {
    char *mountinfo;
    char *self_cgroup;
} cgroup_texts;

/* sources may be NULL (the real files); a file that cannot be read is NULL. */
void run_cgroup_texts_read(const cgroup_sources *sources, cgroup_texts *texts);
void run_cgroup_texts_free(cgroup_texts *texts);

/* Makes the run's cgroup "hmlcost-<pid>-<name>" for version 2 or 1, opens the
 * files the child joins it by, and returns true; or fills why ("cgroup-v2:
 * <dir>: Permission denied") and returns false, leaving nothing behind. */
bool run_cgroup_create(run_cgroup *cg, int version, const char *name, const cgroup_texts *texts,
                       char *why, size_t why_size);

/* Whether a v2 run cgroup would account memory: the memory controller is
 * enabled for the children of hmlcost's own v2 cgroup. */
bool run_cgroup_v2_accounts_memory(const cgroup_texts *texts);

/* Removes the empty run cgroups, next to where this process makes its own
 * (every hierarchy), whose owner is no longer alive: an hmlcost killed
 * between making a run's cgroup and removing it. One that still holds a
 * process stays (the kernel refuses). Returns how many were removed. */
int run_cgroup_remove_stale(const cgroup_texts *texts);

/* Joins the calling process to the cgroup through the open files: for the
 * child between fork and exec (async-signal-safe). Returns 0 or -1. */
int run_cgroup_join_fds(const int *fds, size_t count);

/* Closes the files the child joined by, and dir_fd (after the child is started). */
void run_cgroup_close_join_fds(run_cgroup *cg);

/* The cgroup's CPU seconds so far, and (v2 without memory.peak) a sample of
 * memory.current towards the peak. */
double run_cgroup_cpu_s(run_cgroup *cg);
void run_cgroup_sample_memory(run_cgroup *cg);

/* The processes still in the cgroup. */
int run_cgroup_count(const run_cgroup *cg);

/* Kills every process in the cgroup (cgroup.kill, or frozen then SIGKILL
 * each) and waits up to wait_s for them to be gone. Returns how many there
 * were; *left is how many are still there after the wait. */
int run_cgroup_kill(const run_cgroup *cg, double wait_s, int *left);

/* The usage of the whole run: read after run_cgroup_kill. */
bool run_cgroup_read(const run_cgroup *cg, run_cgroup_usage *usage);

/* Removes the cgroup's directories (empty by then). */
void run_cgroup_remove(run_cgroup *cg);

/* The directories, '\n'-separated, for the record a crashed run leaves. */
void run_cgroup_describe(const run_cgroup *cg, char *buf, size_t size);

/* Kills what is left in directories a crashed run recorded (as
 * run_cgroup_describe wrote them) and removes them. Returns the number of
 * processes found; *left those still alive after wait_s. */
int run_cgroup_kill_recorded(const char *dirs, double wait_s, int *left);

#endif
