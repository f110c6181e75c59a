/* LD_LIBRARY_PATH checks: entries that cannot hold libraries (empty,
 * relative, missing), duplicates, entries anyone may write to, too many
 * entries, entries that shadow the system's build of a library, CUDA's stub
 * libraries and several CUDA versions on one path. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor/doctor.h"
#include "doctor/ldcache.h"
#include "doctor/text.h"
#include "workload/libraries.h"

/* More entries than this is a smell in itself: every library not found in
 * an early entry costs a failed open in each of them. */
#define LIBPATH_MANY_ENTRIES 32
/* How many items a finding lists before "and N more". */
#define LIST_MAX 5

typedef struct lp_entry {
    char *text;         /* as written ("" for an empty entry) */
    size_t position;    /* 1-based */
    bool relative, exists, is_dir, duplicate, dynamic;
    struct stat st;
} lp_entry;

typedef struct lp_state {
    const doctor_context *ctx;
    const char *value;
    lp_entry *entry;
    size_t count;
    doctor_report *report;
    hml_err *err;
} lp_state;

/* The loader splits LD_LIBRARY_PATH at ':' and ';' (glibc, elf/dl-load.c). */
static hml_status split(lp_state *s)
{
    size_t n = 1;
    for (const char *p = s->value; *p; p++)
        n += *p == ':' || *p == ';';
    s->entry = calloc(n, sizeof *s->entry);
    if (!s->entry)
        return hml_fail(s->err, HML_ESYSTEM, "doctor: out of memory");
    const char *start = s->value;
    for (const char *p = s->value;; p++) {
        if (*p != ':' && *p != ';' && *p != '\0')
            continue;
        lp_entry *e = &s->entry[s->count];
        e->text = strndup(start, (size_t)(p - start));
        if (!e->text)
            return hml_fail(s->err, HML_ESYSTEM, "doctor: out of memory");
        e->position = ++s->count;
        if (*p == '\0')
            break;
        start = p + 1;
    }
    for (size_t i = 0; i < s->count; i++) {
        lp_entry *e = &s->entry[i];
        if (!*e->text)
            continue;
        /* $ORIGIN, $LIB and $PLATFORM are expanded by the loader: not judged. */
        e->dynamic = strchr(e->text, '$') != NULL;
        e->relative = e->text[0] != '/';
        e->exists = stat(e->text, &e->st) == 0;
        e->is_dir = e->exists && S_ISDIR(e->st.st_mode);
        for (size_t j = 0; j < i && !e->duplicate; j++) {
            const lp_entry *o = &s->entry[j];
            e->duplicate = *o->text && (strcmp(o->text, e->text) == 0 ||
                                        (e->is_dir && o->is_dir && o->st.st_dev == e->st.st_dev &&
                                         o->st.st_ino == e->st.st_ino));
        }
    }
    return HML_OK;
}

static void free_state(lp_state *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->entry[i].text);
    free(s->entry);
}

static hml_status add(lp_state *s, doctor_level level, const char *id, const char *summary,
                      const dtext *evidence, const dtext *fix)
{
    return doctor_report_add_text(s->report, level, id, summary, evidence, fix, s->err);
}

static bool world_writable(const struct stat *st) { return (st->st_mode & S_IWOTH) != 0; }

/* The value without the entries that cannot help: the fix we suggest. */
static void cleaned_value(const lp_state *s, dtext *t)
{
    const char *sep = "";
    size_t kept = 0;
    for (size_t i = 0; i < s->count; i++) {
        const lp_entry *e = &s->entry[i];
        const char *slash = strrchr(e->text, '/');
        bool stubs = slash && strcmp(slash + 1, "stubs") == 0;
        if (!*e->text || e->duplicate || (!e->dynamic && (e->relative || !e->is_dir)) ||
            (e->is_dir && world_writable(&e->st)) || stubs)
            continue;
        text_printf(t, "%s%s", sep, e->text);
        sep = ":";
        kept++;
    }
    if (kept == 0) {
        text_reset(t);
        text_printf(t, "unset LD_LIBRARY_PATH");
    } else {
        char *value = strdup(text_str(t));
        text_reset(t);
        text_printf(t, "export LD_LIBRARY_PATH='%s'", value ? value : "");
        free(value);
    }
}

