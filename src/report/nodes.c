#include "report/nodes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

size_t report_nodes_find(const report_node *nodes, size_t n, const report_host *host)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(nodes[i].hostname, host->hostname) == 0 &&
            strcmp(nodes[i].cpu_model, host->cpu_model) == 0 &&
            strcmp(nodes[i].gpu_model, host->gpu_model) == 0)
            return i;
    return n;
}

hml_status report_nodes_collect(const report_dataset *d, report_node **nodes, size_t *n,
                                hml_err *err)
{
    *nodes = NULL;
    *n = 0;
    for (size_t a = 0; a < d->n_arms; a++)
        for (size_t r = 0; r < d->arms[a].n_runs; r++) {
            const report_run *run = &d->arms[a].runs[r];
            const report_host *h = &run->host;
            size_t at = report_nodes_find(*nodes, *n, h);
            report_node *node = at < *n ? &(*nodes)[at] : NULL;
            if (!node) {
                report_node *grown = realloc(*nodes, (*n + 1) * sizeof *grown);
                size_t *counts = calloc(d->n_arms, sizeof *counts);
                if (!grown || !counts) {
                    free(counts);
                    if (grown)
                        *nodes = grown;
                    report_nodes_free(*nodes, *n);
                    *nodes = NULL;
                    *n = 0;
                    return hml_fail(err, HML_ESYSTEM, "out of memory");
                }
                *nodes = grown;
                node = &(*nodes)[(*n)++];
                memset(node, 0, sizeof *node);
                text_copy(node->hostname, sizeof node->hostname, h->hostname);
                text_copy(node->cpu_model, sizeof node->cpu_model, h->cpu_model);
                text_copy(node->gpu_model, sizeof node->gpu_model, h->gpu_model);
                node->arm_runs = counts;
            }
            node->runs++;
            node->ok += report_run_ok(run);
            node->arm_runs[a]++;
        }
    return HML_OK;
}

void report_nodes_free(report_node *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(nodes[i].arm_runs);
    free(nodes);
}

/* Whether every item of the sep-joined list x is in y. */
static bool list_within(const char *x, const char *y, const char *sep)
{
    size_t slen = strlen(sep);
    for (const char *p = x; *p;) {
        const char *end = strstr(p, sep);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[512];
        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
        if (!text_list_has(y, sep, item))
            return false;
        p = end ? end + slen : p + len;
    }
    return true;
}

#define HARDWARE_SEP "; "
#define NODE_SEP ", "

/* The hardware ("CPU + GPU") and the nodes of an arm's successful runs. */
static void arm_places(const report_arm *arm, char *hardware, size_t hsize, char *nodes,
                       size_t nsize)
{
    hardware[0] = nodes[0] = '\0';
    for (size_t r = 0; r < arm->n_runs; r++) {
        const report_host *h = &arm->runs[r].host;
        if (!report_run_ok(&arm->runs[r]))
            continue;
        char hw[400];
        snprintf(hw, sizeof hw, "%s%s%s", h->cpu_model[0] ? h->cpu_model : "unknown CPU",
                 h->gpu_model[0] ? " + " : "", h->gpu_model);
        text_list_add(hardware, hsize, HARDWARE_SEP, hw);
        text_list_add(nodes, nsize, NODE_SEP, h->hostname);
    }
}

report_nodes_match report_nodes_compare(const report_arm *x, const report_arm *y, char *what,
                                        size_t size)
{
    char xhw[1024], yhw[1024], xnodes[512], ynodes[512];
    arm_places(x, xhw, sizeof xhw, xnodes, sizeof xnodes);
    arm_places(y, yhw, sizeof yhw, ynodes, sizeof ynodes);
    what[0] = '\0';
    if (!list_within(xhw, yhw, HARDWARE_SEP) || !list_within(yhw, xhw, HARDWARE_SEP)) {
        snprintf(what, size, "%s on %s (%s); %s on %s (%s)", x->name, xhw,
                 xnodes[0] ? xnodes : "nodes unnamed", y->name, yhw,
                 ynodes[0] ? ynodes : "nodes unnamed");
        return REPORT_NODES_OTHER_HARDWARE;
    }
    if (!list_within(xnodes, ynodes, NODE_SEP) || !list_within(ynodes, xnodes, NODE_SEP)) {
        snprintf(what, size, "%s on %s; %s on %s", x->name, xnodes[0] ? xnodes : "unnamed nodes",
                 y->name, ynodes[0] ? ynodes : "unnamed nodes");
        return REPORT_NODES_OTHER_NODES;
    }
    return REPORT_NODES_SAME;
}
