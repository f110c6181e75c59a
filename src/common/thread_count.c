#include "common/thread_count.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One count between p and stop; -1 when malformed. */
static long parse_one(const char *p, const char *stop, bool zero_ok)
{
    while (p < stop && (*p == ' ' || *p == '\t'))
        p++;
    if (p == stop || *p < '0' || *p > '9')
        return -1;
    errno = 0;
    char *end = NULL;
    long v = strtol(p, &end, 10);
    while (end < stop && (*end == ' ' || *end == '\t'))
        end++;
    if (end != stop || errno == ERANGE || v < (zero_ok ? 0 : 1))
        return -1;
    return v;
}

size_t thread_count_parse(const char *text, bool list, bool zero_ok, long *levels)
{
    if (!text)
        return 0;
    size_t n = 0;
    const char *p = text;
    for (;;) {
        const char *comma = list ? strchr(p, ',') : NULL;
        const char *stop = comma ? comma : p + strlen(p);
        if (n == THREAD_COUNT_MAX_LEVELS)
            return 0;
        long v = parse_one(p, stop, zero_ok);
        if (v < 0)
            return 0;
        levels[n++] = v;
        if (!comma)
            return n;
        p = comma + 1;
    }
}
