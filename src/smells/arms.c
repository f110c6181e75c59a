#include "smells/arms.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "smells/train_args.h"

/* The kernel refuses to exec with one environment string longer than
 * MAX_ARG_STRLEN (32 pages); the libpath treatment must stay below it. */
#define SMELL_ENV_STRING_MAX 131072L
#define SMELL_LIBPATH_ENTRIES_MAX 3000L
#define SMELL_BATCH_MAX 1048576L
#define SMELL_THREADS_MAX 4096L
#define SMELL_MODEL_BUILDS_MAX 1000L

static char *vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

static hml_status oom(hml_err *err) { return hml_fail(err, HML_ESYSTEM, "smell arms: out of memory"); }

/* ---- selection ---------------------------------------------------------- */

static void list_known(char *buf, size_t size)
{
    size_t n_variants;
    const smell_variant *variants = smell_variants(&n_variants);
    size_t used = (size_t)snprintf(buf, size, "all");
    for (size_t i = 0; i < n_variants && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, ", %s", variants[i].name);
}

hml_status smell_select(const char *list, bool keep_stale_models, const smell_variant **out,
                        size_t *count, hml_err *err)
{
    size_t n_variants;
    const smell_variant *variants = smell_variants(&n_variants);
    bool chosen[16] = {false};
    if (n_variants > sizeof chosen / sizeof chosen[0])
        return hml_fail(err, HML_EINTERNAL, "smell variants: table larger than expected");
    if (!list || !*list)
        return hml_fail(err, HML_EUSAGE, "--smell: expected a list of smells, e.g. 'all' or "
                                         "'model-reuse,minibatch'");

    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[64];
        if (len == 0)
            return hml_fail(err, HML_EUSAGE, "--smell: empty name in '%s'", list);
        if (len >= sizeof name) {
            char known[256];
            list_known(known, sizeof known);
            return hml_fail(err, HML_EUSAGE, "--smell: unknown smell '%.*s' (known: %s)",
                            (int)(len > 80 ? 80 : len), p, known);
        }
        memcpy(name, p, len);
        name[len] = '\0';
        if (strcmp(name, "all") == 0) {
            for (size_t i = 0; i < n_variants; i++)
                if (variants[i].is_default)
                    chosen[i] = true;
        } else {
            const smell_variant *v = smell_variant_find(name);
            if (!v) {
                char known[256];
                list_known(known, sizeof known);
                return hml_fail(err, HML_EUSAGE, "--smell: unknown smell '%s' (known: %s)", name,
                                known);
            }
            chosen[v - variants] = true;
        }
        if (!comma)
            break;
        p = comma + 1;
    }

    *count = 0;
    for (size_t i = 0; i < n_variants; i++) {
        if (!chosen[i])
            continue;
        const smell_variant *v = &variants[i];
        if (keep_stale_models && strcmp(v->name, "model-reuse") == 0)
            v = smell_variant_find("model-reuse-kept");
        bool seen = false;
        for (size_t j = 0; j < *count; j++)
            seen = seen || out[j] == v;
        if (!seen)
            out[(*count)++] = v;
    }
    return HML_OK;
}

/* ---- building one arm --------------------------------------------------- */

static hml_status arm_set_env(smell_arm *arm, const char *name, const char *value, hml_err *err)
{
    smell_env *grown = realloc(arm->env, (arm->env_count + 1) * sizeof *grown);
    if (!grown)
        return oom(err);
    arm->env = grown;
    smell_env *e = &arm->env[arm->env_count];
    e->name = strdup(name);
    e->value = value ? strdup(value) : NULL;
    if (!e->name || (value && !e->value)) {
        free(e->name);
        free(e->value);
        return oom(err);
    }
    arm->env_count++;
    return HML_OK;
}

static hml_status arm_set_env_long(smell_arm *arm, const char *name, long value, hml_err *err)
{
    char text[32];
    snprintf(text, sizeof text, "%ld", value);
    return arm_set_env(arm, name, text, err);
}

/* Replaces the arm's train arguments by themselves with option name set. */
static hml_status arm_set_arg(smell_arm *arm, const char *name, const char *value, hml_err *err)
{
    char **argv;
    size_t argc;
    hml_status st = train_args_with(arm->argv, arm->argc, name, value, &argv, &argc, err);
    if (st != HML_OK)
        return st;
    train_args_free(arm->argv, arm->argc);
    arm->argv = argv;
    arm->argc = argc;
    return HML_OK;
}

