/* JSON and SARIF 2.1.0 for a lint result. Every builder returns NULL when
 * memory runs out (cJSON's own convention). */
#include "lint/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/text.h"
#include "lint/price.h"

static bool add_str(cJSON *o, const char *key, const char *value)
{
    return value ? cJSON_AddStringToObject(o, key, value) != NULL
                 : cJSON_AddNullToObject(o, key) != NULL;
}

static cJSON *host_json(const lint_host *host)
{
    cJSON *h = cJSON_CreateObject();
    if (h && cJSON_AddNumberToObject(h, "cpus", (double)host->cpus) &&
        add_str(h, "cpus_source", host->cpus_source) &&
        cJSON_AddNumberToObject(h, "max_batch", (double)host->max_batch) &&
        add_str(h, "max_batch_source", host->max_batch_source))
        return h;
    cJSON_Delete(h);
    return NULL;
}

static bool measure_fields(cJSON *o, const lint_finding *f, int runs)
{
    lint_price p;
    lint_price_of(f, &p);
    char command[2048];
    lint_price_command(&p, runs, command, sizeof command);
    return add_str(o, "measure", command) &&
           add_str(o, "placeholder", p.placeholder[0] ? p.placeholder : NULL) &&
           cJSON_AddBoolToObject(o, "confirmable", p.runnable);
}

cJSON *lint_result_json(const lint_result *r, const lint_host *host, int runs,
                        const char *const *verdicts)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root ? cJSON_AddArrayToObject(root, "findings") : NULL;
    bool ok = list != NULL;
    for (size_t i = 0; ok && i < r->count; i++) {
        const lint_finding *f = &r->finding[i];
        const lint_rule *rule = lint_rule_get(f->rule);
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(list, o) && add_str(o, "path", f->path) &&
             cJSON_AddNumberToObject(o, "line", f->line) &&
             cJSON_AddNumberToObject(o, "col", f->col) &&
             cJSON_AddNumberToObject(o, "end_line", f->end_line) &&
             cJSON_AddNumberToObject(o, "end_col", f->end_col) &&
             add_str(o, "language", lint_language_name(f->language)) &&
             add_str(o, "smell", rule->id) && add_str(o, "title", rule->title) &&
             add_str(o, "what", f->what) && add_str(o, "why", rule->rationale) &&
             add_str(o, "fix", f->fix) && add_str(o, "followed", f->followed) &&
             (f->knob.value ? cJSON_AddNumberToObject(o, "value", (double)f->knob.value) != NULL
                            : cJSON_AddNullToObject(o, "value") != NULL) &&
             measure_fields(o, f, runs) &&
             add_str(o, "verdict", verdicts ? verdicts[i] : NULL);
    }
    cJSON *notes = ok ? cJSON_AddArrayToObject(root, "notes") : NULL;
    ok = notes != NULL;
    for (size_t i = 0; ok && i < r->note_count; i++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(notes, o) && add_str(o, "path", r->note[i].path) &&
             add_str(o, "text", r->note[i].text) &&
             cJSON_AddBoolToObject(o, "skipped", r->note[i].skipped);
    }
    ok = ok && json_add_item(root, "host", host_json(host)) &&
         cJSON_AddNumberToObject(root, "files", (double)r->files) &&
         cJSON_AddNumberToObject(root, "count", (double)r->count);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* ---- SARIF 2.1.0 -------------------------------------------------------- */

/* A relative path as a URI reference, or an absolute one as a file: URI,
 * percent-encoding what RFC 3986 does not allow unencoded. */
static void path_uri(const char *path, char *buf, size_t size)
{
    size_t used = 0;
    if (path[0] == '/')
        used = (size_t)snprintf(buf, size, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p && used + 4 < size; p++) {
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/", *p))
            buf[used++] = (char)*p;
        else
            used += (size_t)snprintf(buf + used, size - used, "%%%02X", *p);
    }
    buf[used < size ? used : size - 1] = '\0';
}

static cJSON *text_object(const char *text)
{
    cJSON *o = cJSON_CreateObject();
    if (o && cJSON_AddStringToObject(o, "text", text))
        return o;
    cJSON_Delete(o);
    return NULL;
}

static bool add_text(cJSON *parent, const char *key, const char *text)
{
    return json_add_item(parent, key, text_object(text));
}

static cJSON *location(const char *path, const lint_finding *f)
{
    char uri[4096];
    path_uri(path, uri, sizeof uri);
    cJSON *loc = cJSON_CreateObject();
    cJSON *phys = loc ? cJSON_AddObjectToObject(loc, "physicalLocation") : NULL;
    cJSON *art = phys ? cJSON_AddObjectToObject(phys, "artifactLocation") : NULL;
    bool ok = art && cJSON_AddStringToObject(art, "uri", uri);
    if (ok && f) {
        cJSON *reg = cJSON_AddObjectToObject(phys, "region");
        ok = reg && cJSON_AddNumberToObject(reg, "startLine", f->line) &&
             cJSON_AddNumberToObject(reg, "startColumn", f->col) &&
             cJSON_AddNumberToObject(reg, "endLine", f->end_line) &&
             cJSON_AddNumberToObject(reg, "endColumn", f->end_col > f->col || f->end_line > f->line
                                                           ? f->end_col : f->col + 1);
    }
    if (!ok) {
        cJSON_Delete(loc);
        return NULL;
    }
    return loc;
}

