#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Messages must stay on one line: a newline in a file name or in text we
 * quote from a file would otherwise break the "one-line error" promise. */
static void flatten_newlines(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

hml_status hml_fail(hml_err *err, hml_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        flatten_newlines(err->msg);
        err->status = status;
    }
    return status;
}

hml_status hml_wrap(hml_err *err, const char *fmt, ...)
{
    if (!err)
        return HML_EINTERNAL;
    char old[sizeof err->msg];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Append ": <old message>", truncating whatever does not fit. */
    size_t used = n < 0 ? 0 : (size_t)n < sizeof err->msg ? (size_t)n : sizeof err->msg - 1;
    size_t room = sizeof err->msg - 1 - used;
    size_t old_len = strlen(old);
    char *p = err->msg + used;
    if (room >= 2) {
        memcpy(p, ": ", 2);
        p += 2;
        room -= 2;
        size_t take = old_len < room ? old_len : room;
        memcpy(p, old, take);
        p += take;
    }
    *p = '\0';
    flatten_newlines(err->msg);
    return err->status;
}

void hml_err_clear(hml_err *err)
{
    if (err) {
        err->status = HML_OK;
        err->msg[0] = '\0';
    }
}
