/* Plan files (INI, read with inih):
 *
 *   [run]
 *   command = hmlcost train --epochs 1
 *   runs = 10
 *   order = blocked
 *   [arm baseline]
 *   [arm threads]
 *   env = OMP_NUM_THREADS=16
 *   args = --threads 16
 */
#include "runner/plan.h"

#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/parse_number.h"
#include "common/text.h"
#include "meter/carbon.h"

typedef struct ini_context {
    plan *p;
    hml_err *err;
    hml_status status;
    char baseline[80];
} ini_context;

static hml_status parse_bool(const char *key, const char *value, bool *out, hml_err *err)
{
    if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcmp(value, "1") ||
        !strcasecmp(value, "on")) {
        *out = true;
        return HML_OK;
    }
    if (!strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcmp(value, "0") ||
        !strcasecmp(value, "off")) {
        *out = false;
        return HML_OK;
    }
    return hml_fail(err, HML_EUSAGE, "%s: '%s' is not yes or no", key, value);
}

static hml_status set_command(const char *value, plan *p, plan_arm *arm, hml_err *err)
{
    char **words;
    size_t count;
    hml_status status = plan_split_words(value, &words, &count, err);
    if (status != HML_OK)
        return status;
    if (count == 0)
        status = hml_fail(err, HML_EUSAGE, "command: empty");
    else if (arm)
        status = plan_arm_set_argv(arm, count, words, err);
    else
        status = plan_set_command(p, count, words, err);
    plan_words_free(words);
    return status;
}

static hml_status run_key(ini_context *ctx, const char *key, const char *value)
{
    plan *p = ctx->p;
    hml_err *err = ctx->err;
    double number = 0;
    if (!strcmp(key, "command"))
        return set_command(value, p, NULL, err);
    if (!strcmp(key, "shell"))
        return parse_bool(key, value, &p->shell, err);
    if (!strcmp(key, "show-output"))
        return parse_bool(key, value, &p->show_output, err);
    if (!strcmp(key, "runs"))
        return hml_parse_long(key, value, 1, 1000000, &p->runs, err);
    if (!strcmp(key, "warmup"))
        return hml_parse_long(key, value, 0, 1000000, &p->warmup, err);
    if (!strcmp(key, "order"))
        return plan_parse_order(value, &p->order, err);
    if (!strcmp(key, "seed")) {
        char *end = NULL;
        unsigned long long seed = strtoull(value, &end, 10);
        if (end == value || *end != '\0' || value[0] == '-')
            return hml_fail(err, HML_EUSAGE, "seed: '%s' is not a non-negative integer", value);
        p->seed = seed;
        return HML_OK;
    }
    if (!strcmp(key, "cooldown"))
        return hml_parse_double(key, value, 0, 86400, &p->cooldown_s, err);
    if (!strcmp(key, "timeout"))
        return hml_parse_double(key, value, 0, 7 * 86400, &p->timeout_s, err);
    if (!strcmp(key, "interval"))
        return hml_parse_double(key, value, 0.001, 3600, &p->meter.interval_s, err);
    if (!strcmp(key, "pue"))
        return hml_parse_double(key, value, 1, 10, &p->meter.pue, err);
    if (!strcmp(key, "cpu-tdp"))
        return hml_parse_double(key, value, 0, 100000, &p->meter.cpu_tdp_w, err);
    if (!strcmp(key, "grid-intensity")) {
        if (hml_parse_double(key, value, 0, 5000, &number, err) != HML_OK)
            return HML_EUSAGE;
        meter_options_set_grid_intensity(&p->meter, number);
        return HML_OK;
    }
    if (!strcmp(key, "country"))
        return carbon_country_intensity(value, &p->meter.grid_g_per_kwh, p->meter.grid_source,
                                        sizeof p->meter.grid_source, err);
    if (!strcmp(key, "baseline")) {
        text_format(ctx->baseline, sizeof ctx->baseline, "%s", value);
        return HML_OK;
    }
    if (!strcmp(key, "name"))
        return plan_set_name(p, value, err);
    if (!strcmp(key, "min-cost"))
        return plan_set_min_cost(p, value, err);
    return hml_fail(err, HML_EUSAGE, "[run]: unknown key '%s'", key);
}

static hml_status arm_key(ini_context *ctx, plan_arm *arm, const char *key, const char *value)
{
    if (!strcmp(key, "env"))
        return plan_arm_add_env_list(arm, value, ctx->err);
    if (!strcmp(key, "args"))
        return plan_arm_add_arg_list(arm, value, ctx->err);
    if (!strcmp(key, "command"))
        return set_command(value, ctx->p, arm, ctx->err);
    if (!strcmp(key, "smell"))
        return plan_arm_set_smell(arm, value, ctx->err);
    return hml_fail(ctx->err, HML_EUSAGE, "[arm %s]: unknown key '%s'", arm->name, key);
}

/* inih calls this once per key, and once with name == NULL for each new
 * section header (INI_CALL_HANDLER_ON_NEW_SECTION is off in Debian's build,
 * so sections are created on their first key or never). */
