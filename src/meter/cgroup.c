#include "meter/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/procfs.h"
#include "common/text.h"
#include "meter/clock.h"

#define JOIN_FD_MIN 100
#define RMDIR_TRIES 500 /* 2 ms apart: a second at most */

/* Whether word is one of the space-separated items of list (cgroup.controllers). */
static bool has_word(const char *list, const char *word)
{
    size_t len = strlen(word);
    for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
        if ((p == list || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
            return true;
    return false;
}

/* The text of a whole file (malloc'd), or NULL when it cannot be read. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t used = 0, size = 4096;
    char *text = malloc(size);
    while (text) {
        used += fread(text + used, 1, size - 1 - used, f);
        if (used < size - 1)
            break;
        char *bigger = realloc(text, size * 2);
        if (!bigger) {
            free(text);
            text = NULL;
            break;
        }
        text = bigger;
        size *= 2;
    }
    bool failed = ferror(f);
    fclose(f);
    if (!text || failed) {
        free(text);
        return NULL;
    }
    text[used] = '\0';
    return text;
}

/* A stream over text read by read_text, for the line parsers below; NULL
 * for an unreadable or empty file (no lines). */
static FILE *open_text(const char *text)
{
    return text && *text ? fmemopen((void *)text, strlen(text), "r") : NULL;
}

/* The mount of a hierarchy: for v2 (controller NULL) the cgroup2 mount, for
 * v1 the cgroup mount whose options name controller. Fills mount point and
 * the mount's root within the hierarchy. */
static bool find_mount(const char *mountinfo, const char *controller, char *point,
                       size_t point_size, char *root, size_t root_size)
{
    FILE *f = open_text(mountinfo);
    if (!f)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char *dash = strstr(line, " - ");
        if (!dash)
            continue;
        char mroot[512], mpoint[512], fstype[32], source[64], options[512] = "";
        if (sscanf(line, "%*s %*s %*s %511s %511s", mroot, mpoint) != 2 ||
            sscanf(dash + 3, "%31s %63s %511s", fstype, source, options) < 2)
            continue;
        if (controller ? strcmp(fstype, "cgroup") == 0 && text_list_has(options, ",", controller)
                       : strcmp(fstype, "cgroup2") == 0) {
            text_format(point, point_size, "%s", mpoint);
            text_format(root, root_size, "%s", mroot);
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* hmlcost's own cgroup in a hierarchy, from /proc/self/cgroup: the "0::"
 * line for v2, the line naming controller for v1. */
static bool find_own_path(const char *self_cgroup, const char *controller, char *path,
                          size_t size)
{
    FILE *f = open_text(self_cgroup);
    if (!f)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        const char *controllers = c1 + 1;
        if (controller ? text_list_has(controllers, ",", controller)
                       : c1 == line + 1 && line[0] == '0' && controllers[0] == '\0') {
            text_format(path, size, "%s", c2 + 1);
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* The directory of hmlcost's own cgroup in a hierarchy. */
static bool own_dir(const cgroup_texts *src, const char *controller, char *dir, size_t size)
{
    char point[512], root[512], path[512];
    if (!find_mount(src->mountinfo, controller, point, sizeof point, root, sizeof root) ||
        !find_own_path(src->self_cgroup, controller, path, sizeof path))
        return false;
    /* A mount of part of the hierarchy (a container's): strip its root. */
    size_t root_len = strcmp(root, "/") == 0 ? 0 : strlen(root);
    if (root_len && strncmp(path, root, root_len) == 0)
        memmove(path, path + root_len, strlen(path + root_len) + 1);
    text_format(dir, size, "%s%s", point, strcmp(path, "/") == 0 ? "" : path);
    return true;
}

static bool file_exists(const char *dir, const char *name)
{
    char path[RUN_CGROUP_PATH_MAX + 64];
    text_format(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[RUN_CGROUP_PATH_MAX + 64];
    text_format(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int read_file(const char *dir, const char *name, char *buf, size_t size)
{
    char path[RUN_CGROUP_PATH_MAX + 64];
    text_format(path, sizeof path, "%s/%s", dir, name);
    return procfs_read(path, buf, size);
}

/* "key value" lines (cpu.stat, cpuacct.stat): the value of key, or -1. */
static double keyed_value(const char *text, const char *key)
{
    size_t len = strlen(key);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, key, len) == 0 && p[len] == ' ')
            return strtod(p + len + 1, NULL);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

static double number_file(const char *dir, const char *name)
{
    char buf[64];
    if (read_file(dir, name, buf, sizeof buf) != 0 || !buf[0])
        return -1;
    return strtod(buf, NULL);
}

/* Removes an emptied cgroup directory; the kernel may still be releasing
 * the last processes for a while on a busy machine. */
static void remove_dir(const char *dir)
{
    for (int tries = 0; rmdir(dir) != 0 && errno == EBUSY && tries < RMDIR_TRIES; tries++)
        clock_sleep_s(0.002, NULL);
}

static void remove_dirs(run_cgroup *cg)
{
    for (size_t i = 0; i < cg->dir_count; i++)
        remove_dir(cg->dirs[i]);
    cg->dir_count = 0;
}

/* fd moved clear of the low descriptors: the workload's result fd is named
 * in its environment, and a shell redirects only to fds 0-9. */
static int high_fd(int fd)
{
    int high = fcntl(fd, F_DUPFD_CLOEXEC, JOIN_FD_MIN);
    if (high < 0)
        return fd;
    close(fd);
    return high;
}

/* Makes <parent>/hmlcost-<our pid>-<name> and opens its join_file for the
 * child. The pid names the owner: a directory whose owner died before it
 * could remove it (kill -9) is removed by run_cgroup_remove_stale. */
static bool add_dir(run_cgroup *cg, const char *parent, const char *name, const char *label,
                    const char *join_file, char *why, size_t why_size)
{
    size_t i = cg->dir_count;
    text_format(cg->dirs[i], sizeof cg->dirs[i], "%s/" RUN_CGROUP_PREFIX "%ld-%s", parent,
                (long)getpid(), name);
    if (mkdir(cg->dirs[i], 0755) != 0) {
        text_format(why, why_size, "%s: %s: %s", label, cg->dirs[i], strerror(errno));
        return false;
    }
    cg->dir_count++;
    char procs[RUN_CGROUP_PATH_MAX + 16];
    text_format(procs, sizeof procs, "%s/%s", cg->dirs[i], join_file);
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        text_format(why, why_size, "%s: %s: %s", label, procs, strerror(errno));
        return false;
    }
    cg->join_fds[i] = high_fd(fd);
    return true;
}

static bool create_v2(run_cgroup *cg, const char *name, const cgroup_texts *src, char *why,
                      size_t why_size)
{
    char parent[RUN_CGROUP_PATH_MAX];
    if (!own_dir(src, NULL, parent, sizeof parent)) {
        text_format(why, why_size, "cgroup-v2: no cgroup2 mount holds this process");
        return false;
    }
    if (!add_dir(cg, parent, name, "cgroup-v2", "cgroup.procs", why, why_size))
        return false;
    int dir_fd = open(cg->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cg->dir_fd = dir_fd >= 0 ? high_fd(dir_fd) : -1;
    cg->cpu_dir = 0;
    char controllers[256];
    if (read_file(cg->dirs[0], "cgroup.controllers", controllers, sizeof controllers) == 0 &&
        has_word(controllers, "memory")) {
        cg->memory_dir = 0;
        cg->memory_peak = file_exists(cg->dirs[0], "memory.peak");
    }
    return true;
}

static bool create_v1(run_cgroup *cg, const char *name, const cgroup_texts *src, char *why,
                      size_t why_size)
{
    static const char *const controllers[] = {"cpuacct", "memory", "freezer"};
    for (size_t c = 0; c < sizeof controllers / sizeof controllers[0]; c++) {
        char parent[RUN_CGROUP_PATH_MAX];
        if (!own_dir(src, controllers[c], parent, sizeof parent)) {
            if (c == 0) {
                text_format(why, why_size, "cgroup-v1: no cpuacct hierarchy is mounted");
                return false;
            }
            continue; /* memory: sampled from /proc; freezer: killed one by one */
        }
        int index = (int)cg->dir_count;
        /* The child joins between fork and exec, with one thread: moving
         * that thread (tasks) moves the whole process, without the
         * process-wide lock that a write to cgroup.procs takes, whose RCU
         * grace period cost ~10 ms per run here (kernel 6.18). */
        if (!add_dir(cg, parent, name, "cgroup-v1", "tasks", why, why_size))
            return false;
        if (c == 0)
            cg->cpu_dir = index;
        else if (c == 1)
            cg->memory_dir = index;
        else
            cg->freezer_dir = index;
    }
    if (cg->memory_dir >= 0)
        cg->memory_peak = true;
    return true;
}

void run_cgroup_texts_read(const cgroup_sources *sources, cgroup_texts *texts)
{
    texts->mountinfo = read_text(sources && sources->mountinfo ? sources->mountinfo
                                                               : "/proc/self/mountinfo");
    texts->self_cgroup = read_text(sources && sources->self_cgroup ? sources->self_cgroup
                                                                   : "/proc/self/cgroup");
}

void run_cgroup_texts_free(cgroup_texts *texts)
{
    free(texts->mountinfo);
    free(texts->self_cgroup);
    texts->mountinfo = texts->self_cgroup = NULL;
}

bool run_cgroup_v2_accounts_memory(const cgroup_texts *texts)
{
    char parent[RUN_CGROUP_PATH_MAX], control[256];
    return own_dir(texts, NULL, parent, sizeof parent) &&
           read_file(parent, "cgroup.subtree_control", control, sizeof control) == 0 &&
           has_word(control, "memory");
}

bool run_cgroup_create(run_cgroup *cg, int version, const char *name, const cgroup_texts *texts,
                       char *why, size_t why_size)
{
    memset(cg, 0, sizeof *cg);
    cg->version = version;
    cg->cpu_dir = cg->memory_dir = cg->freezer_dir = -1;
    for (size_t i = 0; i < RUN_CGROUP_MAX_DIRS; i++)
        cg->join_fds[i] = -1;
    cg->dir_fd = -1;
    bool ok = version == 2 ? create_v2(cg, name, texts, why, why_size)
                           : create_v1(cg, name, texts, why, why_size);
    if (!ok) {
        run_cgroup_close_join_fds(cg);
        remove_dirs(cg);
    }
    return ok;
}

int run_cgroup_join_fds(const int *fds, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (fds[i] >= 0 && write(fds[i], "0", 1) != 1)
            return -1;
    return 0;
}

void run_cgroup_close_join_fds(run_cgroup *cg)
{
    for (size_t i = 0; i < RUN_CGROUP_MAX_DIRS; i++) {
        if (cg->join_fds[i] >= 0)
            close(cg->join_fds[i]);
        cg->join_fds[i] = -1;
    }
    if (cg->dir_fd >= 0)
        close(cg->dir_fd);
    cg->dir_fd = -1;
}

static bool read_cpu(const run_cgroup *cg, double *user_s, double *sys_s)
{
    const char *dir = cg->dirs[cg->cpu_dir];
    if (cg->version == 2) {
        char stat[512];
        if (read_file(dir, "cpu.stat", stat, sizeof stat) != 0)
            return false;
        double user = keyed_value(stat, "user_usec"), sys = keyed_value(stat, "system_usec");
        if (user < 0 || sys < 0)
            return false;
        *user_s = user * 1e-6;
        *sys_s = sys * 1e-6;
        return true;
    }
    /* cpuacct.usage is exact (ns of run time); the user/system split of
     * cpuacct.usage_user/usage_sys (or cpuacct.stat) is counted in ticks on
     * current kernels, so it only divides the exact total. */
    double total = number_file(dir, "cpuacct.usage");
    if (total < 0)
        return false;
    double user = number_file(dir, "cpuacct.usage_user"), sys = number_file(dir, "cpuacct.usage_sys");
    if (user < 0 || sys < 0) {
        char stat[256];
        if (read_file(dir, "cpuacct.stat", stat, sizeof stat) == 0) {
            user = keyed_value(stat, "user");
            sys = keyed_value(stat, "system");
        }
    }
    double user_share = user > 0 && sys >= 0 ? user / (user + sys) : sys > 0 ? 0 : 1;
    *user_s = total * 1e-9 * user_share;
    *sys_s = total * 1e-9 - *user_s;
    return true;
}

double run_cgroup_cpu_s(run_cgroup *cg)
{
    double user = 0, sys = 0;
    return read_cpu(cg, &user, &sys) ? user + sys : -1;
}

void run_cgroup_sample_memory(run_cgroup *cg)
{
    if (cg->memory_dir < 0 || cg->memory_peak)
        return;
    double now = number_file(cg->dirs[cg->memory_dir], "memory.current");
    if (now > cg->sampled_memory_peak)
        cg->sampled_memory_peak = now;
}

/* Calls fn for each pid in the cgroup.procs of dir; returns how many. */
static int each_process(const char *dir, void (*fn)(pid_t))
{
    char path[RUN_CGROUP_PATH_MAX + 16];
    text_format(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    int count = 0;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1) {
        count++;
        if (fn)
            fn((pid_t)pid);
    }
    fclose(f);
    return count;
}

static void kill_one(pid_t pid) { kill(pid, SIGKILL); }

/* Kills the processes of one cgroup directory: cgroup.kill (v2, kernel >=
 * 5.14), else frozen (so that none forks away meanwhile) and killed one by
 * one, else killed one by one until none is left. */
static void kill_dir(const char *dir, const char *freezer_dir)
{
    if (file_exists(dir, "cgroup.kill") && write_file(dir, "cgroup.kill", "1") == 0)
        return;
    bool frozen = false;
    if (freezer_dir && write_file(freezer_dir, "freezer.state", "FROZEN") == 0)
        frozen = true;
    else if (file_exists(dir, "cgroup.freeze") && write_file(dir, "cgroup.freeze", "1") == 0)
        freezer_dir = NULL, frozen = true;
    for (int round = 0; round < 10 && each_process(dir, kill_one) > 0; round++)
        if (!frozen)
            clock_sleep_s(0.001, NULL);
    /* Killed processes die once thawed. */
    if (frozen && freezer_dir)
        write_file(freezer_dir, "freezer.state", "THAWED");
    else if (frozen)
        write_file(dir, "cgroup.freeze", "0");
}

static int wait_empty(const char *dir, double wait_s)
{
    double until = clock_monotonic_s() + wait_s;
    int left;
    while ((left = each_process(dir, NULL)) > 0 && clock_monotonic_s() < until)
        clock_sleep_s(0.001, NULL);
    return left;
}

int run_cgroup_count(const run_cgroup *cg) { return each_process(cg->dirs[cg->cpu_dir], NULL); }

int run_cgroup_kill(const run_cgroup *cg, double wait_s, int *left)
{
    const char *dir = cg->dirs[cg->cpu_dir];
    int found = each_process(dir, NULL);
    *left = 0;
    if (found == 0)
        return 0;
    kill_dir(dir, cg->freezer_dir >= 0 ? cg->dirs[cg->freezer_dir] : NULL);
    *left = wait_empty(dir, wait_s);
    return found;
}

bool run_cgroup_read(const run_cgroup *cg, run_cgroup_usage *usage)
{
    usage->memory_peak_bytes = -1;
    if (!read_cpu(cg, &usage->user_s, &usage->sys_s))
        return false;
    if (cg->memory_dir >= 0) {
        const char *dir = cg->dirs[cg->memory_dir];
        if (cg->version == 1)
            usage->memory_peak_bytes = number_file(dir, "memory.max_usage_in_bytes");
        else if (cg->memory_peak)
            usage->memory_peak_bytes = number_file(dir, "memory.peak");
        else
            usage->memory_peak_bytes = cg->sampled_memory_peak;
    }
    return true;
}

void run_cgroup_remove(run_cgroup *cg)
{
    run_cgroup_close_join_fds(cg);
    remove_dirs(cg);
}

void run_cgroup_describe(const run_cgroup *cg, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < cg->dir_count; i++) {
        size_t used = strlen(buf);
        text_format(buf + used, size - used, "%s%s", i ? "\n" : "", cg->dirs[i]);
    }
}

/* A recorded directory is trusted only when it is a run's cgroup: named
 * hmlcost-*, on a cgroup file system. */
static bool is_run_cgroup(const char *dir)
{
    const char *base = strrchr(dir, '/');
    struct statfs fs;
    return base && strncmp(base + 1, RUN_CGROUP_PREFIX, strlen(RUN_CGROUP_PREFIX)) == 0 &&
           statfs(dir, &fs) == 0 &&
           (fs.f_type == CGROUP_SUPER_MAGIC || fs.f_type == CGROUP2_SUPER_MAGIC);
}

int run_cgroup_kill_recorded(const char *dirs, double wait_s, int *left)
{
    *left = 0;
    char list[RUN_CGROUP_MAX_DIRS * (RUN_CGROUP_PATH_MAX + 1)];
    text_format(list, sizeof list, "%s", dirs ? dirs : "");
    char *items[RUN_CGROUP_MAX_DIRS];
    size_t count = 0;
    const char *freezer = NULL;
    for (char *save = NULL, *d = strtok_r(list, "\n", &save); d && count < RUN_CGROUP_MAX_DIRS;
         d = strtok_r(NULL, "\n", &save)) {
        if (!is_run_cgroup(d))
            continue;
        items[count++] = d;
        if (file_exists(d, "freezer.state"))
            freezer = d;
    }
    int found = 0;
    for (size_t i = 0; i < count; i++) {
        int here = each_process(items[i], NULL);
        if (here > found)
            found = here;
        if (here > 0)
            kill_dir(items[i], freezer);
    }
    for (size_t i = 0; i < count; i++) {
        int still = wait_empty(items[i], wait_s);
        if (still > *left)
            *left = still;
        if (still == 0)
            remove_dir(items[i]);
    }
    return found;
}

/* The owner's pid in a run cgroup's name (hmlcost-<pid>-<token>), or -1. */
static long owner_of(const char *name)
{
    size_t prefix = strlen(RUN_CGROUP_PREFIX);
    if (strncmp(name, RUN_CGROUP_PREFIX, prefix) != 0)
        return -1;
    char *end;
    long pid = strtol(name + prefix, &end, 10);
    return end != name + prefix && *end == '-' && pid > 0 ? pid : -1;
}

/* Removes the run cgroups below parent whose owner is dead; rmdir itself
 * refuses one that still holds a process. */
static int remove_stale_in(const char *parent)
{
    DIR *dir = opendir(parent);
    if (!dir)
        return 0;
    int removed = 0;
    long self = (long)getpid();
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        long owner = owner_of(ent->d_name);
        /* kill(pid, 0) fails with ESRCH only when no such process exists;
         * a pid reused since keeps the directory until a later sweep. */
        if (owner < 0 || owner == self || kill((pid_t)owner, 0) == 0 || errno != ESRCH)
            continue;
        char path[RUN_CGROUP_PATH_MAX + 300];
        text_format(path, sizeof path, "%s/%s", parent, ent->d_name);
        if (rmdir(path) == 0)
            removed++;
    }
    closedir(dir);
    return removed;
}

int run_cgroup_remove_stale(const cgroup_texts *texts)
{
    static const char *const hierarchies[] = {NULL, "cpuacct", "memory", "freezer"};
    char seen[4][RUN_CGROUP_PATH_MAX];
    size_t seen_count = 0;
    int removed = 0;
    for (size_t h = 0; h < sizeof hierarchies / sizeof hierarchies[0]; h++) {
        char parent[RUN_CGROUP_PATH_MAX];
        if (!own_dir(texts, hierarchies[h], parent, sizeof parent))
            continue;
        bool again = false; /* controllers mounted together share a directory */
        for (size_t i = 0; i < seen_count; i++)
            again = again || strcmp(seen[i], parent) == 0;
        if (again)
            continue;
        text_format(seen[seen_count++], sizeof seen[0], "%s", parent);
        removed += remove_stale_in(parent);
    }
    return removed;
}
