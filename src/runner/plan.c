#include "runner/plan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/json.h"
#include "common/name_limits.h"
#include "common/text.h"
#include "stats/min_cost.h"

#define PLAN_MAX_RUNS 1000000L

void plan_init(plan *p)
{
    memset(p, 0, sizeof *p);
    p->runs = 10;
    p->order = PLAN_ORDER_INTERLEAVED;
    p->seed = 1;
    meter_options_default(&p->meter);
}

void plan_words_free(char **words)
{
    for (size_t i = 0; words && words[i]; i++)
        free(words[i]);
    free(words);
}

static void free_list(char **list, size_t count)
{
    for (size_t i = 0; list && i < count; i++)
        free(list[i]);
    free(list);
}

static void arm_free(plan_arm *a)
{
    free(a->name);
    free(a->smell);
    free(a->compare_with);
    free_list(a->env, a->env_count);
    free_list(a->args, a->arg_count);
    free_list(a->argv, a->argc);
    memset(a, 0, sizeof *a);
}

void plan_free(plan *p)
{
    free(p->name);
    free(p->min_cost);
    free_list(p->argv, p->argc);
    for (size_t i = 0; i < p->arm_count; i++)
        arm_free(&p->arms[i]);
    free(p->arms);
    memset(p, 0, sizeof *p);
}

static hml_status out_of_memory(hml_err *err) { return hml_fail(err, HML_ESYSTEM, "out of memory"); }

/* Appends a copy of text to the list *list of *count strings. */
static hml_status list_push(char ***list, size_t *count, const char *text, hml_err *err)
{
    char *copy = strdup(text);
    char **grown = copy ? realloc(*list, (*count + 1) * sizeof **list) : NULL;
    if (!grown) {
        free(copy);
        return out_of_memory(err);
    }
    grown[(*count)++] = copy;
    *list = grown;
    return HML_OK;
}

static hml_status copy_argv(size_t argc, char *const argv[], char ***out, size_t *out_count,
                            hml_err *err)
{
    char **list = NULL;
    size_t count = 0;
    for (size_t i = 0; i < argc; i++)
        if (list_push(&list, &count, argv[i], err) != HML_OK) {
            free_list(list, count);
            return HML_ESYSTEM;
        }
    *out = list;
    *out_count = count;
    return HML_OK;
}

/* *slot (*slot_count words) becomes a copy of argv[0..argc). */
static hml_status replace_argv(char ***slot, size_t *slot_count, size_t argc,
                               char *const argv[], hml_err *err)
{
    char **list;
    size_t count;
    if (copy_argv(argc, argv, &list, &count, err) != HML_OK)
        return HML_ESYSTEM;
    free_list(*slot, *slot_count);
    *slot = list;
    *slot_count = count;
    return HML_OK;
}

hml_status plan_set_command(plan *p, size_t argc, char *const argv[], hml_err *err)
{
    if (argc == 0 || !argv[0] || !*argv[0])
        return hml_fail(err, HML_EUSAGE, "no command given");
    return replace_argv(&p->argv, &p->argc, argc, argv, err);
}

static bool valid_arm_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > ARM_NAME_MAX)
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
            return false;
    return true;
}

plan_arm *plan_find_arm(const plan *p, const char *name)
{
    for (size_t i = 0; i < p->arm_count; i++)
        if (strcmp(p->arms[i].name, name) == 0)
            return &p->arms[i];
    return NULL;
}

hml_status plan_add_arm(plan *p, const char *name, plan_arm **arm, hml_err *err)
{
    if (!name || !valid_arm_name(name))
        return hml_fail(err, HML_EUSAGE,
                        "arm name '%s': use 1 to %d letters, digits, '.', '_' or '-'",
                        name ? name : "", ARM_NAME_MAX);
    if (plan_find_arm(p, name))
        return hml_fail(err, HML_EUSAGE, "arm '%s' is given twice", name);
    plan_arm *grown = realloc(p->arms, (p->arm_count + 1) * sizeof *grown);
    if (!grown)
        return out_of_memory(err);
    p->arms = grown;
    plan_arm *a = &p->arms[p->arm_count];
    memset(a, 0, sizeof *a);
    if (!(a->name = strdup(name)))
        return out_of_memory(err);
    a->is_baseline = p->arm_count == 0;
    p->arm_count++;
    if (arm)
        *arm = a;
    return HML_OK;
}

