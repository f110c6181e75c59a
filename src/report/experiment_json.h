/* An experiment of the store as one JSON object, as `hmlcost run --json`
 * prints it: the experiment, its plan and host, its arms, and every run
 * with its status, metrics (each with its method) and the workload's
 * result line. */
#ifndef HMLCOST_REPORT_EXPERIMENT_JSON_H
#define HMLCOST_REPORT_EXPERIMENT_JSON_H

#include <stdint.h>

#include <cJSON.h>

#include "common/error.h"
#include "store/store.h"

/* store_path is quoted in it as "store". A store error, or no such
 * experiment, is returned (HML_ESYSTEM when memory runs out). */
hml_status report_experiment_json(store *s, int64_t experiment_id, const char *store_path,
                                  cJSON **out, hml_err *err);

#endif
