/* Which nodes (hostname, CPU and GPU model) the runs of a dataset ran on:
 * the per-node run counts a report shows, and whether two compared arms ran
 * on the same hardware and the same nodes. */
#ifndef HMLCOST_REPORT_NODES_H
#define HMLCOST_REPORT_NODES_H

#include <stddef.h>

#include "common/error.h"
#include "report/analysis.h"
#include "report/dataset.h"

/* One report_node per distinct (hostname, CPU model, GPU model) among the
 * runs, in the order first seen, with its run counts per arm. Free with
 * report_nodes_free. */
hml_status report_nodes_collect(const report_dataset *d, report_node **nodes, size_t *n,
                                hml_err *err);
void report_nodes_free(report_node *nodes, size_t n);
/* The index of the node a run's host is, or n when none is. */
size_t report_nodes_find(const report_node *nodes, size_t n, const report_host *host);

typedef enum report_nodes_match {
    REPORT_NODES_SAME,          /* same hardware, same nodes (or nodes unnamed) */
    REPORT_NODES_OTHER_NODES,   /* same hardware, different nodes */
    REPORT_NODES_OTHER_HARDWARE /* a CPU or GPU model only one of the arms ran on */
} report_nodes_match;

/* Compares where the successful runs of two arms ran. what (not SAME) says,
 * in one line, where each ran: "a on <hardware or nodes>; b on <...>". */
report_nodes_match report_nodes_compare(const report_arm *x, const report_arm *y, char *what,
                                        size_t size);

#endif
