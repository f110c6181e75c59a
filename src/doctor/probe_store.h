/* Stored probes: one JSON file per host and workload under
 * $XDG_CACHE_HOME/hmlcost/probes/ (else ~/.cache/hmlcost/probes/), so a
 * later `hmlcost doctor` without --probe can advise from the numbers
 * measured here. */
#ifndef HMLCOST_DOCTOR_PROBE_STORE_H
#define HMLCOST_DOCTOR_PROBE_STORE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "doctor/probe.h"

/* The file for r->host and r->workload; false when neither XDG_CACHE_HOME
 * nor HOME is set. */
bool probe_store_path(const char *host, const char *workload, char *out, size_t size);

/* Writes r as JSON to path (its directories made), replacing it atomically. */
hml_status probe_store_save(const char *path, const probe_result *r, hml_err *err);

/* Reads a stored probe. HML_EUSAGE when the file is not one; *found false
 * (and HML_OK) when there is none. */
hml_status probe_store_load(const char *path, probe_result *r, bool *found, hml_err *err);

/* The probe as JSON (also what is stored); NULL when out of memory. */
cJSON *probe_result_json(const probe_result *r);

#endif
