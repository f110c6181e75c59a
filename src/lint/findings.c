/* The result of a lint: findings and per-file notes, owned copies. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_internal.h"

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 16;
    void *p = realloc(*items, n * size);
    if (!p)
        return false;
    *items = p;
    *cap = n;
    return true;
}

lint_finding *lint_result_add(lint_result *r, lint_rule_id rule, const char *path,
                              lint_language language, unsigned line, unsigned col,
                              unsigned end_line, unsigned end_col)
{
    if (!grow((void **)&r->finding, &r->cap, r->count, sizeof *r->finding))
        return NULL;
    char *p = strdup(path);
    if (!p)
        return NULL;
    lint_finding *f = &r->finding[r->count++];
    *f = (lint_finding){.rule = rule, .path = p, .language = language, .line = line,
                        .col = col, .end_line = end_line, .end_col = end_col};
    return f;
}

static bool vset(char **field, const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return false;
    free(*field);
    *field = s;
    return true;
}

bool lint_set_text(char **field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = vset(field, fmt, ap);
    va_end(ap);
    return ok;
}

bool lint_result_note(lint_result *r, const char *path, bool skipped, const char *fmt, ...)
{
    if (!grow((void **)&r->note, &r->note_cap, r->note_count, sizeof *r->note))
        return false;
    lint_note n = {.path = strdup(path), .skipped = skipped};
    va_list ap;
    va_start(ap, fmt);
    bool ok = n.path && vset(&n.text, fmt, ap);
    va_end(ap);
    if (!ok) {
        free(n.path);
        free(n.text);
        return false;
    }
    r->note[r->note_count++] = n;
    return true;
}

static int by_place(const void *a, const void *b)
{
    const lint_finding *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return (int)x->rule - (int)y->rule;
}

static void finding_free(lint_finding *f)
{
    free(f->path);
    free(f->what);
    free(f->fix);
    free(f->followed);
    free(f->knob.flag);
}

void lint_result_sort(lint_result *r)
{
    if (r->count > 1)
        qsort(r->finding, r->count, sizeof *r->finding, by_place);
    size_t kept = 0;
    for (size_t i = 0; i < r->count; i++) {
        if (kept && by_place(&r->finding[kept - 1], &r->finding[i]) == 0) {
            finding_free(&r->finding[i]);
            continue;
        }
        r->finding[kept++] = r->finding[i];
    }
    r->count = kept;
}

void lint_result_free(lint_result *r)
{
    for (size_t i = 0; i < r->count; i++)
        finding_free(&r->finding[i]);
    for (size_t i = 0; i < r->note_count; i++) {
        free(r->note[i].path);
        free(r->note[i].text);
    }
    free(r->finding);
    free(r->note);
    *r = (lint_result){0};
}
