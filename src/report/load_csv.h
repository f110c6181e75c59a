/* Reads a CSV into a dataset: our own export (format_csv.c), or a CodeCarbon
 * emissions.csv with a column naming each row's arm. */
#ifndef HMLCOST_REPORT_LOAD_CSV_H
#define HMLCOST_REPORT_LOAD_CSV_H

#include "common/error.h"
#include "report/dataset.h"

typedef struct report_csv_options {
    const char *arm_column; /* the column naming the arm; NULL: "arm" */
    const char *baseline;   /* the baseline arm; NULL: from the "baseline" column (ours) */
} report_csv_options;

/* One row per run. Rows are grouped into arms by the arm column, in the order
 * arms first appear. Metrics come from the columns in csv_schema.h (CodeCarbon
 * units converted: kWh -> J for components, kg -> g for emissions); other
 * columns are ignored. Without a `status` column every row is "ok"; without
 * `order`, the row's place in the file is its order. Errors (HML_EUSAGE, one
 * line naming the file and line): no such file, malformed CSV, no arm column,
 * an unknown --baseline, a number that is not one, no rows. */
hml_status report_load_csv(const char *path, const report_csv_options *opts, report_dataset *out,
                           hml_err *err);

#endif
