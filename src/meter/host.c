/* Host facts: the CPU topology from hwloc, memory and kernel from the
 * system (sysinfo, uname), the GPU from NVML when it can be loaded. */
#include "meter/host.h"
#include "common/text.h"

#include <hwloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "meter/nvml.h"

static void read_topology(meter_host *host)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return;
    /* Only CPUs and memory are needed: skipping I/O devices keeps this cheap. */
    hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(topo) == 0) {
        host->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
        host->threads = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
        hwloc_obj_t package = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
        const char *model = package ? hwloc_obj_get_info_by_name(package, "CPUModel") : NULL;
        if (!model)
            model = hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo), "CPUModel");
        if (model)
            text_format(host->cpu_model, sizeof host->cpu_model, "%s", model);
    }
    hwloc_topology_destroy(topo);
}

hml_status meter_host_read(meter_host *host, hml_err *err)
{
    (void)err;
    memset(host, 0, sizeof *host);
    text_format(host->hmlcost_version, sizeof host->hmlcost_version, "%s", HMLCOST_VERSION);
    if (gethostname(host->hostname, sizeof host->hostname - 1) != 0)
        host->hostname[0] = '\0';
    read_topology(host);
    if (host->threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        host->threads = n > 0 ? (int)n : 1;
    }
    {
        /* sysinfo, not hwloc: hwloc's NUMA totals can miss memory in VMs. */
        struct sysinfo si;
        if (sysinfo(&si) == 0)
            host->mem_bytes = (double)si.totalram * (double)si.mem_unit;
    }
    struct utsname u;
    if (uname(&u) == 0)
        text_format(host->kernel, sizeof host->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    meter_nvml_gpu_model(host->gpu_model, sizeof host->gpu_model);
    return HML_OK;
}

void meter_host_fingerprint(const meter_host *host, char *out, size_t size)
{
    text_format(out, size, "%s|%s|%d|%d|%.0f|%s|%s|%s", host->hostname, host->cpu_model, host->cores,
             host->threads, host->mem_bytes, host->gpu_model, host->kernel,
             host->hmlcost_version);
}
