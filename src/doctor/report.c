#include "doctor/report.h"

#include <stdlib.h>
#include <string.h>

static const char *const level_names[] = {"info", "warning", "error"};

const char *doctor_level_name(doctor_level level)
{
    return level >= DOCTOR_INFO && level <= DOCTOR_ERROR ? level_names[level] : "?";
}

bool doctor_level_parse(const char *text, doctor_level *level)
{
    for (int i = DOCTOR_INFO; i <= DOCTOR_ERROR; i++)
        if (text && strcmp(text, level_names[i]) == 0) {
            *level = (doctor_level)i;
            return true;
        }
    return false;
}

hml_status doctor_report_add(doctor_report *report, doctor_level level, const char *id,
                             const char *summary, const char *evidence, const char *fix,
                             hml_err *err)
{
    doctor_finding *grown = realloc(report->finding, (report->count + 1) * sizeof *grown);
    if (!grown)
        return hml_fail(err, HML_ESYSTEM, "doctor: out of memory");
    report->finding = grown;
    doctor_finding *f = &report->finding[report->count];
    f->level = level;
    f->id = strdup(id);
    f->summary = strdup(summary);
    f->evidence = strdup(evidence ? evidence : "");
    f->fix = strdup(fix ? fix : "");
    if (!f->id || !f->summary || !f->evidence || !f->fix) {
        free(f->id);
        free(f->summary);
        free(f->evidence);
        free(f->fix);
        return hml_fail(err, HML_ESYSTEM, "doctor: out of memory");
    }
    report->count++;
    return HML_OK;
}

hml_status doctor_report_add_text(doctor_report *report, doctor_level level, const char *id,
                                  const char *summary, const dtext *evidence, const dtext *fix,
                                  hml_err *err)
{
    if (text_failed(evidence) || text_failed(fix))
        return hml_fail(err, HML_ESYSTEM, "doctor: out of memory");
    return doctor_report_add(report, level, id, summary, text_str(evidence), text_str(fix), err);
}

const doctor_finding *doctor_report_find(const doctor_report *report, const char *id)
{
    for (size_t i = 0; i < report->count; i++)
        if (strcmp(report->finding[i].id, id) == 0)
            return &report->finding[i];
    return NULL;
}

size_t doctor_report_count_at_least(const doctor_report *report, doctor_level level)
{
    size_t n = 0;
    for (size_t i = 0; i < report->count; i++)
        n += report->finding[i].level >= level;
    return n;
}

void doctor_report_free(doctor_report *report)
{
    for (size_t i = 0; i < report->count; i++) {
        free(report->finding[i].id);
        free(report->finding[i].summary);
        free(report->finding[i].evidence);
        free(report->finding[i].fix);
    }
    free(report->finding);
    report->finding = NULL;
    report->count = 0;
}

cJSON *doctor_report_json(const doctor_report *report)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root ? cJSON_AddArrayToObject(root, "findings") : NULL;
    bool ok = list != NULL;
    size_t counts[3] = {0, 0, 0};
    for (size_t i = 0; ok && i < report->count; i++) {
        const doctor_finding *f = &report->finding[i];
        counts[f->level]++;
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(list, o) &&
             cJSON_AddStringToObject(o, "level", doctor_level_name(f->level)) &&
             cJSON_AddStringToObject(o, "id", f->id) &&
             cJSON_AddStringToObject(o, "summary", f->summary) &&
             cJSON_AddStringToObject(o, "evidence", f->evidence) &&
             cJSON_AddStringToObject(o, "fix", f->fix);
    }
    cJSON *c = ok ? cJSON_AddObjectToObject(root, "counts") : NULL;
    ok = c && cJSON_AddNumberToObject(c, "error", (double)counts[DOCTOR_ERROR]) &&
         cJSON_AddNumberToObject(c, "warning", (double)counts[DOCTOR_WARNING]) &&
         cJSON_AddNumberToObject(c, "info", (double)counts[DOCTOR_INFO]);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
