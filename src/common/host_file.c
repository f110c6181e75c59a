/* A described host (see host_load_file): what tests and users put in place
 * of this machine. Every key is checked; a typo is an error, not a
 * silently real fact. */
#include "common/host.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"

typedef struct file_state {
    host_info *host;
    bool has_allowed_cpus, has_allowed_cores, has_mem_available;
    char error[256];
} file_state;

static bool parse_long(const char *v, long *out)
{
    errno = 0;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        return false;
    *out = n;
    return true;
}

/* "32 MiB", "1536KiB", "24GiB", "4096": bytes. */
static bool parse_size(const char *v, unsigned long long *out)
{
    errno = 0;
    char *end = NULL;
    double n = strtod(v, &end);
    if (errno || end == v || !(n >= 0) || !isfinite(n))
        return false;
    while (*end == ' ')
        end++;
    static const struct {
        const char *unit;
        double scale;
    } units[] = {{"", 1},     {"B", 1},         {"KiB", 1024.0},     {"K", 1024.0},
                 {"MiB", 1048576.0}, {"M", 1048576.0}, {"GiB", 1073741824.0},
                 {"G", 1073741824.0}, {"TiB", 1099511627776.0}, {"T", 1099511627776.0}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(end, units[i].unit) == 0) {
            double bytes = n * units[i].scale;
            if (bytes > 1e18)
                return false;
            *out = (unsigned long long)bytes;
            return true;
        }
    return false;
}

#define TEXT_KEY(key, field) {key, 't', offsetof(host_info, field), sizeof(((host_info *)0)->field)}
#define LONG_KEY(key, field) {key, 'l', offsetof(host_info, field), 0}
#define SIZE_KEY(key, field) {key, 's', offsetof(host_info, field), 0}

static const struct host_key {
    const char *name;
    char kind; /* t: text, l: count, s: size in bytes, u/q/g: below */
    size_t offset, size;
} host_keys[] = {
    TEXT_KEY("cpu_vendor", cpu_vendor), TEXT_KEY("cpu_model", cpu_model),
    {"cpu_family", 'u', offsetof(host_info, cpu_family), 0},
    {"cpu_model_id", 'u', offsetof(host_info, cpu_model_id), 0},
    TEXT_KEY("cpu_flags", cpu_flags),   LONG_KEY("packages", packages),
    LONG_KEY("cores", cores),           LONG_KEY("logical_cpus", logical_cpus),
    LONG_KEY("allowed_cpus", allowed_cpus), LONG_KEY("allowed_cores", allowed_cores),
    {"cpu_quota", 'q', offsetof(host_info, cpu_quota), 0},
    SIZE_KEY("l1d", l1d_bytes),         SIZE_KEY("l2", l2_bytes),
    SIZE_KEY("l3", l3_bytes),           SIZE_KEY("mem_total", mem_total),
    SIZE_KEY("mem_available", mem_available), SIZE_KEY("mem_limit", mem_limit),
    {"gpus", 'g', offsetof(host_info, gpus), 0},
    TEXT_KEY("gpu_name", gpu_name),     SIZE_KEY("gpu_mem_total", gpu_mem_total),
    SIZE_KEY("gpu_mem_free", gpu_mem_free),
};

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    file_state *s = user;
    if (!name)
        return 1;
    if (section && *section) {
        text_format(s->error, sizeof s->error, "sections are not used ('[%s]')", section);
        return 0;
    }
    const struct host_key *key = NULL;
    for (size_t i = 0; i < sizeof host_keys / sizeof host_keys[0] && !key; i++)
        if (strcmp(host_keys[i].name, name) == 0)
            key = &host_keys[i];
    if (!key) {
        text_format(s->error, sizeof s->error, "unknown key '%s'", name);
        return 0;
    }
    char *field = (char *)s->host + key->offset;
    long n = 0;
    bool ok = true;
    switch (key->kind) {
    case 't':
        text_copy(field, key->size, value);
        break;
    case 'l':
        ok = parse_long(value, &n) && n <= 1L << 24;
        if (ok)
            *(long *)(void *)field = n;
        break;
    case 'u':
        ok = parse_long(value, &n) && n <= 0xffff;
        if (ok)
            *(unsigned *)(void *)field = (unsigned)n;
        break;
    case 'g':
        ok = parse_long(value, &n) && n <= 4096;
        if (ok)
            *(int *)(void *)field = (int)n;
        break;
    case 'q': {
        char *end = NULL;
        errno = 0;
        double q = strtod(value, &end);
        ok = !errno && end != value && !*end && q >= 0 && q <= 1 << 24;
        if (ok)
            s->host->cpu_quota = q;
        break;
    }
    default:
        ok = parse_size(value, (unsigned long long *)(void *)field);
        break;
    }
    if (!ok) {
        text_format(s->error, sizeof s->error, "%s: '%.60s' is not %s", name,
                    value, key->kind == 's' ? "a size (e.g. 32MiB)" : "a number in range");
        return 0;
    }
    s->has_allowed_cpus |= strcmp(name, "allowed_cpus") == 0;
    s->has_allowed_cores |= strcmp(name, "allowed_cores") == 0;
    s->has_mem_available |= strcmp(name, "mem_available") == 0;
    return 1;
}

hml_status host_load_file(const char *path, host_info *host, hml_err *err)
{
    memset(host, 0, sizeof *host);
    file_state s = {.host = host};
    FILE *f = fopen(path, "r");
    if (!f)
        return hml_fail(err, HML_EUSAGE, "%s: %s: %s", HOST_FILE_ENV, path, strerror(errno));
    int rc = ini_parse_file(f, on_key, &s);
    fclose(f);
    if (rc != 0) {
        if (!s.error[0])
            text_format(s.error, sizeof s.error, "not a key = value line");
        return hml_fail(err, HML_EUSAGE, "%s: %s: line %d: %s", HOST_FILE_ENV, path, rc, s.error);
    }
    if (host->logical_cpus < 1)
        return hml_fail(err, HML_EUSAGE, "%s: %s: logical_cpus: expected at least 1",
                        HOST_FILE_ENV, path);
    if (host->cores < 1)
        host->cores = host->logical_cpus;
    if (host->packages < 1)
        host->packages = 1;
    if (!s.has_allowed_cpus)
        host->allowed_cpus = host->logical_cpus;
    if (!s.has_allowed_cores)
        host->allowed_cores = host->cores;
    if (host->cores > host->logical_cpus || host->allowed_cpus > host->logical_cpus ||
        host->allowed_cores > host->cores)
        return hml_fail(err, HML_EUSAGE, "%s: %s: the cores and CPUs do not add up (cores %ld, "
                        "logical_cpus %ld, allowed_cpus %ld, allowed_cores %ld)", HOST_FILE_ENV,
                        path, host->cores, host->logical_cpus, host->allowed_cpus,
                        host->allowed_cores);
    if (!s.has_mem_available)
        host->mem_available = host->mem_total;
    if (host->mem_limit && (host->mem_available == 0 || host->mem_limit < host->mem_available))
        host->mem_available = host->mem_limit;
    text_format(host->source, sizeof host->source, "host file %s", path);
    return HML_OK;
}
