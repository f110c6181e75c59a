/* Facts about the machine a run happened on (stored once per distinct host). */
#ifndef HMLCOST_METER_HOST_H
#define HMLCOST_METER_HOST_H

#include <stddef.h>

#include "common/error.h"

typedef struct meter_host {
    char hostname[128];
    char cpu_model[192];
    int cores;           /* physical cores (hwloc) */
    int threads;         /* logical CPUs (hwloc PUs) */
    double mem_bytes;    /* installed memory */
    char gpu_model[192]; /* "" when none was found (NVML absent or no device) */
    char kernel[256];    /* uname: sysname release machine */
    char hmlcost_version[32];
} meter_host;

/* Reads the facts (hwloc for the CPU topology, sysinfo/uname for the rest,
 * NVML when loadable for the GPU). Never fails on a missing fact: it stays
 * empty or 0. */
hml_status meter_host_read(meter_host *host, hml_err *err);

/* A stable text key for deduplicating hosts in the store (all facts joined). */
void meter_host_fingerprint(const meter_host *host, char *out, size_t size);

#endif
