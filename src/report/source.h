/* Where a report's runs come from: a CSV (ours or CodeCarbon's) or an
 * experiment of a store, all of it or one node's runs. */
#ifndef HMLCOST_REPORT_SOURCE_H
#define HMLCOST_REPORT_SOURCE_H

#include "common/error.h"
#include "report/dataset.h"
#include "report/load_csv.h"
#include "report/load_store.h"

typedef struct report_source {
    const char *input;          /* a CSV; NULL: the store */
    report_csv_options csv;     /* how the CSV names arms and the baseline */
    const char *store;          /* the store's path, read when input is NULL */
    report_store_options stored; /* which experiment, whether samples */
    const char *node;           /* only the runs of this hostname; NULL: all */
} report_source;

/* Loads the source into out (free it with report_dataset_free); on error
 * nothing is left to free. The loaders' and report_dataset_keep_node's
 * errors, unchanged. */
hml_status report_load_source(const report_source *src, report_dataset *out, hml_err *err);

#endif