static hml_status arm_set_arg_long(smell_arm *arm, const char *name, long value, hml_err *err)
{
    char text[32];
    snprintf(text, sizeof text, "%ld", value);
    return arm_set_arg(arm, name, text, err);
}

/* text with every "{key}" replaced by value. */
static char *replace_all(const char *text, const char *key, const char *value)
{
    size_t key_len = strlen(key), value_len = strlen(value), n = 0;
    for (const char *p = strstr(text, key); p; p = strstr(p + key_len, key))
        n++;
    size_t len = strlen(text) + n * value_len - n * key_len;
    char *out = malloc(len + 1), *q = out;
    if (!out)
        return NULL;
    const char *p = text;
    for (const char *hit = strstr(p, key); hit; hit = strstr(p, key)) {
        memcpy(q, p, (size_t)(hit - p));
        q += hit - p;
        memcpy(q, value, value_len);
        q += value_len;
        p = hit + key_len;
    }
    strcpy(q, p);
    return out;
}

/* The values an arm's placeholders take. */
typedef struct arm_values {
    long batch, model_builds, threads;
} arm_values;

char *smell_fill_placeholders(const char *command, long batch, long model_builds, long threads)
{
    static const char *const keys[] = {"{batch}", "{model_builds}", "{threads}"};
    long values[] = {batch, model_builds, threads};
    char *text = strdup(command);
    for (size_t i = 0; text && i < sizeof keys / sizeof keys[0]; i++) {
        char number[32];
        snprintf(number, sizeof number, "%ld", values[i]);
        char *next = replace_all(text, keys[i], number);
        free(text);
        text = next;
    }
    return text;
}

static hml_status arm_fill_command(smell_arm *arm, const char *command, const arm_values *v,
                                   hml_err *err)
{
    arm->command = smell_fill_placeholders(command, v->batch, v->model_builds, v->threads);
    return arm->command ? HML_OK : oom(err);
}

static void arm_free(smell_arm *arm)
{
    free(arm->name);
    free(arm->baseline);
    free(arm->treatment);
    for (size_t i = 0; i < arm->env_count; i++) {
        free(arm->env[i].name);
        free(arm->env[i].value);
    }
    free(arm->env);
    train_args_free(arm->argv, arm->argc);
    free(arm->command);
    memset(arm, 0, sizeof *arm);
}

void smell_arms_free(smell_arms *arms)
{
    if (!arms)
        return;
    for (size_t i = 0; i < arms->count; i++)
        arm_free(&arms->arm[i]);
    free(arms->arm);
    arms->arm = NULL;
    arms->count = 0;
}

const smell_arm *smell_arms_find(const smell_arms *arms, const char *name)
{
    for (size_t i = 0; i < arms->count; i++)
        if (strcmp(arms->arm[i].name, name) == 0)
            return &arms->arm[i];
    return NULL;
}

/* ---- the whole study ---------------------------------------------------- */

/* Everything the treatments need, resolved from request + workload. */
typedef struct plan_facts {
    bool is_command;
    arm_values baseline; /* batch, model_builds (1), threads of the baseline arm */
    long model_builds, smell_batch, smell_threads, libpath_entries;
    char *libpath;       /* the libpath arm's LD_LIBRARY_PATH value */
    long libpath_dirs;   /* how many --libpath-dirs entries it holds */
} plan_facts;

static bool selected(const smell_variant *const *chosen, size_t n, const char *smell_id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(chosen[i]->smell, smell_id) == 0)
            return true;
    return false;
}