/* One finding listing every entry that matches pred. */
typedef bool (*entry_pred)(const lp_entry *e);
static bool is_empty(const lp_entry *e) { return !*e->text; }
static bool is_relative(const lp_entry *e) { return *e->text && !e->dynamic && e->relative; }
static bool is_missing(const lp_entry *e)
{
    return *e->text && !e->dynamic && !e->relative && !e->is_dir;
}
static bool is_duplicate(const lp_entry *e) { return e->duplicate; }

static size_t list_entries(const lp_state *s, entry_pred pred, dtext *t)
{
    size_t n = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (!pred(&s->entry[i]))
            continue;
        if (n < LIST_MAX)
            text_printf(t, "%s#%zu '%s'", n ? ", " : "", s->entry[i].position, s->entry[i].text);
        n++;
    }
    if (n > LIST_MAX)
        text_printf(t, " and %zu more", n - LIST_MAX);
    return n;
}

static hml_status check_shape(lp_state *s, const dtext *fix)
{
    dtext ev = {0};
    hml_status st = HML_OK;
    size_t n = list_entries(s, is_empty, &ev);
    if (n && st == HML_OK) {
        text_printf(&ev, ": an empty entry (a leading or trailing ':' or '::') makes the loader "
                         "search the current directory, so what loads depends on where the "
                         "program starts, and anyone who can write there can plant a library");
        st = add(s, DOCTOR_WARNING, "libpath.empty-entry",
                 "LD_LIBRARY_PATH has an empty entry: the current directory is searched", &ev,
                 fix);
    }
    text_reset(&ev);
    n = list_entries(s, is_relative, &ev);
    if (n && st == HML_OK) {
        text_printf(&ev, ": relative entries are resolved against the current directory of "
                         "each process");
        st = add(s, DOCTOR_WARNING, "libpath.relative", "LD_LIBRARY_PATH has relative entries",
                 &ev, fix);
    }
    text_reset(&ev);
    n = list_entries(s, is_missing, &ev);
    if (n && st == HML_OK) {
        char summary[160];
        snprintf(summary, sizeof summary,
                 "%zu of %zu LD_LIBRARY_PATH entries do not exist or are not directories", n,
                 s->count);
        text_printf(&ev, ": the loader tries each of them for every library it looks up");
        st = add(s, DOCTOR_WARNING, "libpath.nonexistent", summary, &ev, fix);
    }
    text_reset(&ev);
    n = list_entries(s, is_duplicate, &ev);
    if (n && st == HML_OK) {
        text_printf(&ev, " repeat earlier entries (same text or same directory): a library "
                         "not found the first time is searched for again");
        st = add(s, DOCTOR_INFO, "libpath.duplicate", "LD_LIBRARY_PATH has duplicate entries",
                 &ev, fix);
    }
    text_free(&ev);
    return st;
}

