/* The NVML entry points we use, declared here with the C types of nvml.h
 * (the header is not needed to build hmlcost). */
#include "meter/nvml.h"
#include "common/text.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvml_return;          /* nvmlReturn_t; 0 is NVML_SUCCESS */
typedef struct nvml_device_st *nvml_device; /* nvmlDevice_t */

enum { NVML_SUCCESS = 0, NVML_ERROR_INSUFFICIENT_SIZE = 7, NVML_MAX_DEVICES = 64 };

/* nvmlProcessInfo_v2_t / nvmlProcessInfo_t (used by the _v2 and _v3 calls). */
typedef struct nvml_process_info {
    unsigned int pid;
    unsigned long long used_gpu_memory;
    unsigned int gpu_instance_id;
    unsigned int compute_instance_id;
} nvml_process_info;

/* nvmlProcessInfo_v1_t (the unversioned call of old drivers). */
typedef struct nvml_process_info_v1 {
    unsigned int pid;
    unsigned long long used_gpu_memory;
} nvml_process_info_v1;

/* nvmlMemory_t */
typedef struct nvml_memory {
    unsigned long long total, free, used;
} nvml_memory;

struct meter_nvml {
    void *lib;
    nvml_return (*shutdown)(void);
    const char *(*error_string)(nvml_return);
    nvml_return (*get_name)(nvml_device, char *, unsigned int);
    nvml_return (*get_memory)(nvml_device, nvml_memory *);
    nvml_return (*get_total_energy)(nvml_device, unsigned long long *);
    nvml_return (*get_processes)(nvml_device, unsigned int *, void *);
    size_t process_info_size;
    nvml_device devices[NVML_MAX_DEVICES];
    unsigned device_count;
};

static const char *error_text(const meter_nvml *n, nvml_return rc)
{
    const char *text = n->error_string ? n->error_string(rc) : NULL;
    return text ? text : "unknown NVML error";
}

meter_nvml *meter_nvml_open(char *why, size_t why_size)
{
    const char *file = getenv(METER_NVML_LIBRARY_ENV);
    if (!file || !*file)
        file = "libnvidia-ml.so.1";
    void *lib = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        text_format(why, why_size, "nvml: cannot load %s (%s)", file, e ? e : "not found");
        return NULL;
    }
    meter_nvml *n = calloc(1, sizeof *n);
    if (!n) {
        dlclose(lib);
        text_format(why, why_size, "nvml: out of memory");
        return NULL;
    }
    n->lib = lib;
    nvml_return (*init)(void) = (nvml_return(*)(void))dlsym(lib, "nvmlInit_v2");
    nvml_return (*count)(unsigned int *) =
        (nvml_return(*)(unsigned int *))dlsym(lib, "nvmlDeviceGetCount_v2");
    nvml_return (*handle)(unsigned int, nvml_device *) =
        (nvml_return(*)(unsigned int, nvml_device *))dlsym(lib, "nvmlDeviceGetHandleByIndex_v2");
    n->shutdown = (nvml_return(*)(void))dlsym(lib, "nvmlShutdown");
    n->error_string = (const char *(*)(nvml_return))dlsym(lib, "nvmlErrorString");
    n->get_name = (nvml_return(*)(nvml_device, char *, unsigned int))dlsym(lib, "nvmlDeviceGetName");
    n->get_memory =
        (nvml_return(*)(nvml_device, nvml_memory *))dlsym(lib, "nvmlDeviceGetMemoryInfo");
    n->get_total_energy = (nvml_return(*)(nvml_device, unsigned long long *))dlsym(
        lib, "nvmlDeviceGetTotalEnergyConsumption");
    const char *process_calls[] = {"nvmlDeviceGetComputeRunningProcesses_v3",
                                   "nvmlDeviceGetComputeRunningProcesses_v2",
                                   "nvmlDeviceGetComputeRunningProcesses"};
    for (size_t i = 0; i < 3 && !n->get_processes; i++) {
        n->get_processes =
            (nvml_return(*)(nvml_device, unsigned int *, void *))dlsym(lib, process_calls[i]);
        n->process_info_size = i < 2 ? sizeof(nvml_process_info) : sizeof(nvml_process_info_v1);
    }
    if (!init || !count || !handle || !n->shutdown) {
        text_format(why, why_size, "nvml: %s lacks nvmlInit_v2/nvmlDeviceGetCount_v2", file);
        dlclose(lib);
        free(n);
        return NULL;
    }
    nvml_return rc = init();
    if (rc != NVML_SUCCESS) {
        text_format(why, why_size, "nvml: nvmlInit_v2 failed: %s", error_text(n, rc));
        dlclose(lib);
        free(n);
        return NULL;
    }
    unsigned int devices = 0;
    rc = count(&devices);
    if (rc != NVML_SUCCESS || devices == 0) {
        text_format(why, why_size, "nvml: no GPU (%s)",
                 rc != NVML_SUCCESS ? error_text(n, rc) : "0 devices");
        meter_nvml_close(n);
        return NULL;
    }
    for (unsigned i = 0; i < devices && n->device_count < NVML_MAX_DEVICES; i++)
        if (handle(i, &n->devices[n->device_count]) == NVML_SUCCESS)
            n->device_count++;
    if (n->device_count == 0) {
        text_format(why, why_size, "nvml: no device handle could be opened");
        meter_nvml_close(n);
        return NULL;
    }
    return n;
}

