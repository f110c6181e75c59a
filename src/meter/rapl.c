#include "meter/rapl.h"
#include "common/procfs.h"
#include "common/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A small sysfs file, its first line; 0 or an errno. */
static int read_small_file(const char *dir, const char *file, char *buf, size_t size)
{
    char path[600];
    text_format(path, sizeof path, "%s/%s", dir, file);
    int e = procfs_read(path, buf, size);
    buf[strcspn(buf, "\n")] = '\0';
    return e;
}

static int read_counter(const char *dir, const char *file, double *value)
{
    char buf[64];
    int e = read_small_file(dir, file, buf, sizeof buf);
    if (e)
        return e;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (end == buf || *end != '\0' || errno)
        return EINVAL;
    *value = (double)v;
    return 0;
}

static rapl_kind kind_of(const char *name)
{
    if (strncmp(name, "package", 7) == 0)
        return RAPL_PACKAGE;
    if (strcmp(name, "dram") == 0)
        return RAPL_DRAM;
    if (strcmp(name, "psys") == 0)
        return RAPL_PLATFORM;
    return RAPL_PART;
}

static int compare_domains(const void *a, const void *b)
{
    return strcmp(((const rapl_domain *)a)->id, ((const rapl_domain *)b)->id);
}

static bool add_domain(meter_rapl *r, size_t *cap, const rapl_domain *d)
{
    if (r->count == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 8;
        rapl_domain *grown = realloc(r->domains, grown_cap * sizeof *grown);
        if (!grown)
            return false;
        r->domains = grown;
        *cap = grown_cap;
    }
    r->domains[r->count++] = *d;
    return true;
}

/* "package-3-die-1" -> 3; -1 when the name is not a die domain's. */
static int die_package(const char *name)
{
    int package, die, end = 0;
    if (sscanf(name, "package-%d-die-%d%n", &package, &die, &end) == 2 && name[end] == '\0')
        return package;
    return -1;
}

/* Marks the die domains that repeat an earlier die's counter of the same
 * package (see rapl.h); domains are sorted by id, so the first die stays. */
static void mark_mirrors(meter_rapl *r)
{
    for (size_t i = 0; i < r->count; i++) {
        rapl_domain *d = &r->domains[i];
        int package = die_package(d->name);
        if (d->kind != RAPL_PACKAGE || package < 0)
            continue;
        for (size_t j = 0; j < i; j++) {
            const rapl_domain *e = &r->domains[j];
            if (e->kind == RAPL_PACKAGE && die_package(e->name) == package &&
                fabs(e->last_uj - d->last_uj) < RAPL_MIRROR_TOLERANCE_UJ) {
                d->kind = RAPL_MIRROR;
                r->mirrors++;
                break;
            }
        }
    }
}

/* Whether a domain with the same real directory is already in r. */
static bool seen_before(const meter_rapl *r, const char *real)
{
    for (size_t i = 0; i < r->count; i++) {
        char other[PATH_MAX];
        if (realpath(r->domains[i].dir, other) && strcmp(other, real) == 0)
            return true;
    }
    return false;
}

/* After the scan: is there a package to sum? Sorts, marks mirrors. */
static bool finish_open(meter_rapl *r, const char *what, const char *package_word,
                        const char *root, const char *first_error, char *why, size_t why_size)
{
    bool have_package = false;
    for (size_t i = 0; i < r->count; i++)
        have_package = have_package || r->domains[i].kind == RAPL_PACKAGE;
    if (!have_package) {
        if (first_error[0])
            text_format(why, why_size, "%s: %s", what, first_error);
        else
            text_format(why, why_size, "%s: no readable %s package domain under %s", what,
                        package_word, root);
        meter_rapl_close(r);
        return false;
    }
    qsort(r->domains, r->count, sizeof *r->domains, compare_domains);
    mark_mirrors(r);
    return true;
}

/* Empties r and opens the directory to scan: root, else $env, else
 * fallback (*root is set to the one used); NULL with why filled. */
static DIR *open_scan(meter_rapl *r, const char *source, const char **root, const char *env,
                      const char *fallback, const char *what, char *why, size_t why_size)
{
    memset(r, 0, sizeof *r);
    r->source = source;
    if (!*root || !**root)
        *root = getenv(env);
    if (!*root || !**root)
        *root = fallback;
    DIR *dir = opendir(*root);
    if (!dir)
        text_format(why, why_size, "%s: %s: %s", what, *root, strerror(errno));
    return dir;
}

