/* UTF-8 decoding, one sequence at a time: the one rule for what is valid,
 * shared by output escaping and the linter's input check. */
#ifndef HMLCOST_COMMON_UTF8_H
#define HMLCOST_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at p, reading at most len bytes (1-4;
 * its code point in *cp), or 0 when p does not start one: len is 0, a stray
 * continuation byte, a sequence cut short (by len or a NUL), an overlong
 * form, a surrogate, or a value above U+10FFFF. */
size_t utf8_sequence(const unsigned char *p, size_t len, uint32_t *cp);

#endif
