/* Shell launchers, Dockerfiles and .env files: the lines that set
 * LD_LIBRARY_PATH or a thread variable. These are lists of assignments, not
 * programs, so a small word splitter reads them (quotes, `export`, `env`,
 * `VAR=value command`, Dockerfile ENV in both forms, RUN lines as shell). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lint/lint_internal.h"

typedef struct word {
    char text[1024];     /* unquoted */
    size_t start, end;   /* bytes in the file */
    size_t value_start, value_end; /* after '=' (for assignments), quotes excluded */
    bool separator;      /* ; && || | & */
} word;

enum { MAX_WORDS = 128 };

/* Splits line [a, b) of text into words; returns their count. */
static size_t split(const char *text, size_t a, size_t b, word *w, size_t max)
{
    size_t n = 0, i = a;
    while (i < b && n < max) {
        while (i < b && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                         (text[i] == '\\' && i + 1 < b && text[i + 1] == '\n') || text[i] == '\n'))
            i += text[i] == '\\' ? 2 : 1;
        if (i >= b || text[i] == '#')
            break;
        word *x = &w[n++];
        *x = (word){.start = i};
        if (strchr(";&|", text[i])) {
            x->separator = true;
            while (i < b && strchr(";&|", text[i]))
                i++;
            x->end = i;
            continue;
        }
        size_t k = 0;
        char quote = 0;
        bool seen_eq = false;
        while (i < b) {
            char ch = text[i];
            if (!quote && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || strchr(";&|", ch)))
                break;
            if (!quote && (ch == '"' || ch == '\'')) {
                quote = ch;
            } else if (quote && ch == quote) {
                quote = 0;
            } else {
                if (k + 1 < sizeof x->text)
                    x->text[k++] = ch;
                if (ch == '=' && !seen_eq && !quote) {
                    seen_eq = true;
                    x->value_start = i + 1;
                    if (i + 1 < b && (text[i + 1] == '"' || text[i + 1] == '\''))
                        x->value_start++;
                }
            }
            i++;
        }
        x->end = i;
        x->value_end = i > x->value_start && (text[i - 1] == '"' || text[i - 1] == '\'') ? i - 1 : i;
        x->text[k] = '\0';
    }
    return n;
}

typedef struct launcher {
    const char *path;
    lint_language language;
    const char *text;
    const lint_host *host;
    lint_result *out;
    unsigned line;       /* of the current logical line */
    size_t line_start;   /* its first byte */
    bool ok;
} launcher;

static lint_finding *add(launcher *l, lint_rule_id rule, const word *w)
{
    /* a word after a backslash-newline is on a later line */
    unsigned line = l->line;
    size_t bol = l->line_start;
    for (size_t i = l->line_start; i < w->start; i++)
        if (l->text[i] == '\n') {
            line++;
            bol = i + 1;
        }
    unsigned col = (unsigned)(w->start - bol) + 1;
    lint_finding *f = lint_result_add(l->out, rule, l->path, l->language, line, col, line,
                                      col + (unsigned)(w->end - w->start));
    if (!f)
        l->ok = false;
    return f;
}

static void assignment(launcher *l, const word *w)
{
    const char *eq = strchr(w->text, '=');
    if (!eq || eq == w->text)
        return;
    char name[64];
    size_t n = (size_t)(eq - w->text);
    if (n >= sizeof name)
        return;
    memcpy(name, w->text, n);
    name[n] = '\0';
    const char *value = eq + 1;
    if (strcmp(name, "LD_LIBRARY_PATH") == 0) {
        char entries[1024];
        lint_libpath_entries(value, entries, sizeof entries);
        lint_finding *f = add(l, LINT_LIBPATH, w);
        l->ok = l->ok && f &&
                lint_set_text(&f->what, "the launcher sets LD_LIBRARY_PATH: every process "
                                        "it starts searches these directories before the "
                                        "system's%s%s", entries[0] ? "; " : "", entries) &&
                lint_set_text(&f->fix, "install the libraries where the loader finds them "
                                       "(ldconfig, an rpath) and leave LD_LIBRARY_PATH alone; "
                                       "if one directory is needed, add only that absolute, "
                                       "existing directory");
        return;
    }
    if (!lint_is_thread_variable(name) || !*value || strchr(value, '$') || strchr(value, '`'))
        return; /* $(nproc) and friends are only known when it runs */
    long total = 1;
    bool nested = strchr(value, ',') != NULL;
    for (const char *p = value; *p;) {
        char *end;
        long k = strtol(p, &end, 10);
        if (end == p || k < 0)
            return;
        total *= k > 0 ? k : 1;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return;
    }
    if (total <= l->host->cpus)
        return;
    lint_finding *f = add(l, LINT_PARALLELISM, w);
    if (!f)
        return;
    if (nested)
        l->ok = l->ok && lint_set_text(&f->what, "%s=%s nests OpenMP levels: %ld threads in "
                                                 "all; %ld CPUs are available (%s)", name,
                                       value, total, l->host->cpus, l->host->cpus_source);
    else
        l->ok = l->ok && lint_set_text(&f->what, "%s=%s asks for %ld threads; %ld CPUs are "
                                                 "available (%s)", name, value, total,
                                       l->host->cpus, l->host->cpus_source);
    l->ok = l->ok && lint_set_text(&f->fix, "at most the CPUs available: %s=$(nproc) (which "
                                            "honours the affinity mask), or leave it unset",
                                   name);
    f->knob.value = total;
    if (!nested) {
        f->knob.start = w->value_start;
        f->knob.end = w->value_end;
        f->knob.line = f->line;
        f->knob.col = f->col + (unsigned)(w->value_start - w->start);
    }
}

