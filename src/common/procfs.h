/* Small files of /proc and /sys (and cgroup files), read in one go. */
#ifndef HMLCOST_COMMON_PROCFS_H
#define HMLCOST_COMMON_PROCFS_H

#include <stdbool.h>
#include <stddef.h>

/* Reads up to size - 1 bytes of the file at path into buf, NUL-terminated
 * (opened anew each time: a rewritten file is a new inode). Returns 0, or
 * the errno of the failure; buf is "" then. */
int procfs_read(const char *path, char *buf, size_t size);

/* MemAvailable from /proc/meminfo in bytes; 0 when unknown. (Not capped by
 * a cgroup limit: callers that care apply it.) */
unsigned long long procfs_mem_available(void);

/* The numbers of a /proc/<pid>/stat line from field 4 (ppid) on, as
 * proc(5) numbers them: fields[k] is field k + 4. The command name (field 2)
 * may hold spaces and ')', so fields are counted from the last ')'. Returns
 * false when text is not such a line or holds fewer than n of them. */
bool procfs_stat_fields(const char *text, long long *fields, size_t n);

/* Field 22 of a /proc/<pid>/stat line: the process's start time in clock
 * ticks after boot; -1 when text is not such a line. */
long long procfs_stat_start_ticks(const char *text);

#endif
