/* Formatting into fixed-size fields that may truncate on purpose (names,
 * notes): one place instead of a -Wformat-truncation dance at every call. */
#ifndef HMLCOST_METER_TEXT_H
#define HMLCOST_METER_TEXT_H

#include <stddef.h>

/* snprintf that always terminates and truncates silently. */
void text_format(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