void meter_nvml_close(meter_nvml *n)
{
    if (!n)
        return;
    if (n->shutdown)
        n->shutdown();
    dlclose(n->lib);
    free(n);
}

unsigned meter_nvml_device_count(const meter_nvml *n) { return n ? n->device_count : 0; }

bool meter_nvml_total_energy_mj(meter_nvml *n, double *mj, char *why, size_t why_size)
{
    *mj = 0;
    if (!n->get_total_energy) {
        text_format(why, why_size, "nvml: nvmlDeviceGetTotalEnergyConsumption is missing");
        return false;
    }
    for (unsigned i = 0; i < n->device_count; i++) {
        unsigned long long value = 0;
        nvml_return rc = n->get_total_energy(n->devices[i], &value);
        if (rc != NVML_SUCCESS) {
            text_format(why, why_size, "nvml: GPU %u: total energy counter: %s", i,
                     error_text(n, rc));
            return false;
        }
        *mj += (double)value;
    }
    return true;
}

double meter_nvml_process_memory(meter_nvml *n, const pid_t *pids, size_t count)
{
    if (!n || !n->get_processes)
        return -1;
    enum { MAX_PROCESSES = 256 };
    /* Large enough for the biggest of the two layouts. */
    static nvml_process_info infos[MAX_PROCESSES];
    double total = 0;
    for (unsigned d = 0; d < n->device_count; d++) {
        unsigned int found = MAX_PROCESSES;
        nvml_return rc = n->get_processes(n->devices[d], &found, infos);
        if (rc != NVML_SUCCESS)
            return -1;
        for (unsigned int i = 0; i < found && i < MAX_PROCESSES; i++) {
            const char *raw = (const char *)infos + (size_t)i * n->process_info_size;
            unsigned int pid;
            unsigned long long used;
            memcpy(&pid, raw, sizeof pid);
            memcpy(&used, raw + offsetof(nvml_process_info, used_gpu_memory), sizeof used);
            if (used == ~0ULL) /* NVML_VALUE_NOT_AVAILABLE */
                continue;
            for (size_t k = 0; k < count; k++)
                if ((pid_t)pid == pids[k]) {
                    total += (double)used;
                    break;
                }
        }
    }
    return total;
}

void meter_nvml_device_name(meter_nvml *n, unsigned device, char *out, size_t size)
{
    out[0] = '\0';
    char name[96] = "";
    if (n && device < n->device_count && n->get_name &&
        n->get_name(n->devices[device], name, sizeof name) == NVML_SUCCESS)
        text_format(out, size, "%s", name);
}

bool meter_nvml_device_memory(meter_nvml *n, unsigned device, unsigned long long *total,
                              unsigned long long *free_bytes)
{
    nvml_memory mem;
    if (!n || device >= n->device_count || !n->get_memory ||
        n->get_memory(n->devices[device], &mem) != NVML_SUCCESS)
        return false;
    *total = mem.total;
    *free_bytes = mem.free;
    return true;
}

void meter_nvml_gpu_model(char *out, size_t size)
{
    out[0] = '\0';
    char why[256];
    meter_nvml *n = meter_nvml_open(why, sizeof why);
    if (!n)
        return;
    char name[96];
    meter_nvml_device_name(n, 0, name, sizeof name);
    if (name[0] && n->device_count > 1)
        text_format(out, size, "%u x %s", n->device_count, name);
    else
        text_format(out, size, "%s", name);
    meter_nvml_close(n);
}
