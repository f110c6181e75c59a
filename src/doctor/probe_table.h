/* The probe's text form: one row per trial, and the setting it measured
 * fastest with the difference to the workload's own. */
#ifndef HMLCOST_DOCTOR_PROBE_TABLE_H
#define HMLCOST_DOCTOR_PROBE_TABLE_H

#include "doctor/probe.h"
#include "doctor/text.h"

void probe_table_text(const probe_result *r, dtext *out);

/* "batch 128 with 2 threads: 1,950 images/s, +7% over batch 64 with 2
 * threads (1,820 images/s)", or why there is no recommendation. */
void probe_recommendation_text(const probe_result *r, dtext *out);

#endif
