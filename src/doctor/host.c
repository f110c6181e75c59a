#include "doctor/host.h"

#include <hwloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/procfs.h"
#include "meter/nvml.h"

long doctor_host_cpus(const doctor_host *host)
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

void doctor_host_describe_cpus(const doctor_host *host, char *buf, unsigned long size)
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

/* ---- cgroups ----------------------------------------------------------- */

/* The cgroup path of controller (NULL: the v2 "0::" line) in the dtext of
 * /proc/self/cgroup, copied into out ("/" when absent). */
static void cgroup_path(const char *proc_self_cgroup, const char *controller, char *out,
                        size_t size)
{
    snprintf(out, size, "/");
    if (!proc_self_cgroup)
        return;
    const char *line = proc_self_cgroup;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        /* "<id>:<controllers>:<path>" */
        const char *c1 = memchr(line, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
        if (c2) {
            size_t ctl_len = (size_t)(c2 - c1 - 1);
            bool match = false;
            if (!controller) {
                match = ctl_len == 0 && c1 - line == 1 && line[0] == '0';
            } else {
                /* controllers are a comma-separated list, e.g. "cpu,cpuacct" */
                const char *p = c1 + 1;
                while (p < c2 && !match) {
                    const char *comma = memchr(p, ',', (size_t)(c2 - p));
                    const char *stop = comma ? comma : c2;
                    match = (size_t)(stop - p) == strlen(controller) &&
                            strncmp(p, controller, (size_t)(stop - p)) == 0;
                    p = stop + 1;
                }
            }
            if (match) {
                size_t path_len = len - (size_t)(c2 + 1 - line);
                if (path_len + 1 <= size && path_len > 0) {
                    memcpy(out, c2 + 1, path_len);
                    out[path_len] = '\0';
                }
                return;
            }
        }
        if (!end)
            break;
        line = end + 1;
    }
}

/* Calls visit(dir) for mount/path and each parent up to mount; a path that
 * does not exist under the mount (another namespace) is skipped. */
typedef bool (*cgroup_visit)(const char *dir, void *acc);
static void walk_cgroup(const char *mount, const char *path, cgroup_visit visit, void *acc)
{
    char dir[4096];
    char rel[2048];
    snprintf(rel, sizeof rel, "%s", path);
    for (;;) {
        snprintf(dir, sizeof dir, "%s%s", mount, strcmp(rel, "/") == 0 ? "" : rel);
        visit(dir, acc);
        char *slash = strrchr(rel, '/');
        if (!slash || slash == rel) {
            if (strcmp(rel, "/") == 0)
                break;
            snprintf(rel, sizeof rel, "/");
            continue;
        }
        *slash = '\0';
    }
}

static bool visit_cpu_v2(const char *dir, void *acc)
{
    char file[4200];
    snprintf(file, sizeof file, "%s/cpu.max", dir);
    char text[4096];
    if (procfs_read(file, text, sizeof text) == 0) {
        char max[32];
        double period = 0;
        if (sscanf(text, "%31s %lf", max, &period) == 2 && strcmp(max, "max") != 0 && period > 0) {
            double cpus = atof(max) / period;
            double *best = acc;
            if (cpus > 0 && (*best == 0 || cpus < *best))
                *best = cpus;
        }
    }
    return true;
}

static bool visit_cpu_v1(const char *dir, void *acc)
{
    char file[4200];
    char quota[64], period[64];
    snprintf(file, sizeof file, "%s/cpu.cfs_quota_us", dir);
    bool have_quota = procfs_read(file, quota, sizeof quota) == 0;
    snprintf(file, sizeof file, "%s/cpu.cfs_period_us", dir);
    if (have_quota && procfs_read(file, period, sizeof period) == 0) {
        double q = atof(quota), p = atof(period);
        double *best = acc;
        if (q > 0 && p > 0 && (*best == 0 || q / p < *best))
            *best = q / p;
    }
    return true;
}

/* Walks this process's cgroup in the unified (v2) hierarchy mounted at root
 * with visit_v2, then in the v1 hierarchy of controller, mounted at
 * root/controller, with visit_v1. */
static void walk_both_hierarchies(const char *root, const char *proc_self_cgroup,
                                  const char *controller, cgroup_visit visit_v2,
                                  cgroup_visit visit_v1, void *acc)
{
    char path[2048], mount[2048];
    cgroup_path(proc_self_cgroup, NULL, path, sizeof path);
    snprintf(mount, sizeof mount, "%s", root);
    walk_cgroup(mount, path, visit_v2, acc);
    cgroup_path(proc_self_cgroup, controller, path, sizeof path);
    snprintf(mount, sizeof mount, "%s/%s", root, controller);
    walk_cgroup(mount, path, visit_v1, acc);
}

