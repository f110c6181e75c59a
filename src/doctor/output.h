/* What `hmlcost doctor` shows: the probe's table and advice (when there is
 * a probe), every finding with its evidence and fix, and a closing line; or
 * all of it, with the host and workload facts the checks used, as JSON. */
#ifndef HMLCOST_DOCTOR_OUTPUT_H
#define HMLCOST_DOCTOR_OUTPUT_H

#include <stdio.h>

#include <cJSON.h>

#include "doctor/doctor.h"

/* probe_source: where ctx->probe came from (measured now, or a stored file). */
void doctor_output_text(FILE *out, const doctor_report *report, const doctor_context *ctx,
                        const char *probe_source);

/* doctor_report_json with "host", "workload" and "probe"; NULL when memory
 * runs out. */
cJSON *doctor_output_json(const doctor_report *report, const doctor_context *ctx,
                          const char *probe_source);

/* A probe's progress as probe_options.progress wants it; user is the FILE
 * written to: "hmlcost doctor: probe 2/9: batch 64, 4 threads ..." before
 * a trial, then its rate (or wall time, or why it did not run) and '\n'. */
void doctor_output_probe_progress(const probe_trial *t, size_t i, size_t n, bool done,
                                  void *user);

#endif
