#include "doctor/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void text_printf(dtext *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        t->failed = true;
        va_end(ap);
        return;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 128;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            t->failed = true;
            va_end(ap);
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    t->len += (size_t)n;
    va_end(ap);
}

const char *text_str(const dtext *t) { return t->s && !t->failed ? t->s : ""; }
bool text_failed(const dtext *t) { return t->failed; }

void text_reset(dtext *t)
{
    t->len = 0;
    if (t->s)
        t->s[0] = '\0';
}

void text_free(dtext *t)
{
    free(t->s);
    t->s = NULL;
    t->len = t->cap = 0;
    t->failed = false;
}

void text_bytes(dtext *t, double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        text_printf(t, "%.0f B", bytes);
    else
        text_printf(t, bytes < 10 ? "%.2f %s" : bytes < 100 ? "%.1f %s" : "%.0f %s", bytes,
                    units[u]);
}
