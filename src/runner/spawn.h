/* Starting a command as a fresh process: fork + execve with the argv as
 * given (no shell), in its own process group (so the whole tree can be
 * sampled and killed), with environment changes applied, optionally with the
 * workload's result pipe ($HMLCOST_RESULT_FD). An exec failure is reported
 * through a close-on-exec pipe, so "no such command" is an error here and
 * not an exit status 127 of the child. */
#ifndef HMLCOST_RUNNER_SPAWN_H
#define HMLCOST_RUNNER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

#define SPAWN_RESULT_FD_ENV "HMLCOST_RESULT_FD"
/* CLOCK_MONOTONIC nanoseconds just before the fork, so that a workload can
 * time its own start-up (dynamic loading included) exactly. */
#define SPAWN_TIME_ENV "HMLCOST_SPAWN_NS"
/* The run's token, inherited by every process of the run: what a later
 * hmlcost finds a crashed run's processes by (even those that left its
 * process group). */
#define SPAWN_RUN_TOKEN_ENV "HMLCOST_RUN_TOKEN"

typedef struct spawn_request {
    char *const *argv;       /* NULL-terminated; argv[0] is searched in the child's PATH */
    char *const *env_changes; /* "VAR=VAL" sets, "VAR" unsets */
    size_t env_change_count;
    bool quiet;              /* stdin from /dev/null, stdout and stderr to /dev/null */
    bool result_pipe;        /* give the child a pipe named by $HMLCOST_RESULT_FD */
    const char *run_token;   /* set as $HMLCOST_RUN_TOKEN when not NULL */
    const int *join_fds;     /* cgroup.procs files the child joins before exec */
    size_t join_fd_count;
    int into_cgroup_fd;      /* > 0: a cgroup v2 directory the child is created in
                                (clone3, Linux >= 5.7) rather than joining it by
                                join_fds; where the kernel cannot, it joins */
} spawn_request;

typedef struct spawn_child {
    pid_t pid;     /* also the process group id */
    int result_fd; /* read end of the result pipe (non-blocking), or -1 */
    int pidfd;     /* readable when the child exits (pidfd_open), or -1 */
    double parent_rss_bytes; /* our resident memory just before the fork (0: unknown) */
    int join_errno;          /* why the child could not join the cgroup (spawn failed), or 0 */
    double started_s;        /* monotonic time the child was on its own: forked, and in
                                the run's cgroup when it has one (its exec follows) */
} spawn_child;

/* The environment the child gets: ours with the changes applied, then the
 * extras ("VAR=VAL", a NULL-terminated list; NULL for none). NULL-terminated;
 * free with spawn_env_free. */
hml_status spawn_build_env(char *const *changes, size_t change_count,
                           const char *const *extras, char ***envp, hml_err *err);
void spawn_env_free(char **envp);

/* Finds name like execvp would, in the PATH of envp (a name with a '/' is
 * taken as is). HML_EUSAGE "'name': command not found" when it is not an
 * executable file. */
hml_status spawn_resolve(const char *name, char *const *envp, char *path, size_t path_size,
                         hml_err *err);

/* Starts the child. Fails (HML_EUSAGE) when it cannot be executed; no child
 * is left behind then. */
hml_status spawn_start(const spawn_request *req, spawn_child *child, hml_err *err);

/* Closes the child's descriptors (not the process). */
void spawn_child_close(spawn_child *child);

#endif
