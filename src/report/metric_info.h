/* How the report names, orders and shows each metric of docs/contracts.md,
 * and which ones are costs (the metrics a verdict rests on). */
#ifndef HMLCOST_REPORT_METRIC_INFO_H
#define HMLCOST_REPORT_METRIC_INFO_H

#include <stdbool.h>
#include <stddef.h>

typedef struct report_metric_info {
    const char *name;         /* "energy_kwh" */
    const char *label;        /* "energy" */
    const char *display_unit; /* "Wh" */
    double display_scale;     /* shown value = stored value * display_scale */
    bool cost;                /* in the verdict's family of tests (higher = worse) */
    bool higher_is_better;    /* accuracy, images/s */
} report_metric_info;

/* The known metrics in report order; NULL name ends the table. */
extern const report_metric_info report_metric_table[];

/* The entry for name, or NULL for a metric the table does not know (reports
 * show it by its own name and unit, not as a cost). */
const report_metric_info *report_metric_lookup(const char *name);

/* Position of name in report order (unknown names sort last, by name). */
int report_metric_rank(const char *name);

#endif