static hml_status check_options_match(const smell_request *req, const smell_workload *wl,
                                      const smell_variant *const *chosen, size_t n, hml_err *err)
{
    if ((req->model_builds != 0 || req->keep_stale_models) && !selected(chosen, n, "model-reuse"))
        return hml_fail(err, HML_EUSAGE, "--%s: only applies to the model-reuse smell, which "
                        "is not selected", req->model_builds ? "model-builds" : "keep-stale-models");
    if (req->smell_batch != 0 && !selected(chosen, n, "minibatch"))
        return hml_fail(err, HML_EUSAGE,
                        "--smell-batch: only applies to the minibatch smell, which is not selected");
    if (req->smell_threads != 0 && !selected(chosen, n, "parallelism"))
        return hml_fail(err, HML_EUSAGE, "--smell-threads: only applies to the parallelism "
                                         "smell, which is not selected");
    if ((req->libpath_entries >= 0 || req->libpath_dirs) && !selected(chosen, n, "libpath"))
        return hml_fail(err, HML_EUSAGE, "--%s: only applies to the libpath smell, which is not "
                        "selected", req->libpath_dirs ? "libpath-dirs" : "libpath-entries");
    if (req->baseline_batch != 0 && !wl->command)
        return hml_fail(err, HML_EUSAGE, "--baseline-batch: only applies to a --workload "
                                         "command; for hmlcost train pass --batch after --");
    return HML_OK;
}

/* Smells that cannot reach an external command are refused here. */
static hml_status check_applicable(const smell_workload *wl, const smell_variant *const *chosen,
                                   size_t n, hml_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const smell_info *info = smell_find(chosen[i]->smell);
        if (!wl->command) {
            /* The treatment must not already be in the baseline's arguments. */
            if (strcmp(info->id, "model-reuse") == 0 &&
                (train_args_has_flag(wl->train_args, wl->train_argc, "--keep-stale-models")))
                return hml_fail(err, HML_EUSAGE, "--smell %s: the train arguments already hold "
                                "--keep-stale-models, so the baseline would carry the smell; "
                                "use --keep-stale-models before --", chosen[i]->name);
            if (strcmp(info->id, "model-reuse") == 0) {
                const char *builds = NULL;
                hml_status st = train_args_value(wl->train_args, wl->train_argc,
                                                 "--model-builds", &builds, err);
                if (st != HML_OK)
                    return hml_wrap(err, "train arguments");
                if (builds)
                    return hml_fail(err, HML_EUSAGE, "--smell %s: the train arguments already "
                                    "hold --model-builds, so the baseline would carry the "
                                    "smell; use --model-builds before --", chosen[i]->name);
            }
            continue;
        }
        if (chosen[i]->train_only)
            return hml_fail(err, HML_EUSAGE, "--smell %s: cannot apply to a --workload command "
                            "(it is a switch of hmlcost train); use %s", chosen[i]->name,
                            strcmp(chosen[i]->smell, "model-reuse") == 0
                                ? "model-reuse with {model_builds}" : chosen[i]->smell);
        if (info->external == SMELL_EXTERNAL_PLACEHOLDER && !strstr(wl->command, info->placeholder))
            return hml_fail(err, HML_EUSAGE, "--smell %s: cannot apply to the --workload command: "
                            "it has no %s placeholder for hmlcost to set (e.g. '... --%s %s')",
                            info->id, info->placeholder,
                            strcmp(info->id, "minibatch") == 0 ? "batch" : "model-builds",
                            info->placeholder);
    }
    return HML_OK;
}

/* For a --workload command, "all" means the arms a command can take: an
 * arm only hmlcost train can run (model-reuse-kept) is dropped unless it was
 * asked for by name or by --keep-stale-models (check_applicable refuses it then). */
static void drop_train_only_arms_of_all(const smell_request *req, const smell_workload *wl,
                                        const smell_variant **chosen, size_t *n)
{
    if (!wl->command || req->keep_stale_models)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++)
        if (!chosen[i]->train_only ||
            (req->smells && text_list_has(req->smells, ",", chosen[i]->name)))
            chosen[kept++] = chosen[i];
    *n = kept;
}

/* LD_LIBRARY_PATH of the libpath arm: E non-existent directories, then the
 * user's directories, then the existing value (never an empty entry: an
 * empty entry means the current directory to the loader). */
