/* The memory the kernel says is available for new work. */
#ifndef HMLCOST_COMMON_MEMINFO_H
#define HMLCOST_COMMON_MEMINFO_H

/* MemAvailable from /proc/meminfo in bytes; 0 when unknown. (Not capped by
 * a cgroup limit: callers that care apply it.) */
unsigned long long meminfo_available_bytes(void);

#endif
