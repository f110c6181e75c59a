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
 * pass over the file finds them all. */
static hml_status add_arm_sections(plan *p, const char *path, hml_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return HML_OK;
    char line[512];
    hml_status status = HML_OK;
    while (status == HML_OK && fgets(line, sizeof line, f)) {
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (strncmp(s, "[arm ", 5) != 0)
            continue;
        char *end = strchr(s, ']');
        if (!end)
            continue;
        *end = '\0';
        char *name = s + 5;
        while (*name == ' ')
            name++;
        size_t len = strlen(name);
        while (len && name[len - 1] == ' ')
            name[--len] = '\0';
        if (!plan_find_arm(p, name))
            status = plan_add_arm(p, name, NULL, err);
    }
    fclose(f);
    return status;
}

hml_status plan_load_ini(plan *p, const char *path, hml_err *err)
{
    ini_context ctx = {.p = p, .err = err, .status = HML_OK};
    FILE *f = fopen(path, "r");
    if (!f)
        return hml_fail(err, HML_EUSAGE, "plan '%s': %s", path, strerror(errno));
    if (add_arm_sections(p, path, err) != HML_OK) {
        fclose(f);
        return hml_wrap(err, "plan '%s'", path);
    }
    int line = ini_parse_file(f, on_entry, &ctx);
    fclose(f);
    if (line != 0 || ctx.status != HML_OK) {
        if (ctx.status == HML_OK)
            hml_fail(err, HML_EUSAGE, "syntax error");
        if (line > 0)
            return hml_wrap(err, "plan '%s', line %d", path, line);
        return hml_wrap(err, "plan '%s'", path);
    }
    hml_status status = HML_OK;
    if (ctx.baseline[0])
        status = plan_set_baseline(p, ctx.baseline, err);
    if (status != HML_OK)
        return hml_wrap(err, "plan '%s'", path);
    return HML_OK;
}
