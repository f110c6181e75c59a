/* A lint result as text for people, and as machine output: hmlcost's JSON,
 * and SARIF 2.1.0 (what GitHub code scanning and editors read). */
#ifndef HMLCOST_LINT_OUTPUT_H
#define HMLCOST_LINT_OUTPUT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "lint/lint.h"

typedef enum lint_format { LINT_FORMAT_TEXT, LINT_FORMAT_JSON, LINT_FORMAT_SARIF } lint_format;

/* "text", "json" or "sarif"; false for anything else. */
bool lint_format_parse(const char *text, lint_format *out);

/* The machine document of a format: hmlcost's JSON or SARIF; NULL for text
 * or when memory runs out. */
cJSON *lint_result_document(lint_format format, const lint_result *r, const lint_host *host,
                            int runs, const char *const *verdicts);

/* verdicts: one line per finding from --confirm, or NULL (entries may be NULL). */
void lint_result_text(FILE *out, const lint_result *r, const lint_host *host, int runs,
                      const char *const *verdicts);
cJSON *lint_result_json(const lint_result *r, const lint_host *host, int runs,
                        const char *const *verdicts);
cJSON *lint_result_sarif(const lint_result *r, const lint_host *host, int runs,
                         const char *const *verdicts);

#endif
