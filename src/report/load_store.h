/* Reads one experiment of the run store (src/store/store.h) into a dataset.
 * The store is opened read-only: a report never writes it. */
#ifndef HMLCOST_REPORT_LOAD_STORE_H
#define HMLCOST_REPORT_LOAD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "report/dataset.h"

typedef struct report_store_options {
    int64_t experiment; /* <= 0: the latest */
    bool samples;       /* also read every run's time series (the HTML draws one) */
} report_store_options;

/* Arms in plan order, runs in run-index order with every status, metrics with
 * unit and method, host facts (CodeCarbon's columns), pue and the grid's
 * country from the pue / grid_intensity metrics. Samples become the series
 * rss_bytes, gpu_mem_bytes (when known), cpu_cores (CPU-seconds per second
 * between samples) and energy_j (when every sample's energy is known: a store
 * before schema 3 has none). Errors (HML_EUSAGE, one line): no such file, not an
 * SQLite store, a store from another hmlcost version, no such experiment, an
 * experiment without arms or runs, no baseline arm. */
hml_status report_load_store(const char *path, const report_store_options *opts,
                             report_dataset *out, hml_err *err);

#endif
