/* cgroup limits (v2 and v1) of this process's cgroup: the CPU quota and
 * the memory limit, walked from the process's cgroup up to the root. */
#include "common/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/procfs.h"

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

double host_cgroup_cpu_quota(const char *root, const char *proc_self_cgroup)
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

unsigned long long host_cgroup_memory_limit(const char *root, const char *proc_self_cgroup)
{
    unsigned long long best = 0;
    walk_both_hierarchies(root, proc_self_cgroup, "memory", visit_memory, visit_memory, &best);
    return best;
}