/* One logical line (continuations joined) as shell words. */
static void shell_words(launcher *l, word *w, size_t n)
{
    bool command_start = true; /* assignments are only read before the command word */
    bool exporting = false;    /* after export, declare -x, env, readonly, local */
    for (size_t i = 0; i < n; i++) {
        if (w[i].separator) {
            command_start = true;
            exporting = false;
            continue;
        }
        const char *t = w[i].text;
        if (command_start || exporting) {
            if (strchr(t, '=') && t[0] != '=' && t[0] != '-') {
                assignment(l, &w[i]);
                continue;
            }
            if (command_start && (strcmp(t, "export") == 0 || strcmp(t, "declare") == 0 ||
                                  strcmp(t, "env") == 0 || strcmp(t, "readonly") == 0 ||
                                  strcmp(t, "local") == 0 || strcmp(t, "typeset") == 0)) {
                exporting = true;
                command_start = false;
                continue;
            }
            if (exporting && t[0] == '-')
                continue; /* declare -x */
        }
        command_start = false;
        exporting = false;
    }
}

static void dockerfile_words(launcher *l, word *w, size_t n)
{
    if (!n)
        return;
    if (strcasecmp(w[0].text, "RUN") == 0) {
        shell_words(l, w + 1, n - 1);
    } else if (strcasecmp(w[0].text, "ENV") == 0 && n >= 2) {
        if (strchr(w[1].text, '=')) {
            for (size_t i = 1; i < n; i++)
                assignment(l, &w[i]);
        } else if (n >= 3) { /* legacy form: ENV NAME value */
            word joined = w[2];
            joined.start = w[1].start;
            size_t k = strlen(w[1].text);
            if (k + 2 + strlen(w[2].text) > sizeof joined.text)
                return;
            memcpy(joined.text, w[1].text, k);
            joined.text[k] = '=';
            memcpy(joined.text + k + 1, w[2].text, strlen(w[2].text) + 1);
            assignment(l, &joined);
        }
    }
}

hml_status lint_launcher(const char *path, lint_language language, const char *text,
                         size_t len, const lint_host *host, lint_result *out, hml_err *err)
{
    launcher l = {.path = path, .language = language, .text = text, .host = host, .out = out,
                  .line = 1, .ok = true};
    word *w = malloc(MAX_WORDS * sizeof *w);
    if (!w)
        return hml_fail(err, HML_ESYSTEM, "%s: out of memory", path);
    size_t i = 0;
    while (i < len && l.ok) {
        /* a logical line: up to a newline not escaped by a backslash */
        size_t a = i, b = i;
        unsigned lines = 1;
        while (b < len && text[b] != '\n') {
            if (text[b] == '\\' && b + 1 < len && text[b + 1] == '\n') {
                b += 2;
                lines++;
                continue;
            }
            b++;
        }
        l.line_start = a;
        size_t n = split(text, a, b, w, MAX_WORDS);
        if (language == LINT_LANG_DOCKERFILE)
            dockerfile_words(&l, w, n);
        else
            shell_words(&l, w, n);
        l.line += lines;
        i = b + 1;
    }
    free(w);
    out->files++;
    return l.ok ? HML_OK : hml_fail(err, HML_ESYSTEM, "%s: out of memory", path);
}
