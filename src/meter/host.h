/* Facts about the machine a run happened on (stored once per distinct
 * host), taken from the one host module (common/host.h), with the GPUs
 * read through the meter's NVML loader. */
#ifndef HMLCOST_METER_HOST_H
#define HMLCOST_METER_HOST_H

#include <stddef.h>

#include "common/error.h"
#include "common/host.h"

typedef struct meter_host {
    char hostname[128];
    char cpu_model[192];
    int cores;           /* physical cores */
    int threads;         /* logical CPUs */
    double mem_bytes;    /* installed memory */
    char gpu_model[192]; /* "" when none was found (NVML absent or no device) */
    char kernel[256];    /* uname: sysname release machine */
    char hmlcost_version[32];
} meter_host;

/* The GPU fields of a real host through NVML (a host_gpu_reader): the
 * binary runs without a driver, and then there are no GPUs. */
void meter_host_read_gpus(host_info *host);

/* host_read with meter_host_read_gpus: the host facts doctor and meter use. */
hml_status meter_host_facts(host_info *host, hml_err *err);

/* The facts stored with runs (host_read, hostname, uname). A bad
 * $HMLCOST_HOST_FILE is the only error; a fact that cannot be read stays
 * empty or 0. */
hml_status meter_host_read(meter_host *host, hml_err *err);

/* A stable text key for deduplicating hosts in the store (all facts joined). */
void meter_host_fingerprint(const meter_host *host, char *out, size_t size);

#endif
