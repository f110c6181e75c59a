/* The one description of the machine that meter, doctor and workload use:
 * the CPU (vendor, model, family, instruction-set flags), its topology
 * (packages, physical cores, logical CPUs, the ones this process may use),
 * the caches, the memory, the cgroup limits and the GPUs.
 *
 * host_read reads this machine, or, when $HMLCOST_HOST_FILE names a file,
 * the host described there (host_load_file): the seam that lets tests and
 * users ask "what would hmlcost say on that machine?" without one. */
#ifndef HMLCOST_COMMON_HOST_H
#define HMLCOST_COMMON_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define HOST_FILE_ENV "HMLCOST_HOST_FILE"

typedef struct host_info {
    char source[160];       /* "this machine" or "host file <path>" */
    char cpu_vendor[16];    /* CPUID vendor: "GenuineIntel", "AuthenticAMD" */
    char cpu_model[192];    /* the marketing name */
    unsigned cpu_family;    /* CPUID family with the extended family (26: Zen 5) */
    unsigned cpu_model_id;  /* CPUID model with the extended model */
    char cpu_flags[256];    /* instruction-set extensions, space-separated ("avx2 fma ...") */
    long packages;
    long cores;             /* physical cores in the machine */
    long logical_cpus;      /* PUs in the machine */
    long allowed_cpus;      /* PUs in this process's affinity mask and cpuset */
    long allowed_cores;     /* physical cores holding those PUs */
    double cpu_quota;       /* cgroup CPU quota in CPUs; 0: none */
    unsigned long long l1d_bytes, l2_bytes, l3_bytes; /* one instance each; 0: none/unknown */
    unsigned long long mem_total;     /* installed memory, bytes */
    unsigned long long mem_available; /* MemAvailable, capped by the cgroup limit */
    unsigned long long mem_limit;     /* cgroup memory limit; 0: none */
    int gpus;               /* NVIDIA GPUs NVML sees (0: none or no driver) */
    unsigned long long gpu_mem_total, gpu_mem_free; /* GPU 0, bytes */
    char gpu_name[96];
} host_info;

/* Fills the GPU fields of a real host (the meter's NVML loader); NULL: no GPUs read. */
typedef void (*host_gpu_reader)(host_info *host);

/* This machine, or the file named by $HMLCOST_HOST_FILE. Facts that cannot
 * be read stay 0 or "". A bad host file is HML_EUSAGE naming it. */
hml_status host_read(host_info *host, host_gpu_reader gpus, hml_err *err);

/* This machine, whatever the environment says. */
void host_read_machine(host_info *host, host_gpu_reader gpus);

/* A described host: "key = value" lines (INI without sections, '#' or ';'
 * comments). Keys are the fields above (cpu_vendor, cpu_model, cpu_family,
 * cpu_model_id, cpu_flags, packages, cores, logical_cpus, allowed_cpus,
 * allowed_cores, cpu_quota, l1d, l2, l3, mem_total, mem_available,
 * mem_limit, gpus, gpu_name, gpu_mem_total, gpu_mem_free); sizes take
 * KiB/MiB/GiB/TiB. Left out: allowed_cpus = logical_cpus, allowed_cores =
 * cores, mem_available = mem_total (capped by mem_limit), the rest 0. */
hml_status host_load_file(const char *path, host_info *host, hml_err *err);

/* The CPUs a workload can really use: the allowed PUs, lowered to the
 * cgroup quota (rounded up) when there is one; >= 1. */
long host_usable_cpus(const host_info *host);

/* The default compute threads: one per physical core this process may use,
 * lowered to the cgroup quota (rounded up); >= 1. */
long host_default_threads(const host_info *host);

/* The last-level cache (one instance) and its level; 0 when unknown. */
unsigned long long host_llc_bytes(const host_info *host, int *level);

/* Whether cpu_flags holds flag (a whole word). */
bool host_has_flag(const host_info *host, const char *flag);

/* For evidence: "2 of the machine's 2 logical CPUs (on 2 cores) in the
 * process's affinity mask; no cgroup CPU quota". */
void host_describe_cpus(const host_info *host, char *buf, size_t size);

/* The cgroup limits of the cgroup named in proc_self_cgroup (the text of
 * /proc/self/cgroup) under the cgroup file systems mounted at root
 * ("/sys/fs/cgroup"): v2 cpu.max / memory.max, v1 cpu.cfs_quota_us /
 * cpu.cfs_period_us / memory.limit_in_bytes, the smallest along the path to
 * the root. 0: none. */
double host_cgroup_cpu_quota(const char *root, const char *proc_self_cgroup);
unsigned long long host_cgroup_memory_limit(const char *root, const char *proc_self_cgroup);

#endif