bool meter_rapl_open(meter_rapl *r, const char *root, char *why, size_t why_size)
{
    DIR *dir = open_scan(r, "powercap", &root, METER_POWERCAP_ROOT_ENV, "/sys/class/powercap",
                         "rapl", why, why_size);
    if (!dir)
        return false;
    char first_error[300] = "";
    size_t cap = 0;
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        if (strncmp(ent->d_name, "intel-rapl:", 11) != 0)
            continue;
        rapl_domain d;
        memset(&d, 0, sizeof d);
        text_format(d.id, sizeof d.id, "%s", ent->d_name);
        text_format(d.dir, sizeof d.dir, "%s/%s", root, ent->d_name);
        text_format(d.counter, sizeof d.counter, "energy_uj");
        int e = read_small_file(d.dir, "name", d.name, sizeof d.name);
        if (!e)
            e = read_counter(d.dir, "max_energy_range_uj", &d.range_uj);
        if (!e)
            e = read_counter(d.dir, d.counter, &d.last_uj);
        if (e) {
            if (!first_error[0])
                text_format(first_error, sizeof first_error, "%s: %s", d.dir, strerror(e));
            continue;
        }
        char real[PATH_MAX];
        if (realpath(d.dir, real) && seen_before(r, real))
            continue;
        d.kind = kind_of(d.name);
        if (!add_domain(r, &cap, &d)) {
            text_format(first_error, sizeof first_error, "out of memory");
            break;
        }
    }
    closedir(dir);
    return finish_open(r, "rapl", "intel-rapl", root, first_error, why, why_size);
}

/* One amd_energy hwmon directory: its labelled energy counters. */
static void add_amd_energy_counters(meter_rapl *r, size_t *cap, const char *hwmon_dir,
                                    const char *hwmon_name, char *first_error, size_t error_size)
{
    DIR *dir = opendir(hwmon_dir);
    if (!dir)
        return;
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        int n, end = 0;
        if (sscanf(ent->d_name, "energy%d_input%n", &n, &end) != 1 || ent->d_name[end] != '\0')
            continue;
        rapl_domain d;
        memset(&d, 0, sizeof d);
        text_format(d.dir, sizeof d.dir, "%s", hwmon_dir);
        text_format(d.id, sizeof d.id, "%s/energy%04d", hwmon_name, n);
        text_format(d.counter, sizeof d.counter, "%s", ent->d_name);
        char label_file[48];
        text_format(label_file, sizeof label_file, "energy%d_label", n);
        int e = read_small_file(d.dir, label_file, d.name, sizeof d.name);
        if (!e)
            e = read_counter(d.dir, d.counter, &d.last_uj);
        if (e) {
            if (!first_error[0])
                text_format(first_error, error_size, "%s/%s: %s", d.dir, d.counter, strerror(e));
            continue;
        }
        d.kind = strncmp(d.name, "Esocket", 7) == 0 ? RAPL_PACKAGE : RAPL_PART;
        d.range_uj = 18446744073709551615.0; /* the driver accumulates to 64 bits */
        if (!add_domain(r, cap, &d))
            break;
    }
    closedir(dir);
}

bool meter_rapl_open_amd_energy(meter_rapl *r, const char *root, char *why, size_t why_size)
{
    DIR *dir = open_scan(r, "amd_energy", &root, METER_HWMON_ROOT_ENV, "/sys/class/hwmon",
                         "amd_energy", why, why_size);
    if (!dir)
        return false;
    char first_error[300] = "";
    size_t cap = 0;
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        if (strncmp(ent->d_name, "hwmon", 5) != 0)
            continue;
        char hwmon_dir[600], name[64];
        text_format(hwmon_dir, sizeof hwmon_dir, "%s/%s", root, ent->d_name);
        if (read_small_file(hwmon_dir, "name", name, sizeof name) == 0 &&
            strcmp(name, "amd_energy") == 0)
            add_amd_energy_counters(r, &cap, hwmon_dir, ent->d_name, first_error,
                                    sizeof first_error);
    }
    closedir(dir);
    return finish_open(r, "amd_energy", "Esocket", root, first_error, why, why_size);
}

void meter_rapl_start(meter_rapl *r)
{
    for (size_t i = 0; i < r->count; i++) {
        rapl_domain *d = &r->domains[i];
        double v;
        if (read_counter(d->dir, d->counter, &v) == 0)
            d->last_uj = v;
        d->total_uj = 0;
        d->wraps = 0;
    }
}

void meter_rapl_poll(meter_rapl *r)
{
    for (size_t i = 0; i < r->count; i++) {
        rapl_domain *d = &r->domains[i];
        double now;
        if (read_counter(d->dir, d->counter, &now) != 0)
            continue; /* a transient read failure: the next poll catches up */
        if (now >= d->last_uj) {
            d->total_uj += now - d->last_uj;
        } else {
            d->total_uj += d->range_uj - d->last_uj + now;
            d->wraps++;
        }
        d->last_uj = now;
    }
}

void meter_rapl_totals(const meter_rapl *r, double *package_j, double *dram_j)
{
    double package = 0, dram = 0;
    bool have_dram = false;
    for (size_t i = 0; i < r->count; i++) {
        const rapl_domain *d = &r->domains[i];
        if (d->kind == RAPL_PACKAGE)
            package += d->total_uj;
        else if (d->kind == RAPL_DRAM) {
            dram += d->total_uj;
            have_dram = true;
        }
    }
    *package_j = package * 1e-6;
    *dram_j = have_dram ? dram * 1e-6 : -1.0;
}

void meter_rapl_close(meter_rapl *r)
{
    free(r->domains);
    r->domains = NULL;
    r->count = 0;
}