double doctor_cgroup_cpu_quota(const char *root, const char *proc_self_cgroup)
{
    double best = 0;
    walk_both_hierarchies(root, proc_self_cgroup, "cpu", visit_cpu_v2, visit_cpu_v1, &best);
    return best;
}

static bool visit_memory(const char *dir, void *acc)
{
    static const char *const files[] = {"memory.max", "memory.limit_in_bytes"};
    for (size_t i = 0; i < 2; i++) {
        char file[4200];
        snprintf(file, sizeof file, "%s/%s", dir, files[i]);
        char text[64];
        if (procfs_read(file, text, sizeof text) != 0)
            continue;
        char *end = NULL;
        unsigned long long limit = strtoull(text, &end, 10);
        /* v1 writes "no limit" as a huge page-rounded number. */
        unsigned long long *best = acc;
        if (end != text && limit > 0 && limit < (1ULL << 60) && (*best == 0 || limit < *best))
            *best = limit;
    }
    return true;
}

unsigned long long doctor_cgroup_memory_limit(const char *root, const char *proc_self_cgroup)
{
    unsigned long long best = 0;
    walk_both_hierarchies(root, proc_self_cgroup, "memory", visit_memory, visit_memory, &best);
    return best;
}

/* ---- hwloc: CPUs and caches --------------------------------------------- */

static hml_status probe_cpus(doctor_host *host, hml_err *err)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return hml_fail(err, HML_ESYSTEM, "doctor: hwloc_topology_init failed");
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return hml_fail(err, HML_ESYSTEM, "doctor: hwloc_topology_load failed");
    }
    host->logical_cpus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
    if (allowed && hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) == 0) {
        hwloc_bitmap_and(allowed, allowed, hwloc_topology_get_allowed_cpuset(topo));
        host->allowed_cpus = hwloc_bitmap_weight(allowed);
        host->allowed_cores = 0;
        hwloc_obj_t core = NULL;
        while ((core = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_CORE, core)))
            host->allowed_cores += hwloc_bitmap_intersects(core->cpuset, allowed) ? 1 : 0;
    } else {
        host->allowed_cpus = host->logical_cpus;
        host->allowed_cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    }
    hwloc_bitmap_free(allowed);
    static const hwloc_obj_type_t caches[] = {HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE,
                                              HWLOC_OBJ_L1CACHE};
    static const int levels[] = {3, 2, 1};
    for (size_t i = 0; i < 3 && host->llc_bytes == 0; i++) {
        hwloc_obj_t cache = hwloc_get_next_obj_by_type(topo, caches[i], NULL);
        if (cache && cache->attr) {
            host->llc_bytes = cache->attr->cache.size;
            host->llc_level = levels[i];
        }
    }
    hwloc_topology_destroy(topo);
    return HML_OK;
}

/* ---- memory ------------------------------------------------------------ */

static void probe_memory(doctor_host *host, const char *proc_self_cgroup)
{
    host->mem_available = procfs_mem_available();
    unsigned long long limit = doctor_cgroup_memory_limit("/sys/fs/cgroup", proc_self_cgroup);
    if (limit && (host->mem_available == 0 || limit < host->mem_available))
        host->mem_available = limit;
}

/* ---- NVML (the meter's loader: the binary runs without a driver) -------- */

static void probe_gpu(doctor_host *host)
{
    char why[256];
    meter_nvml *nvml = meter_nvml_open(why, sizeof why);
    unsigned long long total, free_bytes;
    if (nvml && meter_nvml_device_memory(nvml, 0, &total, &free_bytes)) {
        host->gpus = (int)meter_nvml_device_count(nvml);
        host->gpu_mem_free = free_bytes;
        host->gpu_mem_total = total;
        meter_nvml_device_name(nvml, 0, host->gpu_name, sizeof host->gpu_name);
    }
    meter_nvml_close(nvml);
}

hml_status doctor_host_probe(doctor_host *host, hml_err *err)
{
    memset(host, 0, sizeof *host);
    hml_status st = probe_cpus(host, err);
    if (st != HML_OK)
        return st;
    char cgroup[4096];
    const char *own = procfs_read("/proc/self/cgroup", cgroup, sizeof cgroup) == 0 ? cgroup : NULL;
    host->cpu_quota = doctor_cgroup_cpu_quota("/sys/fs/cgroup", own);
    probe_memory(host, own);
    probe_gpu(host);
    return HML_OK;
}
