/* What `hmlcost run` shows once an experiment's runs are stored: per arm,
 * its runs by status and the mean figures of its ok runs, the energy
 * methods, and whether the runs came from several nodes or kinds of
 * hardware. Read from the store; printed as a table on a terminal. */
#ifndef HMLCOST_REPORT_RUN_SUMMARY_H
#define HMLCOST_REPORT_RUN_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "store/store.h"

/* The figures a summary averages, in its columns' order. */
enum {
    RUN_SUMMARY_WALL_S,
    RUN_SUMMARY_CPU_S,
    RUN_SUMMARY_PEAK_RSS_BYTES,
    RUN_SUMMARY_ENERGY_TOTAL_J,
    RUN_SUMMARY_CO2_G,
    RUN_SUMMARY_METRICS,
};

#define RUN_SUMMARY_STATUSES (STORE_RUN_ERROR + 1)

typedef struct run_summary_arm {
    char *name;
    bool is_baseline;
    size_t runs;
    size_t by_status[RUN_SUMMARY_STATUSES];
    double mean[RUN_SUMMARY_METRICS]; /* over the ok runs (a missing figure counts 0) */
} run_summary_arm;

typedef struct run_summary {
    run_summary_arm *arms; /* in plan order */
    size_t arm_count;
    char energy_methods[512]; /* of the first ok run: "cpu rapl; dram rapl"; "" when none */
    size_t host_count;        /* distinct hosts the runs ran on (counted up to 64) */
    bool mixed_hardware;      /* their CPU or GPU models differ */
} run_summary;

/* Reads the experiment's arms and runs; a store error is returned, never
 * hidden in a shorter table. */
hml_status run_summary_load(store *s, int64_t experiment_id, run_summary *out, hml_err *err);
void run_summary_free(run_summary *sum);

/* The table: a row per arm ("*" marks the baseline), then a line on what
 * the figures are and how energy was measured. */
void run_summary_text(FILE *out, const run_summary *sum);

/* For runs from several nodes: how many, and a warning when their hardware
 * differs; nothing for runs from one node. */
void run_summary_nodes_text(FILE *out, const run_summary *sum);

#endif