hml_status plan_set_baseline(plan *p, const char *name, hml_err *err)
{
    plan_arm *target = plan_find_arm(p, name);
    if (!target)
        return hml_fail(err, HML_EUSAGE, "--baseline: no arm is called '%s'", name);
    for (size_t i = 0; i < p->arm_count; i++)
        p->arms[i].is_baseline = &p->arms[i] == target;
    return HML_OK;
}

static bool valid_env_name(const char *name, size_t len)
{
    if (len == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return false;
    return true;
}

hml_status plan_arm_add_env(plan_arm *arm, const char *change, hml_err *err)
{
    const char *eq = strchr(change, '=');
    size_t len = eq ? (size_t)(eq - change) : strlen(change);
    if (!valid_env_name(change, len))
        return hml_fail(err, HML_EUSAGE,
                        "arm '%s': '%s' is not VAR=VALUE (or VAR to unset it)", arm->name, change);
    if (len == strlen("HMLCOST_RESULT_FD") && strncmp(change, "HMLCOST_RESULT_FD", len) == 0)
        return hml_fail(err, HML_EUSAGE, "arm '%s': HMLCOST_RESULT_FD is set by hmlcost itself",
                        arm->name);
    return list_push(&arm->env, &arm->env_count, change, err);
}

/* Splits list into words (plan_split_words) and adds each with add. */
static hml_status add_each_word(plan_arm *arm, const char *list,
                                hml_status (*add)(plan_arm *, const char *, hml_err *),
                                hml_err *err)
{
    char **words;
    size_t count;
    hml_status status = plan_split_words(list, &words, &count, err);
    if (status != HML_OK)
        return hml_wrap(err, "arm '%s'", arm->name);
    for (size_t i = 0; status == HML_OK && i < count; i++)
        status = add(arm, words[i], err);
    plan_words_free(words);
    return status;
}

hml_status plan_arm_add_env_list(plan_arm *arm, const char *list, hml_err *err)
{
    return add_each_word(arm, list, plan_arm_add_env, err);
}

hml_status plan_arm_add_arg(plan_arm *arm, const char *arg, hml_err *err)
{
    return list_push(&arm->args, &arm->arg_count, arg, err);
}

hml_status plan_arm_add_arg_list(plan_arm *arm, const char *list, hml_err *err)
{
    return add_each_word(arm, list, plan_arm_add_arg, err);
}

hml_status plan_arm_set_argv(plan_arm *arm, size_t argc, char *const argv[], hml_err *err)
{
    if (argc == 0 || !argv[0] || !*argv[0])
        return hml_fail(err, HML_EUSAGE, "arm '%s': empty command", arm->name);
    return replace_argv(&arm->argv, &arm->argc, argc, argv, err);
}

/* *slot becomes a copy of text (NULL: none); the old value is freed. */
static hml_status replace_text(char **slot, const char *text, hml_err *err)
{
    char *copy = NULL;
    if (text && !(copy = strdup(text)))
        return out_of_memory(err);
    free(*slot);
    *slot = copy;
    return HML_OK;
}

hml_status plan_set_name(plan *p, const char *name, hml_err *err)
{
    if (strlen(name) > EXPERIMENT_NAME_MAX)
        return hml_fail(err, HML_EUSAGE, "name '%.40s...': longer than %d characters", name,
                        EXPERIMENT_NAME_MAX);
    return replace_text(&p->name, name, err);
}

hml_status plan_set_min_cost(plan *p, const char *list, hml_err *err)
{
    stats_min_cost mc;
    stats_min_cost_default(&mc);
    hml_status st = p->min_cost ? stats_min_cost_parse(&mc, p->min_cost, err) : HML_OK;
    if (st == HML_OK)
        st = stats_min_cost_parse(&mc, list, err);
    if (st != HML_OK)
        return st;
    char text[512];
    stats_min_cost_format(&mc, text, sizeof text);
    return replace_text(&p->min_cost, text, err);
}

hml_status plan_arm_set_smell(plan_arm *arm, const char *smell_id, hml_err *err)
{
    return replace_text(&arm->smell, smell_id, err);
}

hml_status plan_arm_set_compare_with(plan_arm *arm, const char *arm_name, hml_err *err)
{
    return replace_text(&arm->compare_with, arm_name, err);
}

/* sh-like words: blanks separate; '...' is literal; "..." allows \" \\ \$ \`;
 * a backslash outside quotes escapes the next character. No expansion. */
hml_status plan_split_words(const char *text, char ***words, size_t *count, hml_err *err)
{
    *words = NULL;
    *count = 0;
    size_t len = strlen(text);
    char *word = malloc(len + 1);
    char **list = calloc(1, sizeof *list);
    if (!word || !list) {
        free(word);
        free(list);
        return out_of_memory(err);
    }
    size_t n = 0;
    const char *c = text;
    for (;;) {
        while (*c == ' ' || *c == '\t' || *c == '\n')
            c++;
        if (!*c)
            break;
        size_t w = 0;
        while (*c && *c != ' ' && *c != '\t' && *c != '\n') {
            if (*c == '\'') {
                const char *end = strchr(c + 1, '\'');
                if (!end)
                    goto unterminated;
                memcpy(word + w, c + 1, (size_t)(end - c - 1));
                w += (size_t)(end - c - 1);
                c = end + 1;
            } else if (*c == '"') {
                c++;
                while (*c && *c != '"') {
                    if (*c == '\\' && c[1] && strchr("\"\\$`", c[1]))
                        c++;
                    word[w++] = *c++;
                }
                if (*c != '"')
                    goto unterminated;
                c++;
            } else if (*c == '\\' && c[1]) {
                word[w++] = c[1];
                c += 2;
            } else {
                word[w++] = *c++;
            }
        }
        word[w] = '\0';
        char *copy = strdup(word);
        char **grown = copy ? realloc(list, (n + 2) * sizeof *list) : NULL;
        if (!grown) {
            free(copy);
            free(word);
            plan_words_free(list);
            return out_of_memory(err);
        }
        list = grown;
        list[n++] = copy;
        list[n] = NULL;
    }
    free(word);
    *words = list;
    *count = n;
    return HML_OK;
unterminated:
    free(word);
    plan_words_free(list);
    return hml_fail(err, HML_EUSAGE, "unterminated quote in '%s'", text);
}

hml_status plan_validate(const plan *p, hml_err *err)
{
    if (p->arm_count == 0)
        return hml_fail(err, HML_EUSAGE, "no arm given (use --arm NAME, at least once)");
    size_t baselines = 0;
    for (size_t i = 0; i < p->arm_count; i++) {
        baselines += p->arms[i].is_baseline;
        const char *other = p->arms[i].compare_with;
        bool itself = other && strcmp(other, p->arms[i].name) == 0;
        if (other && (itself || !plan_find_arm(p, other)))
            return hml_fail(err, HML_EUSAGE, "arm '%s': compared with '%s', which is %s",
                            p->arms[i].name, other, itself ? "itself" : "not an arm");
        if (p->argc == 0 && p->arms[i].argc == 0)
            return hml_fail(err, HML_EUSAGE, "no command given (put it after --)");
    }
    if (baselines != 1)
        return hml_fail(err, HML_EUSAGE, "exactly one arm must be the baseline (%zu are)",
                        baselines);
    if (p->runs < 1 || p->runs > PLAN_MAX_RUNS)
        return hml_fail(err, HML_EUSAGE, "--runs: %ld is out of range [1, %ld]", p->runs,
                        PLAN_MAX_RUNS);
    if (p->warmup < 0 || p->warmup > PLAN_MAX_RUNS)
        return hml_fail(err, HML_EUSAGE, "--warmup: %ld is out of range [0, %ld]", p->warmup,
                        PLAN_MAX_RUNS);
    if (!(p->meter.interval_s >= 0.001 && p->meter.interval_s <= 3600))
        return hml_fail(err, HML_EUSAGE, "--interval: %g s is out of range [0.001, 3600]",
                        p->meter.interval_s);
    if (!(p->timeout_s >= 0) || !(p->cooldown_s >= 0))
        return hml_fail(err, HML_EUSAGE, "--timeout and --cooldown must be >= 0");
    if (!(p->meter.pue >= 1.0 && p->meter.pue <= 10.0))
        return hml_fail(err, HML_EUSAGE, "--pue: %g is out of range [1, 10]", p->meter.pue);
    if (!(p->meter.grid_g_per_kwh >= 0 && p->meter.grid_g_per_kwh <= 5000))
        return hml_fail(err, HML_EUSAGE, "--grid-intensity: %g is out of range [0, 5000]",
                        p->meter.grid_g_per_kwh);
    if (!(p->meter.cpu_tdp_w >= 0 && p->meter.cpu_tdp_w <= 100000))
        return hml_fail(err, HML_EUSAGE, "--cpu-tdp: %g is out of range [0, 100000]",
                        p->meter.cpu_tdp_w);
    return HML_OK;
}

hml_status plan_arm_command(const plan *p, const plan_arm *arm, char ***argv, hml_err *err)
{
    *argv = NULL;
    char *const *base = arm->argc ? arm->argv : p->argv;
    size_t base_count = arm->argc ? arm->argc : p->argc;
    size_t total = base_count + arm->arg_count;
    if (total == 0)
        return hml_fail(err, HML_EUSAGE, "arm '%s': no command", arm->name);
    if (p->shell) {
        size_t len = 1;
        for (size_t i = 0; i < base_count; i++)
            len += strlen(base[i]) + 1;
        for (size_t i = 0; i < arm->arg_count; i++)
            len += strlen(arm->args[i]) + 1;
        char *script = malloc(len);
        char **list = calloc(4, sizeof *list);
        if (!script || !list) {
            free(script);
            free(list);
            return out_of_memory(err);
        }
        script[0] = '\0';
        for (size_t i = 0; i < total; i++) {
            if (i)
                strcat(script, " ");
            strcat(script, i < base_count ? base[i] : arm->args[i - base_count]);
        }
        list[0] = strdup("/bin/sh");
        list[1] = strdup("-c");
        list[2] = script;
        if (!list[0] || !list[1]) {
            plan_words_free(list);
            return out_of_memory(err);
        }
        *argv = list;
        return HML_OK;
    }
    char **list = calloc(total + 1, sizeof *list);
    if (!list)
        return out_of_memory(err);
    for (size_t i = 0; i < total; i++) {
        list[i] = strdup(i < base_count ? base[i] : arm->args[i - base_count]);
        if (!list[i]) {
            plan_words_free(list);
            return out_of_memory(err);
        }
    }
    *argv = list;
    return HML_OK;
}

const char *plan_order_name(plan_order order)
{
    switch (order) {
    case PLAN_ORDER_RANDOM:
        return "random";
    case PLAN_ORDER_BLOCKED:
        return "blocked";
    case PLAN_ORDER_INTERLEAVED:
    default:
        return "interleaved";
    }
}

hml_status plan_parse_order(const char *text, plan_order *order, hml_err *err)
{
    static const plan_order orders[] = {PLAN_ORDER_INTERLEAVED, PLAN_ORDER_RANDOM,
                                        PLAN_ORDER_BLOCKED};
    for (size_t i = 0; i < 3; i++)
        if (text && strcmp(text, plan_order_name(orders[i])) == 0) {
            *order = orders[i];
            return HML_OK;
        }
    return hml_fail(err, HML_EUSAGE, "--order: '%s' is not interleaved, random or blocked",
                    text ? text : "");
}

/* for_key: leave out what does not change how each run is measured (the
 * label, whether output is shown, and how many runs there are), so adding
 * --name does not start a new experiment and raising --runs tops one up. */
static char *build_json(const plan *p, bool for_key)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    if (!for_key) {
        if (p->name)
            json_put_string(&ok, root, "name", p->name);
        else
            json_put_null(&ok, root, "name");
    }
    json_put(&ok, root, "command", json_string_array(p->argv, p->argc));
    json_put_bool(&ok, root, "shell", p->shell);
    cJSON *arms = json_put_array(&ok, root, "arms");
    for (size_t i = 0; arms && i < p->arm_count; i++) {
        const plan_arm *a = &p->arms[i];
        cJSON *arm = cJSON_CreateObject();
        json_put_string(&ok, arm, "name", a->name);
        json_put_bool(&ok, arm, "baseline", a->is_baseline);
        if (a->smell)
            json_put_string(&ok, arm, "smell", a->smell);
        else
            json_put_null(&ok, arm, "smell");
        if (a->compare_with)
            json_put_string(&ok, arm, "compare_with", a->compare_with);
        json_put(&ok, arm, "env", json_string_array(a->env, a->env_count));
        json_put(&ok, arm, "args", json_string_array(a->args, a->arg_count));
        if (a->argc)
            json_put(&ok, arm, "command", json_string_array(a->argv, a->argc));
        else
            json_put_null(&ok, arm, "command");
        json_append(&ok, arms, arm);
    }
    if (!for_key)
        json_put_number(&ok, root, "runs", (double)p->runs);
    json_put_number(&ok, root, "warmup", (double)p->warmup);
    json_put_string(&ok, root, "order", plan_order_name(p->order));
    char seed[24];
    text_format(seed, sizeof seed, "%llu", (unsigned long long)p->seed);
    json_put_string(&ok, root, "seed", seed);
    json_put_number(&ok, root, "cooldown_s", p->cooldown_s);
    json_put_number(&ok, root, "timeout_s", p->timeout_s);
    json_put_number(&ok, root, "interval_s", p->meter.interval_s);
    if (!for_key)
        json_put_bool(&ok, root, "show_output", p->show_output);
    /* how the report judges, not how runs are measured: not part of the key */
    if (!for_key && p->min_cost)
        json_put_string(&ok, root, "min_cost", p->min_cost);
    else if (!for_key)
        json_put_null(&ok, root, "min_cost");
    cJSON *energy = json_put_object(&ok, root, "energy");
    if (energy) {
        json_put_number(&ok, energy, "cpu_tdp_w", p->meter.cpu_tdp_w);
        json_put_number(&ok, energy, "pue", p->meter.pue);
        json_put_number(&ok, energy, "grid_g_per_kwh", p->meter.grid_g_per_kwh);
        json_put_string(&ok, energy, "grid_source", p->meter.grid_source);
        json_put_bool(&ok, energy, "rapl", p->meter.use_rapl);
        json_put_bool(&ok, energy, "nvml", p->meter.use_nvml);
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

char *plan_to_json(const plan *p) { return build_json(p, false); }

hml_status plan_key(const plan *p, char key[17], hml_err *err)
{
    char *text = build_json(p, true);
    if (!text)
        return out_of_memory(err);
    /* FNV-1a, 64 bit: a stable name for the plan, not a security measure. */
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        hash ^= *c;
        hash *= 0x100000001b3ULL;
    }
    cJSON_free(text);
    text_format(key, 17, "%016llx", (unsigned long long)hash);
    return HML_OK;
}
