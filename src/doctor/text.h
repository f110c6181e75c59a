/* A growing string for composing evidence and fixes. Out of memory is
 * remembered and reported once, by text_take. */
#ifndef HMLCOST_DOCTOR_TEXT_H
#define HMLCOST_DOCTOR_TEXT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct dtext {
    char *s;
    size_t len, cap;
    bool failed;
} dtext;

void text_printf(dtext *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string so far ("" when empty); valid until the next text_printf. */
const char *text_str(const dtext *t);
bool text_failed(const dtext *t);
void text_reset(dtext *t);
void text_free(dtext *t);

/* Human sizes: "1.42 GiB", "300 MiB", "512 B". */
void text_bytes(dtext *t, double bytes);

#endif
