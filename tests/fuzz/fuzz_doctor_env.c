/* The doctor's environment parsers: LD_LIBRARY_PATH (entries, $ORIGIN-style
 * tokens, duplicates) and the thread variables (OMP_NUM_THREADS and the
 * other runtimes'). Each input line is one NAME=VALUE environment string;
 * the findings are then shown as `doctor` and `doctor --json` show them
 * (the text and JSON escaping rules). */
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "doctor/doctor.h"
#include "doctor/report.h"
#include "fuzz_input.h"

enum { MAX_VARS = 16 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_input_string(data, size);
    if (!text)
        return 0;
    char *env[MAX_VARS + 1];
    size_t n = 0;
    for (char *line = text; line && n < MAX_VARS;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (*line)
            env[n++] = line;
        line = next;
    }
    env[n] = NULL;

    static const char *const system_dirs[] = {"/lib", "/usr/lib", NULL};
    doctor_context ctx = {
        .env = env,
        .ld_cache = "/nonexistent/ld.so.cache",
        .system_dirs = system_dirs,
        .workload = {.batch = 128, .model_builds = 1, .device = "cpu"},
        .host = {.logical_cpus = 2, .allowed_cpus = 2, .allowed_cores = 2,
                 .mem_available = 24ULL << 30, .l3_bytes = 32ULL << 20},
    };
    doctor_report report = {0};
    hml_err err = {0};
    if (doctor_check_libpath(&ctx, &report, &err) == HML_OK &&
        doctor_check_threads(&ctx, &report, &err) == HML_OK) {
        for (size_t i = 0; i < report.count; i++) {
            char shown[4096];
            escape_text(shown, sizeof shown, report.finding[i].evidence);
            escape_text(shown, sizeof shown, report.finding[i].fix);
        }
        cJSON *json = doctor_report_json(&report);
        char *printed = escape_json_print(json, false);
        cJSON_free(printed);
        cJSON_Delete(json);
    }
    doctor_report_free(&report);
    free(text);
    return 0;
}