static hml_status build_libpath(const smell_request *req, const smell_workload *wl,
                                plan_facts *f, hml_err *err)
{
    f->libpath_entries = req->libpath_entries < 0 ? SMELL_DEFAULT_LIBPATH_ENTRIES
                                                  : req->libpath_entries;
    if (f->libpath_entries > SMELL_LIBPATH_ENTRIES_MAX)
        return hml_fail(err, HML_EUSAGE, "--libpath-entries: %ld is out of range [0, %ld]",
                        f->libpath_entries, SMELL_LIBPATH_ENTRIES_MAX);
    const char *dirs = req->libpath_dirs ? req->libpath_dirs : "";
    f->libpath_dirs = 0;
    if (*dirs) {
        for (const char *p = dirs;; p++) {
            if (*p == ':' || *p == '\0') {
                if (p == dirs || p[-1] == ':')
                    return hml_fail(err, HML_EUSAGE, "--libpath-dirs: empty entry in '%s' (the "
                                    "loader would read it as the current directory)", dirs);
                f->libpath_dirs++;
            }
            if (*p == '\0')
                break;
        }
        if (dirs[strlen(dirs) - 1] == ':')
            return hml_fail(err, HML_EUSAGE, "--libpath-dirs: empty entry in '%s' (the loader "
                            "would read it as the current directory)", dirs);
    }
    if (f->libpath_entries == 0 && f->libpath_dirs == 0)
        return hml_fail(err, HML_EUSAGE, "--libpath-entries: 0 entries and no --libpath-dirs "
                                         "leave nothing to inject");

    const char *existing = wl->ld_library_path ? wl->ld_library_path : "";
    size_t entry_len = strlen(SMELL_LIBPATH_BOGUS_ROOT) + 6; /* "/0001" + ':' */
    size_t len = (size_t)f->libpath_entries * entry_len + strlen(dirs) + 1 + strlen(existing);
    if (len >= (size_t)SMELL_ENV_STRING_MAX)
        return hml_fail(err, HML_EUSAGE, "--libpath-entries: LD_LIBRARY_PATH would be %zu bytes, "
                        "over the kernel's %ld-byte limit for one environment string", len,
                        SMELL_ENV_STRING_MAX);
    char *value = malloc(len + 1), *q = value;
    if (!value)
        return oom(err);
    const char *sep = "";
    for (long i = 1; i <= f->libpath_entries; i++) {
        q += sprintf(q, "%s%s/%04ld", sep, SMELL_LIBPATH_BOGUS_ROOT, i);
        sep = ":";
    }
    if (*dirs) {
        q += sprintf(q, "%s%s", sep, dirs);
        sep = ":";
    }
    if (*existing)
        q += sprintf(q, "%s%s", sep, existing);
    *q = '\0';
    f->libpath = value;
    return HML_OK;
}

static hml_status resolve_facts(const smell_request *req, const smell_workload *wl,
                                const smell_variant *const *chosen, size_t n, plan_facts *f,
                                hml_err *err)
{
    hml_status st;
    f->is_command = wl->command != NULL;
    f->baseline.model_builds = 1;
    if (f->is_command) {
        f->baseline.batch = req->baseline_batch ? req->baseline_batch : SMELL_REFERENCE_BATCH;
        if (f->baseline.batch < 1 || f->baseline.batch > SMELL_BATCH_MAX)
            return hml_fail(err, HML_EUSAGE, "--baseline-batch: %ld is out of range [1, %ld]",
                            f->baseline.batch, SMELL_BATCH_MAX);
        f->baseline.threads = wl->cpus;
    } else {
        st = train_args_long(wl->train_args, wl->train_argc, "--batch", 1, SMELL_BATCH_MAX,
                             SMELL_REFERENCE_BATCH, &f->baseline.batch, err);
        if (st == HML_OK)
            st = train_args_long(wl->train_args, wl->train_argc, "--threads", 1,
                                 SMELL_THREADS_MAX, wl->cpus, &f->baseline.threads, err);
        if (st != HML_OK)
            return hml_wrap(err, "train arguments");
    }

    f->model_builds = req->model_builds ? req->model_builds : SMELL_DEFAULT_MODEL_BUILDS;
    if (f->model_builds < 2 || f->model_builds > SMELL_MODEL_BUILDS_MAX)
        return hml_fail(err, HML_EUSAGE, "--model-builds: %ld is out of range [2, %ld] (1 is "
                        "the baseline)", f->model_builds, SMELL_MODEL_BUILDS_MAX);

    f->smell_batch = req->smell_batch ? req->smell_batch
                                      : SMELL_DEFAULT_BATCH_FACTOR * f->baseline.batch;
    if (f->smell_batch < 1 || f->smell_batch > SMELL_BATCH_MAX)
        return hml_fail(err, HML_EUSAGE, "--smell-batch: %ld is out of range [1, %ld]",
                        f->smell_batch, SMELL_BATCH_MAX);
    if (selected(chosen, n, "minibatch") && f->smell_batch == f->baseline.batch)
        return hml_fail(err, HML_EUSAGE, "--smell-batch: %ld is the baseline's batch; the "
                        "minibatch arm would not differ", f->smell_batch);

    f->smell_threads = req->smell_threads ? req->smell_threads
                                          : SMELL_DEFAULT_THREADS_FACTOR * wl->cpus;
    if (f->smell_threads < 1 || f->smell_threads > SMELL_THREADS_MAX)
        return hml_fail(err, HML_EUSAGE, "--smell-threads: %ld is out of range [1, %ld]",
                        f->smell_threads, SMELL_THREADS_MAX);
    if (selected(chosen, n, "parallelism") && f->smell_threads == f->baseline.threads)
        return hml_fail(err, HML_EUSAGE, "--smell-threads: %ld is the baseline's thread count; "
                        "the parallelism arm would not differ", f->smell_threads);

    if (selected(chosen, n, "libpath"))
        return build_libpath(req, wl, f, err);
    return HML_OK;
}

