/* The workload's result line (docs/contracts.md): one JSON object written to
 * $HMLCOST_RESULT_FD. Stored verbatim; a few keys become metrics. */
#ifndef HMLCOST_RUNNER_RESULT_H
#define HMLCOST_RUNNER_RESULT_H

#include <stddef.h>

#include "meter/metric.h"

/* Keys a helper that runs inside the measured run (`hmlcost capture`) adds
 * to the line: its own CPU seconds, which the runner takes off the run's. */
#define RESULT_HELPER_USER_S "capture_user_s"
#define RESULT_HELPER_SYS_S "capture_sys_s"

/* Takes the first non-empty line of text (len bytes). When it is a JSON
 * object, *json is a copy of it (caller frees) and accuracy, final_loss
 * (last of loss) and images_per_s are added to metrics with method
 * "workload" (and the helper's CPU keys, under their own names). Otherwise *json is NULL and note says why (empty when nothing
 * was written). Returns -1 only when memory runs out. */
int result_line_take(const char *text, size_t len, char **json, meter_metrics *metrics,
                     char *note, size_t note_size);

#endif
