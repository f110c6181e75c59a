#include "meter/rapl.h"
#include "common/procfs.h"
#include "common/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

bool meter_rapl_open(meter_rapl *r, const char *root, char *why, size_t why_size)
{
    memset(r, 0, sizeof *r);
    if (!root || !*root)
        root = getenv(METER_POWERCAP_ROOT_ENV);
    if (!root || !*root)
        root = "/sys/class/powercap";
    DIR *dir = opendir(root);
    if (!dir) {
        text_format(why, why_size, "rapl: %s: %s", root, strerror(errno));
        return false;
    }
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
        int e = read_small_file(d.dir, "name", d.name, sizeof d.name);
        if (!e)
            e = read_counter(d.dir, "max_energy_range_uj", &d.range_uj);
        if (!e)
            e = read_counter(d.dir, "energy_uj", &d.last_uj);
        if (e) {
            if (!first_error[0])
                text_format(first_error, sizeof first_error, "%s: %s", d.dir, strerror(e));
            continue;
        }
        d.kind = kind_of(d.name);
        if (r->count == cap) {
            cap = cap ? cap * 2 : 8;
            rapl_domain *grown = realloc(r->domains, cap * sizeof *grown);
            if (!grown) {
                text_format(first_error, sizeof first_error, "out of memory");
                break;
            }
            r->domains = grown;
        }
        r->domains[r->count++] = d;
    }
    closedir(dir);
    bool have_package = false;
    for (size_t i = 0; i < r->count; i++)
        have_package = have_package || r->domains[i].kind == RAPL_PACKAGE;
    if (!have_package) {
        if (first_error[0])
            text_format(why, why_size, "rapl: %s", first_error);
        else
            text_format(why, why_size, "rapl: no readable intel-rapl package domain under %s", root);
        meter_rapl_close(r);
        return false;
    }
    qsort(r->domains, r->count, sizeof *r->domains, compare_domains);
    return true;
}

void meter_rapl_start(meter_rapl *r)
{
    for (size_t i = 0; i < r->count; i++) {
        rapl_domain *d = &r->domains[i];
        double v;
        if (read_counter(d->dir, "energy_uj", &v) == 0)
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
        if (read_counter(d->dir, "energy_uj", &now) != 0)
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