/* Applies variant v (NULL: the baseline) to a fresh arm. */
static hml_status apply_variant(smell_arm *arm, const smell_variant *v, const smell_workload *wl,
                                const plan_facts *f, hml_err *err)
{
    hml_status st = HML_OK;
    arm_values values = f->baseline;
    if (!f->is_command) {
        st = train_args_copy(wl->train_args, wl->train_argc, &arm->argv, &arm->argc, err);
        if (st != HML_OK)
            return st;
    }
    if (!v) {
        arm->treatment = strdup("");
    } else if (strcmp(v->smell, "model-reuse") == 0) {
        bool kept = strcmp(v->name, "model-reuse-kept") == 0;
        values.model_builds = f->model_builds;
        if (!f->is_command) {
            st = arm_set_arg_long(arm, "--model-builds", f->model_builds, err);
            if (st == HML_OK && kept)
                st = arm_set_arg(arm, "--keep-stale-models", NULL, err);
            arm->treatment = format("--model-builds %ld%s", f->model_builds,
                                    kept ? " --keep-stale-models" : "");
        } else {
            arm->treatment = format("{model_builds}=%ld (baseline 1)", f->model_builds);
        }
    } else if (strcmp(v->smell, "minibatch") == 0) {
        values.batch = f->smell_batch;
        if (!f->is_command) {
            st = arm_set_arg_long(arm, "--batch", f->smell_batch, err);
            arm->treatment = format("--batch %ld (baseline %ld)", f->smell_batch,
                                    f->baseline.batch);
        } else {
            arm->treatment = format("{batch}=%ld (baseline %ld)", f->smell_batch,
                                    f->baseline.batch);
        }
    } else if (strcmp(v->smell, "libpath") == 0) {
        st = arm_set_env(arm, "LD_LIBRARY_PATH", f->libpath, err);
        arm->treatment = format("LD_LIBRARY_PATH: %ld non-existent directories, %ld "
                                "--libpath-dirs, then the existing path (%s)",
                                f->libpath_entries, f->libpath_dirs,
                                wl->ld_library_path && *wl->ld_library_path ? "kept" : "unset");
    } else if (strcmp(v->smell, "parallelism") == 0) {
        bool nested = strcmp(v->name, "parallelism-nested") == 0;
        long t = f->smell_threads;
        char omp[64];
        snprintf(omp, sizeof omp, nested ? "%ld,%ld" : "%ld", t, t);
        values.threads = t;
        st = arm_set_env(arm, "OMP_NUM_THREADS", omp, err);
        if (st == HML_OK && nested)
            st = arm_set_env(arm, "OMP_MAX_ACTIVE_LEVELS", "2", err);
        if (!f->is_command) {
            if (st == HML_OK)
                st = arm_set_arg_long(arm, "--threads", t, err);
            arm->treatment = format("--threads %ld, OMP_NUM_THREADS=%s%s (%ld logical CPUs)", t,
                                    omp, nested ? ", OMP_MAX_ACTIVE_LEVELS=2" : "", wl->cpus);
        } else {
            /* A command may use any runtime: set each one's thread variable. */
            static const char *const vars[] = {"OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                               "TF_NUM_INTRAOP_THREADS"};
            for (size_t i = 0; st == HML_OK && i < sizeof vars / sizeof vars[0]; i++)
                st = arm_set_env_long(arm, vars[i], t, err);
            if (st == HML_OK && nested)
                st = arm_set_env_long(arm, "TF_NUM_INTEROP_THREADS", t, err);
            arm->treatment = format("OMP_NUM_THREADS=%s, OPENBLAS/MKL/TF_NUM_INTRAOP_THREADS=%ld"
                                    "%s, {threads}=%ld (%ld logical CPUs)", omp, t,
                                    nested ? ", TF_NUM_INTEROP_THREADS and "
                                             "OMP_MAX_ACTIVE_LEVELS=2" : "", t, wl->cpus);
        }
    } else {
        return hml_fail(err, HML_EINTERNAL, "smell arms: no treatment for variant '%s'", v->name);
    }
    if (st != HML_OK)
        return st;
    if (!arm->treatment)
        return oom(err);
    if (f->is_command)
        return arm_fill_command(arm, wl->command, &values, err);
    return HML_OK;
}

static hml_status add_arm(smell_arms *arms, const char *name, const smell_variant *v,
                          const char *baseline, const smell_workload *wl, const plan_facts *f,
                          hml_err *err)
{
    smell_arm *grown = realloc(arms->arm, (arms->count + 1) * sizeof *grown);
    if (!grown)
        return oom(err);
    arms->arm = grown;
    smell_arm *arm = &arms->arm[arms->count];
    memset(arm, 0, sizeof *arm);
    arms->count++; /* counted now, so smell_arms_free releases a half-built arm */
    arm->name = strdup(name);
    arm->baseline = baseline ? strdup(baseline) : NULL;
    if (!arm->name || (baseline && !arm->baseline))
        return oom(err);
    arm->variant = v;
    arm->smell = v ? smell_find(v->smell) : NULL;
    return apply_variant(arm, v, wl, f, err);
}

bool smell_selected(const char *list, bool keep_stale_models, const char *smell_id)
{
    const smell_variant *chosen[16];
    size_t n = 0;
    hml_err ignored;
    if (smell_select(list, keep_stale_models, chosen, &n, &ignored) != HML_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(chosen[i]->smell, smell_id) == 0)
            return true;
    return false;
}

hml_status smell_arms_build(const smell_request *req, const smell_workload *wl,
                            smell_arms *out, hml_err *err)
{
    out->arm = NULL;
    out->count = 0;
    if (wl->cpus < 1)
        return hml_fail(err, HML_EINTERNAL, "smell arms: %ld CPUs", wl->cpus);
    if (wl->command && !*wl->command)
        return hml_fail(err, HML_EUSAGE, "--workload: the command is empty");

    const smell_variant *chosen[16];
    size_t n = 0;
    hml_status st = smell_select(req->smells, req->keep_stale_models, chosen, &n, err);
    if (st == HML_OK)
        drop_train_only_arms_of_all(req, wl, chosen, &n);
    if (st == HML_OK)
        st = check_options_match(req, wl, chosen, n, err);
    if (st == HML_OK)
        st = check_applicable(wl, chosen, n, err);
    plan_facts facts = {0};
    if (st == HML_OK)
        st = resolve_facts(req, wl, chosen, n, &facts, err);

    if (st == HML_OK && req->baseline == SMELL_BASELINE_SHARED)
        st = add_arm(out, "baseline", NULL, NULL, wl, &facts, err);
    for (size_t i = 0; st == HML_OK && i < n; i++) {
        const char *baseline = "baseline";
        char per_smell[96];
        if (req->baseline == SMELL_BASELINE_PER_SMELL) {
            snprintf(per_smell, sizeof per_smell, "baseline-%s", chosen[i]->name);
            baseline = per_smell;
            st = add_arm(out, per_smell, NULL, NULL, wl, &facts, err);
        }
        if (st == HML_OK)
            st = add_arm(out, chosen[i]->name, chosen[i], baseline, wl, &facts, err);
    }
    free(facts.libpath);
    if (st != HML_OK)
        smell_arms_free(out);
    return st;
}