/* Entries anyone may write to: a planted library runs with the user's rights. */
static hml_status check_writable(lp_state *s)
{
    hml_status st = HML_OK;
    dtext ev = {0}, fix = {0};
    for (size_t i = 0; st == HML_OK && i < s->count; i++) {
        const lp_entry *e = &s->entry[i];
        if (!e->is_dir || e->duplicate)
            continue;
        /* The entry itself, or a parent that is writable without the sticky
         * bit (anyone could rename the entry away and put their own). */
        char path[PATH_MAX];
        const char *culprit = NULL;
        struct stat pst = e->st;
        if (world_writable(&e->st)) {
            culprit = e->text;
        } else if (realpath(e->text, path)) {
            for (char *slash = strrchr(path, '/'); slash && !culprit;
                 slash = strrchr(path, '/')) {
                if (slash == path)
                    slash[1] = '\0';
                else
                    *slash = '\0';
                if (stat(path, &pst) == 0 && world_writable(&pst) && !(pst.st_mode & S_ISVTX))
                    culprit = path;
                if (slash == path)
                    break;
            }
        }
        if (!culprit)
            continue;
        text_reset(&ev);
        text_reset(&fix);
        text_printf(&ev, "entry #%zu '%s': '%s' has mode %04o%s; anyone on this machine can "
                         "put a library there that every program using this LD_LIBRARY_PATH "
                         "loads and runs", e->position, e->text, culprit,
                    (unsigned)(pst.st_mode & 07777),
                    pst.st_mode & S_ISVTX ? " (sticky: others cannot remove files, but can add "
                                            "them)" : "");
        text_printf(&fix, "remove '%s' from LD_LIBRARY_PATH, or make it writable only by its "
                          "owner (chmod o-w '%s')", e->text, culprit);
        st = add(s, DOCTOR_ERROR, "libpath.world-writable",
                 "an LD_LIBRARY_PATH entry is writable by anyone (security)", &ev, &fix);
    }
    text_free(&ev);
    text_free(&fix);
    return st;
}

/* ---- shadowing ---------------------------------------------------------- */

/* Library names already found in an earlier entry. */
typedef struct name_list {
    char **name;
    size_t count;
} name_list;

static bool name_listed(const name_list *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->name[i], name) == 0)
            return true;
    return false;
}

static void name_list_free(name_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->name[i]);
    free(list->name);
}

static bool looks_like_library(const char *name)
{
    return strncmp(name, "lib", 3) == 0 && strstr(name, ".so") != NULL;
}

/* For each library name the entries hold, the first entry holding it is
 * where the loader finds it; when the system would have found another file,
 * that entry shadows the system's build. One finding per entry. */
static hml_status check_shadows(lp_state *s, const ldcache *cache)
{
    /* The libraries of the hmlcost binary, which is also `hmlcost train`. */
    workload_library *loaded = NULL;
    size_t loaded_count = 0;
    if (!s->ctx->workload.command && libraries_loaded(&loaded, &loaded_count, s->err) != HML_OK)
        return HML_ESYSTEM;
    name_list seen = {0};
    hml_status st = HML_OK;
    dtext ev = {0}, fix = {0};
    for (size_t i = 0; st == HML_OK && i < s->count; i++) {
        const lp_entry *e = &s->entry[i];
        if (!e->is_dir || e->duplicate)
            continue;
        DIR *dir = opendir(e->text);
        if (!dir)
            continue;
        text_reset(&ev);
        size_t shadows = 0, used = 0;
        struct dirent *d;
        while ((d = readdir(dir))) {
            if (!looks_like_library(d->d_name) || name_listed(&seen, d->d_name))
                continue;
            char here[PATH_MAX], sysbuf[PATH_MAX];
            snprintf(here, sizeof here, "%s/%s", e->text, d->d_name);
            if (!ldcache_is_loadable_elf(here))
                continue;
            /* Found here first: later entries do not matter for this name. */
            char **grown = realloc(seen.name, (seen.count + 1) * sizeof *grown);
            if (!grown || !(grown[seen.count] = strdup(d->d_name))) {
                if (grown)
                    seen.name = grown;
                st = hml_fail(s->err, HML_ESYSTEM, "doctor: out of memory");
                break;
            }
            seen.name = grown;
            seen.count++;
            const char *system = ldcache_resolve(cache, s->ctx->system_dirs, d->d_name, sysbuf,
                                                 sizeof sysbuf);
            if (!system || ldcache_same_file(system, here))
                continue;
            bool loads = s->ctx->workload.command ||
                         libraries_contains(loaded, loaded_count, d->d_name);
            used += loads;
            if (shadows < LIST_MAX) {
                char v_here[64], v_sys[64], real_here[PATH_MAX], real_sys[PATH_MAX];
                ldcache_version_of(here, v_here, sizeof v_here);
                ldcache_version_of(system, v_sys, sizeof v_sys);
                text_printf(&ev, "%s%s resolves to %s (version %s) instead of the system's %s "
                                 "(version %s)%s",
                            shadows ? "; " : "", d->d_name,
                            realpath(here, real_here) ? real_here : here,
                            *v_here ? v_here : "unknown",
                            realpath(system, real_sys) ? real_sys : system,
                            *v_sys ? v_sys : "unknown",
                            s->ctx->workload.command ? ""
                            : loads                 ? " [hmlcost train loads it]"
                                                    : "");
            }
            shadows++;
        }
        closedir(dir);
        if (st != HML_OK || shadows == 0)
            continue;
        if (shadows > LIST_MAX)
            text_printf(&ev, "; and %zu more", shadows - LIST_MAX);
        char summary[PATH_MAX + 128];
        snprintf(summary, sizeof summary, "LD_LIBRARY_PATH entry '%s' shadows %zu system "
                 "librar%s with other builds", e->text, shadows, shadows == 1 ? "y" : "ies");
        text_reset(&fix);
        text_printf(&fix, "remove '%s' from LD_LIBRARY_PATH unless you mean to replace those "
                          "builds; to use a different build for one program, set it for that "
                          "program only", e->text);
        st = add(s, used ? DOCTOR_WARNING : DOCTOR_INFO, "libpath.shadows-system", summary, &ev,
                 &fix);
    }
    text_free(&ev);
    text_free(&fix);
    free(loaded);
    name_list_free(&seen);
    return st;
}

