/* This machine's facts: hwloc for the topology and caches, CPUID for the
 * vendor, family and instruction sets, sysinfo and /proc/meminfo for
 * memory, the cgroup files for the limits; GPUs through the caller's reader
 * (NVML lives in the meter). */
#include "common/host.h"

#include <hwloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HOST_X86 1
#else
#define HOST_X86 0
#endif

#include "common/procfs.h"
#include "common/text.h"

long host_usable_cpus(const host_info *host)
{
    long cpus = host->allowed_cpus > 0 ? host->allowed_cpus : host->logical_cpus;
    if (cpus < 1)
        cpus = 1;
    if (host->cpu_quota > 0) {
        long quota = (long)ceil(host->cpu_quota);
        if (quota < cpus)
            cpus = quota < 1 ? 1 : quota;
    }
    return cpus;
}

long host_default_threads(const host_info *host)
{
    long cores = host->allowed_cores > 0 ? host->allowed_cores : host->cores;
    long cpus = host_usable_cpus(host);
    if (cores < 1 || cores > cpus)
        cores = cpus;
    return cores;
}

unsigned long long host_llc_bytes(const host_info *host, int *level)
{
    const unsigned long long sizes[] = {host->l3_bytes, host->l2_bytes, host->l1d_bytes};
    for (int i = 0; i < 3; i++)
        if (sizes[i] > 0) {
            if (level)
                *level = 3 - i;
            return sizes[i];
        }
    if (level)
        *level = 0;
    return 0;
}

bool host_has_flag(const host_info *host, const char *flag)
{
    size_t len = strlen(flag);
    for (const char *p = strstr(host->cpu_flags, flag); p && len;
         p = strstr(p + 1, flag)) {
        bool starts = p == host->cpu_flags || p[-1] == ' ';
        bool ends = p[len] == '\0' || p[len] == ' ';
        if (starts && ends)
            return true;
    }
    return false;
}

void host_describe_cpus(const host_info *host, char *buf, size_t size)
{
    char quota[64];
    if (host->cpu_quota > 0)
        snprintf(quota, sizeof quota, "a cgroup CPU quota of %.2f CPUs", host->cpu_quota);
    else
        snprintf(quota, sizeof quota, "no cgroup CPU quota");
    snprintf(buf, size, "%ld of the machine's %ld logical CPUs (on %ld cores) in the process's "
             "affinity mask; %s", host->allowed_cpus, host->logical_cpus, host->allowed_cores,
             quota);
}

/* ---- the CPU ------------------------------------------------------------ */

static void read_cpuid(host_info *host)
{
#if HOST_X86
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        memcpy(host->cpu_vendor, &b, 4);
        memcpy(host->cpu_vendor + 4, &d, 4);
        memcpy(host->cpu_vendor + 8, &c, 4);
        host->cpu_vendor[12] = '\0';
    }
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        unsigned family = (a >> 8) & 0xf;
        host->cpu_family = family + (family == 0xf ? (a >> 20) & 0xff : 0);
        host->cpu_model_id = ((a >> 4) & 0xf) | ((family >= 6 ? (a >> 16) & 0xf : 0) << 4);
    }
    /* __builtin_cpu_supports also checks that the OS saves the registers. */
    __builtin_cpu_init();
    char *flags = host->cpu_flags;
    size_t room = sizeof host->cpu_flags;
#define FLAG(name)                                                                                \
    if (__builtin_cpu_supports(name)) {                                                           \
        size_t used = strlen(flags);                                                              \
        text_format(flags + used, room - used, "%s%s", used ? " " : "", name);                    \
    }
    FLAG("sse2");
    FLAG("sse3");
    FLAG("ssse3");
    FLAG("sse4.1");
    FLAG("sse4.2");
    FLAG("avx");
    FLAG("avx2");
    FLAG("fma");
    FLAG("avx512f");
    FLAG("avx512bw");
    FLAG("avx512vl");
    FLAG("avx512dq");
    FLAG("avx512cd");
    FLAG("avx512vnni");
    FLAG("avx512bf16");
#undef FLAG
#else
    (void)host;
#endif
}

/* ---- hwloc: topology and caches ----------------------------------------- */

static unsigned long long first_cache(hwloc_topology_t topo, hwloc_obj_type_t type)
{
    hwloc_obj_t cache = hwloc_get_next_obj_by_type(topo, type, NULL);
    return cache && cache->attr ? cache->attr->cache.size : 0;
}

static void read_topology(host_info *host)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return;
    /* CPUs, caches and memory only: skipping I/O devices keeps this cheap. */
    hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return;
    }
    host->packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    host->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    host->logical_cpus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    hwloc_obj_t package = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
    const char *model = package ? hwloc_obj_get_info_by_name(package, "CPUModel") : NULL;
    if (!model)
        model = hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo), "CPUModel");
    if (model)
        text_format(host->cpu_model, sizeof host->cpu_model, "%s", model);

    hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
    if (allowed && hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) == 0) {
        hwloc_bitmap_and(allowed, allowed, hwloc_topology_get_allowed_cpuset(topo));
        host->allowed_cpus = hwloc_bitmap_weight(allowed);
        hwloc_obj_t core = NULL;
        while ((core = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_CORE, core)))
            host->allowed_cores += hwloc_bitmap_intersects(core->cpuset, allowed) ? 1 : 0;
    } else {
        host->allowed_cpus = host->logical_cpus;
        host->allowed_cores = host->cores;
    }
    hwloc_bitmap_free(allowed);
    host->l1d_bytes = first_cache(topo, HWLOC_OBJ_L1CACHE);
    host->l2_bytes = first_cache(topo, HWLOC_OBJ_L2CACHE);
    host->l3_bytes = first_cache(topo, HWLOC_OBJ_L3CACHE);
    hwloc_topology_destroy(topo);
}

void host_read_machine(host_info *host, host_gpu_reader gpus)
{
    memset(host, 0, sizeof *host);
    text_format(host->source, sizeof host->source, "this machine");
    read_cpuid(host);
    read_topology(host);
    if (host->logical_cpus <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        host->logical_cpus = n > 0 ? n : 1;
    }
    if (host->cores <= 0)
        host->cores = host->logical_cpus;
    if (host->allowed_cpus <= 0)
        host->allowed_cpus = host->logical_cpus;
    if (host->allowed_cores <= 0)
        host->allowed_cores = host->cores;

    char cgroup[4096];
    const char *own = procfs_read("/proc/self/cgroup", cgroup, sizeof cgroup) == 0 ? cgroup : NULL;
    host->cpu_quota = host_cgroup_cpu_quota("/sys/fs/cgroup", own);
    host->mem_limit = host_cgroup_memory_limit("/sys/fs/cgroup", own);
    /* sysinfo, not hwloc: hwloc's NUMA totals can miss memory in VMs. */
    struct sysinfo si;
    if (sysinfo(&si) == 0)
        host->mem_total = (unsigned long long)si.totalram * si.mem_unit;
    host->mem_available = procfs_mem_available();
    if (host->mem_limit && (host->mem_available == 0 || host->mem_limit < host->mem_available))
        host->mem_available = host->mem_limit;
    if (gpus)
        gpus(host);
}

hml_status host_read(host_info *host, host_gpu_reader gpus, hml_err *err)
{
    const char *file = getenv(HOST_FILE_ENV);
    if (file && *file)
        return host_load_file(file, host, err);
    host_read_machine(host, gpus);
    return HML_OK;
}
