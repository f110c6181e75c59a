/* The one reader of thread-count settings (OMP_NUM_THREADS and its kin), as
 * the OpenMP runtimes read them: whole decimal numbers, blanks allowed
 * around each, and for OMP_NUM_THREADS a comma-separated list, one count
 * per nesting level ("8,2"). */
#ifndef HMLCOST_COMMON_THREAD_COUNT_H
#define HMLCOST_COMMON_THREAD_COUNT_H

#include <stdbool.h>
#include <stddef.h>

enum { THREAD_COUNT_MAX_LEVELS = 8 };

/* Parses text into levels (at most THREAD_COUNT_MAX_LEVELS; one unless
 * list). A count must be >= 1, or >= 0 with zero_ok (0: "the runtime
 * chooses"). Returns the number of levels, or 0 when text is malformed. */
size_t thread_count_parse(const char *text, bool list, bool zero_ok, long *levels);

#endif
