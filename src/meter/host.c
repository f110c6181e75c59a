/* Host facts for the store: the one host module's CPU, memory and GPU
 * facts, with the hostname and kernel from the system. */
#include "meter/host.h"
#include "common/text.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

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
