#include "runner/capture_scan.h"
#include "runner/result.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

hml_status capture_scan_init(capture_scan *scan, const char *regex, hml_err *err)
{
    memset(scan, 0, sizeof *scan);
    if (!regex)
        return HML_OK;
    int rc = regcomp(&scan->re, regex, REG_EXTENDED);
    if (rc != 0) {
        char why[256];
        regerror(rc, &scan->re, why, sizeof why);
        return hml_fail(err, HML_EUSAGE, "--accuracy-regex: '%s': %s", regex, why);
    }
    if (scan->re.re_nsub < 1) {
        regfree(&scan->re);
        return hml_fail(err, HML_EUSAGE, "--accuracy-regex: '%s' has no group; put the number "
                        "in parentheses, e.g. 'accuracy: ([0-9.]+)'", regex);
    }
    scan->has_re = true;
    scan->re_text = regex;
    return HML_OK;
}

void capture_scan_free(capture_scan *scan)
{
    if (scan->has_re)
        regfree(&scan->re);
    free(scan->result_line);
    memset(scan, 0, sizeof *scan);
}

void capture_scan_line(capture_scan *scan, const char *line)
{
    regmatch_t m[10];
    if (!scan->has_re || regexec(&scan->re, line, 10, m, 0) != 0)
        return;
    /* The first group that holds a number: "acc(uracy)?: ([0-9.]+)" works too. */
    for (size_t g = 1; g <= scan->re.re_nsub && g < 10; g++) {
        if (m[g].rm_so < 0)
            continue;
        char number[64];
        size_t len = (size_t)(m[g].rm_eo - m[g].rm_so);
        if (len == 0 || len >= sizeof number)
            continue;
        memcpy(number, line + m[g].rm_so, len);
        number[len] = '\0';
        char *end = NULL;
        double v = strtod(number, &end);
        if (end == number)
            continue;
        if (*end == '%')
            end++;
        if (*end != '\0' || !(v >= 0) || v > 100)
            continue;
        scan->accuracy = v > 1 ? v / 100 : v;
        scan->found = true;
        return;
    }
}

void capture_scan_result_line(capture_scan *scan, const char *line)
{
    cJSON *json = cJSON_Parse(line);
    bool object = cJSON_IsObject(json);
    cJSON_Delete(json);
    if (!object)
        return;
    char *copy = strdup(line);
    if (copy) {
        free(scan->result_line);
        scan->result_line = copy;
    }
}

char *capture_scan_result(const capture_scan *scan)
{
    cJSON *root = scan->result_line ? cJSON_Parse(scan->result_line) : NULL;
    if (!root && !scan->found)
        return NULL;
    if (!root) {
        root = cJSON_CreateObject();
        if (root)
            cJSON_AddNumberToObject(root, "schema", 1);
    }
    if (root && scan->found && !cJSON_HasObjectItem(root, "accuracy")) {
        cJSON_AddNumberToObject(root, "accuracy", scan->accuracy);
        cJSON_AddStringToObject(root, "accuracy_source", "regex");
        cJSON_AddStringToObject(root, "accuracy_regex", scan->re_text);
    }
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

char *capture_scan_add_own_cpu(char *line, double user_s, double sys_s)
{
    cJSON *root = line ? cJSON_Parse(line) : cJSON_CreateObject();
    free(line);
    if (!root)
        return NULL;
    bool ok = true;
    if (!cJSON_HasObjectItem(root, "schema"))
        json_put_number(&ok, root, "schema", 1);
    cJSON_DeleteItemFromObjectCaseSensitive(root, RESULT_HELPER_USER_S);
    cJSON_DeleteItemFromObjectCaseSensitive(root, RESULT_HELPER_SYS_S);
    json_put_number(&ok, root, RESULT_HELPER_USER_S, user_s);
    json_put_number(&ok, root, RESULT_HELPER_SYS_S, sys_s);
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}