static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    ini_context *ctx = user;
    if (ctx->status != HML_OK)
        return 0;
    if (!name)
        return 1;
    if (!strcmp(section, "run")) {
        ctx->status = run_key(ctx, name, value);
    } else if (!strncmp(section, "arm ", 4)) {
        const char *arm_name = section + 4;
        while (*arm_name == ' ')
            arm_name++;
        plan_arm *arm = plan_find_arm(ctx->p, arm_name);
        if (!arm)
            ctx->status = plan_add_arm(ctx->p, arm_name, &arm, ctx->err);
        if (ctx->status == HML_OK)
            ctx->status = arm_key(ctx, arm, name, value);
    } else {
        ctx->status = hml_fail(ctx->err, HML_EUSAGE,
                               "unknown section [%s] (use [run] and [arm NAME])", section);
    }
    return ctx->status == HML_OK;
}

/* Arms are created in the order of their sections, including sections
 * without keys ("[arm baseline]" alone), which inih does not report: a first
 * pass over the text finds them all. */
static hml_status add_arm_sections(plan *p, const char *text, hml_err *err)
{
    hml_status status = HML_OK;
    for (const char *line = text; status == HML_OK && *line;) {
        const char *eol = strchr(line, '\n');
        const char *line_end = eol ? eol : line + strlen(line);
        const char *s = line;
        line = eol ? eol + 1 : line_end;
        while (*s == ' ' || *s == '\t')
            s++;
        const char *end = memchr(s, ']', (size_t)(line_end - s));
        if (strncmp(s, "[arm ", 5) != 0 || !end)
            continue;
        const char *name = s + 5;
        while (*name == ' ')
            name++;
        size_t name_len = (size_t)(end - name);
        while (name_len && name[name_len - 1] == ' ')
            name_len--;
        char *copy = strndup(name, name_len);
        if (!copy)
            return hml_fail(err, HML_ESYSTEM, "out of memory");
        if (!plan_find_arm(p, copy))
            status = plan_add_arm(p, copy, NULL, err);
        free(copy);
    }
    return status;
}

/* The whole file, read once: a plan given as a pipe or a process
 * substitution (--plan <(...)) cannot be read a second time. Bounded, text
 * only, and no line longer than inih reads whole (it would cut it). */
static hml_status read_plan_text(const char *path, char **text, hml_err *err)
{
    enum { PLAN_MAX_BYTES = 1 << 20, PLAN_MAX_LINE = INI_MAX_LINE - 2 };
    *text = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return hml_fail(err, HML_EUSAGE, "plan '%s': %s", path, strerror(errno));
    char *buf = malloc(PLAN_MAX_BYTES + 2); /* one byte more than allowed, and a NUL */
    if (!buf) {
        fclose(f);
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    size_t len = fread(buf, 1, PLAN_MAX_BYTES + 1, f);
    bool failed = ferror(f);
    fclose(f);
    hml_status status = HML_OK;
    if (failed)
        status = hml_fail(err, HML_EUSAGE, "plan '%s': cannot read it", path);
    else if (len > PLAN_MAX_BYTES)
        status = hml_fail(err, HML_EUSAGE, "plan '%s': larger than %d bytes", path,
                          PLAN_MAX_BYTES);
    else if (memchr(buf, '\0', len))
        status = hml_fail(err, HML_EUSAGE, "plan '%s': not a text file (a NUL byte)", path);
    buf[len] = '\0';
    size_t line_no = 1;
    for (const char *line = buf; status == HML_OK && *line; line_no++) {
        const char *eol = strchr(line, '\n');
        size_t line_len = eol ? (size_t)(eol - line) : strlen(line);
        if (line_len && line[line_len - 1] == '\r')
            line_len--;
        if (line_len > PLAN_MAX_LINE)
            status = hml_fail(err, HML_EUSAGE,
                              "plan '%s', line %zu: longer than %d characters (a list of env or "
                              "args can be split over several lines)",
                              path, line_no, PLAN_MAX_LINE);
        line = eol ? eol + 1 : line + strlen(line);
    }
    if (status != HML_OK) {
        free(buf);
        return status;
    }
    *text = buf;
    return HML_OK;
}

hml_status plan_load_ini(plan *p, const char *path, hml_err *err)
{
    ini_context ctx = {.p = p, .err = err, .status = HML_OK};
    char *text = NULL;
    hml_status status = read_plan_text(path, &text, err);
    if (status != HML_OK)
        return status;
    if (add_arm_sections(p, text, err) != HML_OK) {
        free(text);
        return hml_wrap(err, "plan '%s'", path);
    }
    int line = ini_parse_string(text, on_entry, &ctx);
    free(text);
    if (line != 0 || ctx.status != HML_OK) {
        if (ctx.status == HML_OK)
            hml_fail(err, HML_EUSAGE, "syntax error");
        if (line > 0)
            return hml_wrap(err, "plan '%s', line %d", path, line);
        return hml_wrap(err, "plan '%s'", path);
    }
    if (ctx.baseline[0])
        status = plan_set_baseline(p, ctx.baseline, err);
    if (status != HML_OK)
        return hml_wrap(err, "plan '%s'", path);
    return HML_OK;
}
