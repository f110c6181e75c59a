#include "common/text.h"

#include <stdarg.h>
#include <stdio.h>

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
