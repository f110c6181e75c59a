/* Host facts for the store: the one host module's CPU, memory and GPU
 * facts, with the hostname and kernel from the system. */
#include "meter/host.h"
#include "common/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/procfs.h"
#include "meter/nvml.h"

void meter_host_read_gpus(host_info *host)
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

hml_status meter_host_facts(host_info *host, hml_err *err)
{
    return host_read(host, meter_host_read_gpus, err);
}

hml_status meter_host_read(meter_host *host, hml_err *err)
{
    memset(host, 0, sizeof *host);
    host_info facts;
    hml_status st = meter_host_facts(&facts, err);
    if (st != HML_OK)
        return st;
    text_format(host->hmlcost_version, sizeof host->hmlcost_version, "%s", HMLCOST_VERSION);
    if (gethostname(host->hostname, sizeof host->hostname - 1) != 0)
        host->hostname[0] = '\0';
    text_copy(host->cpu_model, sizeof host->cpu_model, facts.cpu_model);
    host->cores = (int)facts.cores;
    host->threads = (int)facts.logical_cpus;
    host->mem_bytes = (double)facts.mem_total;
    if (facts.gpus > 1)
        text_format(host->gpu_model, sizeof host->gpu_model, "%d x %s", facts.gpus, facts.gpu_name);
    else
        text_copy(host->gpu_model, sizeof host->gpu_model, facts.gpu_name);
    struct utsname u;
    if (uname(&u) == 0)
        text_format(host->kernel, sizeof host->kernel, "%s %s %s", u.sysname, u.release,
                    u.machine);
    return HML_OK;
}

void meter_host_fingerprint(const meter_host *host, char *out, size_t size)
{
    text_format(out, size, "%s|%s|%d|%d|%.0f|%s|%s|%s", host->hostname, host->cpu_model, host->cores,
             host->threads, host->mem_bytes, host->gpu_model, host->kernel,
             host->hmlcost_version);
}

const char *meter_host_root(void)
{
    const char *root = getenv(METER_HOST_ROOT_ENV);
    return root ? root : "";
}

int meter_cpu_list_parse(const char *list, bool *set, size_t size)
{
    if (set)
        memset(set, 0, size * sizeof *set);
    int count = 0;
    const char *p = list;
    while (*p && *p != '\n') {
        char *end;
        long from = strtol(p, &end, 10);
        if (end == p || from < 0)
            return 0;
        long to = from;
        if (*end == '-') {
            p = end + 1;
            to = strtol(p, &end, 10);
            if (end == p || to < from)
                return 0;
        }
        count += (int)(to - from + 1);
        for (long cpu = from; set && cpu <= to && (size_t)cpu < size; cpu++)
            set[cpu] = true;
        p = end;
        if (*p == ',')
            p++;
        else if (*p && *p != '\n')
            return 0;
    }
    return count;
}

int meter_cpu_list_count(const char *list) { return meter_cpu_list_parse(list, NULL, 0); }

/* The value after "key:" in a "key:\tvalue" text, up to the line's end. */
static bool find_field(const char *text, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    for (const char *line = text; *line;) {
        if (strncmp(line, key, klen) == 0) {
            const char *v = line + klen;
            while (*v == ' ' || *v == '\t')
                v++;
            if (*v == ':') {
                v++;
                while (*v == ' ' || *v == '\t')
                    v++;
                text_format(out, size, "%.*s", (int)strcspn(v, "\n"), v);
                return true;
            }
        }
        const char *next = strchr(line, '\n');
        if (!next)
            break;
        line = next + 1;
    }
    return false;
}

static int read_cpu_list(const char *root, const char *file)
{
    char path[600], buf[4096];
    text_format(path, sizeof path, "%s/sys/devices/system/cpu/cpu0/topology/%s", root, file);
    return procfs_read(path, buf, sizeof buf) == 0 ? meter_cpu_list_count(buf) : 0;
}

int meter_allowed_cpus_read(const char *root, bool *set, size_t size)
{
    char path[600], text[8192], list[1024];
    text_format(path, sizeof path, "%s/proc/self/status", root ? root : meter_host_root());
    if (procfs_read(path, text, sizeof text) != 0 ||
        !find_field(text, "Cpus_allowed_list", list, sizeof list))
        return 0;
    return meter_cpu_list_parse(list, set, size);
}

void meter_cpu_facts_read(const char *root, int allowed_cpus, meter_cpu_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    if (!root)
        root = meter_host_root();
    char path[600];
    /* The first processor's block names the model: 16 KiB hold it. */
    char text[16384];
    text_format(path, sizeof path, "%s/proc/cpuinfo", root);
    if (procfs_read(path, text, sizeof text) == 0)
        find_field(text, "model name", facts->model, sizeof facts->model);
    facts->package_cpus = read_cpu_list(root, "package_cpus_list");
    if (facts->package_cpus <= 0)
        facts->package_cpus = read_cpu_list(root, "core_siblings_list");
    facts->allowed_cpus = allowed_cpus > 0 ? allowed_cpus : meter_allowed_cpus_read(root, NULL, 0);
    if (facts->package_cpus <= 0 || facts->allowed_cpus <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        if (facts->package_cpus <= 0)
            facts->package_cpus = online > 0 ? (int)online : 1;
        if (facts->allowed_cpus <= 0)
            facts->allowed_cpus = online > 0 ? (int)online : 1;
    }
}
