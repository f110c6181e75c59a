/* cJSON's allocations counted through its hooks, and made to fail from the
 * Nth on: what a test of a JSON writer's out-of-memory path needs. */
#ifndef HMLCOST_TESTS_CJSON_ALLOC_H
#define HMLCOST_TESTS_CJSON_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Counts from now; from allocation fail_from on (1: the first) each one
 * fails; 0: none fails. */
void cjson_alloc_count(size_t fail_from);
/* Counts from now; only allocation fail_at (1: the first) fails, as when
 * memory is short for a moment. */
void cjson_alloc_fail_once(size_t fail_at);
/* From the next allocation on, each one fails (the counts go on). */
void cjson_alloc_fail_next(void);
/* cJSON's own allocator again. */
void cjson_alloc_stop(void);
/* Allocations asked for since cjson_alloc_count, failed ones included. */
size_t cjson_alloc_made(void);
/* Allocations not freed yet (memory freed with free() rather than
 * cJSON_free is not seen). */
long cjson_alloc_live(void);

/* The out-of-memory test of a JSON writer: build(arg) makes its document (or
 * text) and frees all of it, returning whether it made one. It is run once
 * with no failure (it must succeed), then once for each allocation n of that
 * run with n and all after it failing, and once with only n failing: each of
 * those must return false and leave no cJSON allocation unfreed. what names
 * the writer in the failure message. */
void cjson_alloc_sweep(const char *what, bool (*build)(void *arg), void *arg);
/* The same with only "n and all after it" failing: for a writer that embeds
 * stored JSON text, where cJSON cannot tell a parse that failed for memory
 * from text that is not JSON (which the writer leaves out). */
void cjson_alloc_sweep_from_on(const char *what, bool (*build)(void *arg), void *arg);

#endif