/* ---- CUDA --------------------------------------------------------------- */

/* The CUDA major version a directory belongs to: "cuda-12.2" (or
 * "cuda-12") in its real path, else a libcudart.so.<major> in it; 0: none. */
static long cuda_major_of_dir(const char *dir)
{
    char real[PATH_MAX];
    if (realpath(dir, real)) {
        const char *p = strstr(real, "cuda-");
        if (p && p[5] >= '0' && p[5] <= '9')
            return strtol(p + 5, NULL, 10);
    }
    DIR *d = opendir(dir);
    long major = 0;
    struct dirent *ent;
    while (d && (ent = readdir(d)) && !major)
        if (strncmp(ent->d_name, "libcudart.so.", 13) == 0)
            major = strtol(ent->d_name + 13, NULL, 10);
    if (d)
        closedir(d);
    return major;
}

static hml_status check_cuda(lp_state *s, const ldcache *cache)
{
    hml_status st = HML_OK;
    dtext ev = {0}, fix = {0};
    for (size_t i = 0; st == HML_OK && i < s->count; i++) {
        const lp_entry *e = &s->entry[i];
        const char *slash = strrchr(e->text, '/');
        const char *base = slash ? slash + 1 : e->text;
        if (!e->is_dir || e->duplicate || strcmp(base, "stubs") != 0)
            continue;
        text_reset(&ev);
        text_reset(&fix);
        text_printf(&ev, "entry #%zu '%s' holds CUDA's stub libraries (libcuda.so and friends "
                         "without a GPU behind them): they exist for linking; a program that "
                         "loads one at run time finds no GPU (CUDA_ERROR_STUB_LIBRARY) or falls "
                         "back to the CPU", e->position, e->text);
        text_printf(&fix, "remove '%s' from LD_LIBRARY_PATH (keep it in LIBRARY_PATH or -L for "
                          "linking only)", e->text);
        st = add(s, DOCTOR_WARNING, "libpath.cuda-stubs",
                 "CUDA's stubs directory is on LD_LIBRARY_PATH", &ev, &fix);
    }

    /* Versions: each entry's, and the one the system would load. */
    long majors[8];
    const char *where[8];
    char system_where[PATH_MAX] = "";
    size_t n = 0;
    for (size_t i = 0; i <= s->count && n < 8; i++) {
        long major = 0;
        const char *at = NULL;
        if (i < s->count) {
            if (!s->entry[i].is_dir || s->entry[i].duplicate)
                continue;
            major = cuda_major_of_dir(s->entry[i].text);
            at = s->entry[i].text;
        } else {
            for (size_t c = 0; c < cache->count && !major; c++)
                if (strncmp(cache->entry[c].name, "libcudart.so.", 13) == 0) {
                    major = strtol(cache->entry[c].name + 13, NULL, 10);
                    snprintf(system_where, sizeof system_where, "%s (the system's loader cache)",
                             cache->entry[c].path);
                    at = system_where;
                }
        }
        if (major <= 0)
            continue;
        bool known = false;
        for (size_t j = 0; j < n; j++)
            known = known || majors[j] == major;
        if (!known) {
            majors[n] = major;
            where[n++] = at;
        }
    }
    if (n >= 2 && st == HML_OK) {
        text_reset(&ev);
        text_reset(&fix);
        for (size_t j = 0; j < n; j++)
            text_printf(&ev, "%sCUDA %ld at %s", j ? "; " : "", majors[j], where[j]);
        text_printf(&ev, ": a program may load its CUDA runtime from one version and cuBLAS or "
                         "cuDNN from another");
        text_printf(&fix, "keep the directories of one CUDA version on LD_LIBRARY_PATH (the one "
                          "the program was built for)");
        st = add(s, DOCTOR_WARNING, "libpath.cuda-versions",
                 "several CUDA versions are on the library path", &ev, &fix);
    }
    text_free(&ev);
    text_free(&fix);
    return st;
}

