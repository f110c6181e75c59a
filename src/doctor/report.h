/* Findings of `hmlcost doctor`: a level, a stable id ("<family>.<problem>"),
 * a one-line summary, the evidence and a fix. */
#ifndef HMLCOST_DOCTOR_REPORT_H
#define HMLCOST_DOCTOR_REPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "doctor/text.h"

typedef enum doctor_level { DOCTOR_INFO, DOCTOR_WARNING, DOCTOR_ERROR } doctor_level;

typedef struct doctor_finding {
    doctor_level level;
    char *id;       /* e.g. "libpath.nonexistent" */
    char *summary;  /* one line */
    char *evidence; /* what was seen: values, paths, versions, numbers */
    char *fix;      /* what to do about it */
} doctor_finding;

typedef struct doctor_report {
    doctor_finding *finding;
    size_t count;
} doctor_report;

const char *doctor_level_name(doctor_level level);
/* "info", "warning" or "error" -> level; false for anything else. */
bool doctor_level_parse(const char *text, doctor_level *level);

/* Appends a finding (the strings are copied). */
hml_status doctor_report_add(doctor_report *report, doctor_level level, const char *id,
                             const char *summary, const char *evidence, const char *fix,
                             hml_err *err);
/* The same with evidence and fix composed in dtexts: out of memory while
 * composing either (text_failed) is reported instead of a cut finding. */
hml_status doctor_report_add_text(doctor_report *report, doctor_level level, const char *id,
                                  const char *summary, const dtext *evidence, const dtext *fix,
                                  hml_err *err);
/* The first finding with this id, or NULL. */
const doctor_finding *doctor_report_find(const doctor_report *report, const char *id);
size_t doctor_report_count_at_least(const doctor_report *report, doctor_level level);
void doctor_report_free(doctor_report *report);

/* {"findings": [{level, id, summary, evidence, fix}], "counts": {...}};
 * NULL when out of memory. */
cJSON *doctor_report_json(const doctor_report *report);

#endif
