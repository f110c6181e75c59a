/* Small files of /proc and /sys (and cgroup files), read in one go. */
#ifndef HMLCOST_COMMON_PROCFS_H
#define HMLCOST_COMMON_PROCFS_H

#include <stddef.h>

/* Reads up to size - 1 bytes of the file at path into buf, NUL-terminated
 * (opened anew each time: a rewritten file is a new inode). Returns 0, or
 * the errno of the failure; buf is "" then. */
int procfs_read(const char *path, char *buf, size_t size);

/* MemAvailable from /proc/meminfo in bytes; 0 when unknown. (Not capped by
 * a cgroup limit: callers that care apply it.) */
unsigned long long procfs_mem_available(void);

#endif