static cJSON *sarif_rules(void)
{
    cJSON *rules = cJSON_CreateArray();
    for (int i = 0; rules && i < LINT_RULE_COUNT; i++) {
        const lint_rule *rule = lint_rule_get((lint_rule_id)i);
        cJSON *o = cJSON_CreateObject();
        cJSON *conf = NULL;
        bool ok = o && cJSON_AddItemToArray(rules, o) && add_str(o, "id", rule->id) &&
                  add_text(o, "shortDescription", rule->title) &&
                  add_text(o, "fullDescription", rule->rationale) &&
                  (conf = cJSON_AddObjectToObject(o, "defaultConfiguration")) &&
                  cJSON_AddStringToObject(conf, "level", "warning");
        if (!ok) {
            cJSON_Delete(rules);
            return NULL;
        }
    }
    return rules;
}

static bool sarif_result(cJSON *results, const lint_finding *f, int runs, const char *verdict)
{
    const lint_rule *rule = lint_rule_get(f->rule);
    char *message = NULL;
    if (asprintf(&message, "%s. Fix: %s.", f->what ? f->what : rule->title,
                 f->fix ? f->fix : "see the rule") < 0)
        return false;
    cJSON *o = cJSON_CreateObject();
    cJSON *locs = NULL, *loc = NULL, *props = NULL;
    bool ok = o && cJSON_AddItemToArray(results, o) && add_str(o, "ruleId", rule->id) &&
              cJSON_AddNumberToObject(o, "ruleIndex", (double)f->rule) &&
              cJSON_AddStringToObject(o, "level", "warning") && add_text(o, "message", message) &&
              (locs = cJSON_AddArrayToObject(o, "locations")) &&
              (loc = location(f->path, f)) && cJSON_AddItemToArray(locs, loc) &&
              (props = cJSON_AddObjectToObject(o, "properties")) &&
              (!f->followed || add_str(props, "followed", f->followed)) &&
              measure_fields(props, f, runs) && (!verdict || add_str(props, "verdict", verdict));
    free(message);
    return ok;
}

cJSON *lint_result_sarif(const lint_result *r, const lint_host *host, int runs,
                         const char *const *verdicts)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *run_list = NULL, *run = NULL, *tool = NULL, *driver = NULL, *results = NULL,
          *invs = NULL, *inv = NULL, *notes = NULL, *props = NULL;
    bool ok = root &&
              cJSON_AddStringToObject(root, "$schema",
                                      "https://json.schemastore.org/sarif-2.1.0.json") &&
              cJSON_AddStringToObject(root, "version", "2.1.0") &&
              (run_list = cJSON_AddArrayToObject(root, "runs")) &&
              (run = cJSON_CreateObject()) && cJSON_AddItemToArray(run_list, run) &&
              (tool = cJSON_AddObjectToObject(run, "tool")) &&
              (driver = cJSON_AddObjectToObject(tool, "driver")) &&
              cJSON_AddStringToObject(driver, "name", "hmlcost") &&
              cJSON_AddStringToObject(driver, "version", HMLCOST_VERSION) &&
              json_add_item(driver, "rules", sarif_rules()) &&
              (results = cJSON_AddArrayToObject(run, "results"));
    for (size_t i = 0; ok && i < r->count; i++)
        ok = sarif_result(results, &r->finding[i], runs, verdicts ? verdicts[i] : NULL);
    ok = ok && (invs = cJSON_AddArrayToObject(run, "invocations")) &&
         (inv = cJSON_CreateObject()) && cJSON_AddItemToArray(invs, inv) &&
         cJSON_AddBoolToObject(inv, "executionSuccessful", true) &&
         (notes = cJSON_AddArrayToObject(inv, "toolExecutionNotifications"));
    for (size_t i = 0; ok && i < r->note_count; i++) {
        cJSON *n = cJSON_CreateObject(), *locs = NULL, *loc = NULL;
        ok = n && cJSON_AddItemToArray(notes, n) && add_text(n, "message", r->note[i].text) &&
             cJSON_AddStringToObject(n, "level", r->note[i].skipped ? "warning" : "note") &&
             (locs = cJSON_AddArrayToObject(n, "locations")) &&
             (loc = location(r->note[i].path, NULL)) && cJSON_AddItemToArray(locs, loc);
    }
    ok = ok && (props = cJSON_AddObjectToObject(run, "properties")) &&
         json_add_item(props, "host", host_json(host));
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

bool lint_format_parse(const char *text, lint_format *out)
{
    static const char *const names[] = {"text", "json", "sarif"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (lint_format)i;
            return true;
        }
    }
    return false;
}

cJSON *lint_result_document(lint_format format, const lint_result *r, const lint_host *host,
                            int runs, const char *const *verdicts)
{
    switch (format) {
    case LINT_FORMAT_JSON: return lint_result_json(r, host, runs, verdicts);
    case LINT_FORMAT_SARIF: return lint_result_sarif(r, host, runs, verdicts);
    default: return NULL;
    }
}
