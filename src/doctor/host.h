/* Facts about the host that the doctor's checks compare settings with:
 * the CPUs this process may use (hwloc: affinity and cpuset; the cgroup CPU
 * quota), the last-level cache, the memory available and the GPUs' memory.
 * Probed once; tests fill the struct by hand. */
#ifndef HMLCOST_DOCTOR_HOST_H
#define HMLCOST_DOCTOR_HOST_H

#include <stdbool.h>

#include "common/error.h"

typedef struct doctor_host {
    long logical_cpus;      /* PUs in the machine */
    long allowed_cpus;      /* PUs in this process's affinity mask and cpuset */
    long allowed_cores;     /* physical cores holding those PUs */
    double cpu_quota;       /* cgroup CPU quota in CPUs; 0: none */
    unsigned long long llc_bytes; /* last-level cache (one instance); 0: unknown */
    int llc_level;          /* its level (3 for an L3) */
    unsigned long long mem_available; /* bytes: MemAvailable, capped by the cgroup limit */
    int gpus;               /* NVIDIA GPUs NVML sees (0: none or no driver) */
    unsigned long long gpu_mem_free; /* on GPU 0, bytes */
    unsigned long long gpu_mem_total;
    char gpu_name[96];
} doctor_host;

/* The CPUs a workload can really use: the allowed PUs, lowered to the
 * cgroup quota (rounded up) when there is one. */
long doctor_host_cpus(const doctor_host *host);

/* Where doctor_host_cpus came from, for evidence: "2 of the machine's 2
 * logical CPUs (on 2 cores) in the process's affinity mask; no cgroup CPU quota". */
void doctor_host_describe_cpus(const doctor_host *host, char *buf, unsigned long size);

/* Fills host from this machine. Facts that cannot be read are left 0. */
hml_status doctor_host_probe(doctor_host *host, hml_err *err);

/* The cgroup CPU quota of the cgroup named in proc_self_cgroup (the dtext of
 * /proc/self/cgroup) under the cgroup file systems mounted at root
 * ("/sys/fs/cgroup"): cgroup v2 cpu.max or v1 cpu.cfs_quota_us /
 * cpu.cfs_period_us, the smallest along the path to the root. 0: none. */
double doctor_cgroup_cpu_quota(const char *root, const char *proc_self_cgroup);

/* The cgroup memory limit in bytes, the same way (v2 memory.max, v1
 * memory.limit_in_bytes); 0: none. */
unsigned long long doctor_cgroup_memory_limit(const char *root, const char *proc_self_cgroup);

#endif
