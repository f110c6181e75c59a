/* NVIDIA GPUs through NVML, loaded with dlopen("libnvidia-ml.so.1") so that
 * hmlcost runs (and says so) where there is no driver. $HMLCOST_NVML_LIBRARY
 * names another file to load (tests point it at a missing one). */
#ifndef HMLCOST_METER_NVML_H
#define HMLCOST_METER_NVML_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define METER_NVML_LIBRARY_ENV "HMLCOST_NVML_LIBRARY"

typedef struct meter_nvml meter_nvml;

/* Loads and initialises NVML; NULL, with why filled ("nvml: ..."), when it
 * cannot be loaded or has no device. */
meter_nvml *meter_nvml_open(char *why, size_t why_size);
void meter_nvml_close(meter_nvml *nvml);

unsigned meter_nvml_device_count(const meter_nvml *nvml);

/* Sum over the devices of nvmlDeviceGetTotalEnergyConsumption (mJ since the
 * driver loaded). False, with why filled, when a device does not support it. */
bool meter_nvml_total_energy_mj(meter_nvml *nvml, double *mj, char *why, size_t why_size);

/* GPU memory (bytes) used by the given processes on all devices (compute
 * processes); -1 when NVML cannot tell. */
double meter_nvml_process_memory(meter_nvml *nvml, const pid_t *pids, size_t count);

/* The device's name (nvmlDeviceGetName); "" when NVML cannot tell. */
void meter_nvml_device_name(meter_nvml *nvml, unsigned device, char *out, size_t size);

/* The device's memory in bytes (nvmlDeviceGetMemoryInfo); false when NVML
 * cannot tell. */
bool meter_nvml_device_memory(meter_nvml *nvml, unsigned device, unsigned long long *total,
                              unsigned long long *free_bytes);

/* The first GPU's name, "" when NVML is absent (opens and closes NVML). */
void meter_nvml_gpu_model(char *out, size_t size);

#endif
