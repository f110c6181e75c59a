/* Formatting into fixed-size fields that may truncate on purpose (names,
 * notes, cells): one place instead of a -Wformat-truncation dance at every
 * call. */
#ifndef HMLCOST_COMMON_TEXT_H
#define HMLCOST_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* snprintf that always terminates and truncates silently. */
void text_format(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies src (NULL: "") into dst, truncating silently. */
void text_copy(char *dst, size_t size, const char *src);

/* Lists kept in one field, items joined by sep (", "): whether item is one
 * of them whole, and appending item unless it is "" or already there. */
bool text_list_has(const char *list, const char *sep, const char *item);
void text_list_add(char *list, size_t size, const char *sep, const char *item);

/* Notes kept in one field, joined by "; ": appends the formatted note
 * (truncated at the field's end), or nothing when the field has no room
 * left for the separator and a character of the note. */
void text_note_add(char *notes, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
