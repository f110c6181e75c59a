/* The probe the doctor's checks use for a workload on a host: measured
 * now and stored, or the one stored by an earlier --probe. */
#ifndef HMLCOST_DOCTOR_PROBE_SESSION_H
#define HMLCOST_DOCTOR_PROBE_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "doctor/doctor.h"
#include "doctor/probe.h"

/* measure: the budget, interrupt flag and progress of a probe to run now
 * (this binary, the workload and the CPUs come from ctx); NULL: only read a
 * stored one. *have: whether *probe holds one (free it with
 * probe_result_free); source: where it came from, or, when there is none
 * but something is worth saying (a stored probe that cannot be read), why.
 * Errors: the probe could not run (interrupted, cannot spawn). */
hml_status doctor_probe_obtain(const doctor_context *ctx, char *const *train_args,
                               size_t train_argc, const probe_options *measure,
                               probe_result *probe, bool *have, char *source, size_t source_size,
                               hml_err *err);

#endif