static hml_status check_count(lp_state *s, const dtext *fix)
{
    if (s->count <= LIBPATH_MANY_ENTRIES)
        return HML_OK;
    workload_library *loaded = NULL;
    size_t loaded_count = 0;
    if (libraries_loaded(&loaded, &loaded_count, s->err) != HML_OK)
        return HML_ESYSTEM;
    free(loaded);
    dtext ev = {0};
    text_printf(&ev, "%zu entries (more than %d): every library the loader does not find in "
                     "an early entry costs a failed open in each entry (and in its "
                     "glibc-hwcaps subdirectories); hmlcost itself loads %zu libraries",
                s->count, LIBPATH_MANY_ENTRIES, loaded_count);
    char summary[128];
    snprintf(summary, sizeof summary, "LD_LIBRARY_PATH has %zu entries", s->count);
    hml_status st = add(s, DOCTOR_WARNING, "libpath.too-many-entries", summary, &ev, fix);
    text_free(&ev);
    return st;
}

hml_status doctor_check_libpath(const doctor_context *ctx, doctor_report *report, hml_err *err)
{
    /* Unset or empty: the loader has no entries to search. */
    const char *value = doctor_getenv(ctx, "LD_LIBRARY_PATH");
    if (!value || !*value)
        return HML_OK;
    lp_state s = {.ctx = ctx, .value = value, .report = report, .err = err};
    ldcache cache = {0};
    dtext fix = {0};
    hml_status st = split(&s);
    if (st == HML_OK && ldcache_load(ctx->ld_cache, &cache, err) != HML_OK) {
        /* Without the cache the shadow checks fall back to the system dirs. */
        hml_err_clear(err);
    }
    if (st == HML_OK) {
        cleaned_value(&s, &fix);
        st = check_shape(&s, &fix);
    }
    if (st == HML_OK)
        st = check_writable(&s);
    if (st == HML_OK)
        st = check_count(&s, &fix);
    if (st == HML_OK)
        st = check_shadows(&s, &cache);
    if (st == HML_OK)
        st = check_cuda(&s, &cache);
    text_free(&fix);
    ldcache_free(&cache);
    free_state(&s);
    return st;
}
