/* A lint result as text for people, and as machine output: hmlcost's JSON,
 * and SARIF 2.1.0 (what GitHub code scanning and editors read). */
#ifndef HMLCOST_LINT_OUTPUT_H
#define HMLCOST_LINT_OUTPUT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "lint/lint.h"

/* verdicts: one line per finding from --confirm, or NULL (entries may be NULL). */
void lint_result_text(FILE *out, const lint_result *r, const lint_host *host, int runs,
                      const char *const *verdicts);
cJSON *lint_result_json(const lint_result *r, const lint_host *host, int runs,
                        const char *const *verdicts);
cJSON *lint_result_sarif(const lint_result *r, const lint_host *host, int runs,
                         const char *const *verdicts);

#endif
