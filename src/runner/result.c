#include "runner/result.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

/* A key's number becomes a metric when it is within the metric's contract;
 * one outside it is named in the note and not taken. */
static int add_number(meter_metrics *metrics, const cJSON *root, const char *key,
                      const char *name, const char *unit, double min, double max,
                      const char *contract, char *note, size_t note_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    if (cJSON_IsArray(item)) /* "loss": the last epoch's */
        item = cJSON_GetArrayItem(item, cJSON_GetArraySize(item) - 1);
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return 0;
    if (item->valuedouble < min || item->valuedouble > max) {
        text_note_add(note, note_size, "result line: %s %g ignored (not %s)", key,
                      item->valuedouble, contract);
        return 0;
    }
    return meter_metrics_set(metrics, name, item->valuedouble, unit, "workload");
}

int result_line_take(const char *text, size_t len, char **json, meter_metrics *metrics,
                     char *note, size_t note_size)
{
    *json = NULL;
    note[0] = '\0';
    size_t start = 0;
    while (start < len && (text[start] == '\n' || text[start] == '\r' || text[start] == ' '))
        start++;
    if (start == len)
        return 0;
    size_t end = start;
    while (end < len && text[end] != '\n')
        end++;
    size_t line_len = end - start;
    while (line_len && (text[start + line_len - 1] == '\r' || text[start + line_len - 1] == ' '))
        line_len--;
    cJSON *root = cJSON_ParseWithLength(text + start, line_len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        /* text is not NUL-terminated: the precision bounds what is read */
        int shown = line_len > 40 ? 40 : (int)line_len;
        text_format(note, note_size, "result line ignored: not a JSON object (%.*s%s)", shown,
                    text + start, line_len > 40 ? "..." : "");
        for (char *c = note; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        return 0;
    }
    char *copy = malloc(line_len + 1);
    if (!copy) {
        cJSON_Delete(root);
        return -1;
    }
    memcpy(copy, text + start, line_len);
    copy[line_len] = '\0';
    int rc = add_number(metrics, root, "accuracy", "accuracy", "1", 0, 1,
                        "a fraction from 0 to 1", note, note_size);
    if (rc == 0)
        rc = add_number(metrics, root, "loss", "final_loss", "1", -HUGE_VAL, HUGE_VAL, "",
                        note, note_size);
    if (rc == 0)
        rc = add_number(metrics, root, "images_per_s", "images_per_s", "1/s", 0, HUGE_VAL,
                        "0 or more", note, note_size);
    if (rc == 0)
        rc = add_number(metrics, root, RESULT_HELPER_USER_S, RESULT_HELPER_USER_S, "s", 0,
                        HUGE_VAL, "0 or more", note, note_size);
    if (rc == 0)
        rc = add_number(metrics, root, RESULT_HELPER_SYS_S, RESULT_HELPER_SYS_S, "s", 0,
                        HUGE_VAL, "0 or more", note, note_size);
    cJSON_Delete(root);
    if (rc != 0) {
        free(copy);
        return -1;
    }
    *json = copy;
    return 0;
}
