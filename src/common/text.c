#include "common/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void text_format(char *dst, size_t size, const char *fmt, ...)
{
    if (!dst || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

void text_copy(char *dst, size_t size, const char *src)
{
    text_format(dst, size, "%s", src ? src : "");
}

bool text_list_has(const char *list, const char *sep, const char *item)
{
    size_t len = strlen(item), slen = strlen(sep);
    for (const char *p = list; (p = strstr(p, item)); p++) {
        bool starts = p == list || ((size_t)(p - list) >= slen && strncmp(p - slen, sep, slen) == 0);
        bool ends = p[len] == '\0' || strncmp(p + len, sep, slen) == 0;
        if (starts && ends)
            return true;
    }
    return false;
}

void text_list_add(char *list, size_t size, const char *sep, const char *item)
{
    if (!item[0] || text_list_has(list, sep, item))
        return;
    size_t used = strlen(list);
    text_format(list + used, size - used, "%s%s", used ? sep : "", item);
}

void text_note_add(char *notes, size_t size, const char *fmt, ...)
{
    size_t used = strlen(notes);
    if (used + 3 >= size)
        return;
    if (used) {
        memcpy(notes + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(notes + used, size - used, fmt, ap);
    va_end(ap);
}
