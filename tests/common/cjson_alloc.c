#include "common/cjson_alloc.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>

static size_t made, fail_from;
static bool only_once;
static long live;

static void *counting_malloc(size_t size)
{
    made++;
    if (fail_from && (only_once ? made == fail_from : made >= fail_from))
        return NULL;
    void *p = malloc(size);
    live += p != NULL;
    return p;
}

static void counting_free(void *p)
{
    live -= p != NULL;
    free(p);
}

void cjson_alloc_count(size_t fail_at)
{
    made = 0;
    live = 0;
    fail_from = fail_at;
    only_once = false;
    cJSON_Hooks hooks = {.malloc_fn = counting_malloc, .free_fn = counting_free};
    cJSON_InitHooks(&hooks);
}

void cjson_alloc_fail_once(size_t fail_at)
{
    cjson_alloc_count(fail_at);
    only_once = true;
}

void cjson_alloc_fail_next(void)
{
    fail_from = made + 1;
    only_once = false;
}

void cjson_alloc_stop(void) { cJSON_InitHooks(NULL); }

size_t cjson_alloc_made(void) { return made; }

long cjson_alloc_live(void) { return live; }

static void sweep(const char *what, bool (*build)(void *arg), void *arg, int modes)
{
    cjson_alloc_count(0);
    bool made_it = build(arg);
    size_t total = made;
    cjson_alloc_stop();
    if (!made_it)
        fail_msg("%s: fails with memory enough", what);
    for (int once = 0; once < modes; once++)
        for (size_t n = 1; n <= total; n++) {
            if (once)
                cjson_alloc_fail_once(n);
            else
                cjson_alloc_count(n);
            made_it = build(arg);
            long left = live;
            cjson_alloc_stop();
            if (made_it || left != 0)
                fail_msg("%s: allocation %zu of %zu failed%s: %s, %ld allocations left", what, n,
                         total, once ? " (only it)" : " (and all after it)",
                         made_it ? "made anyway" : "failed", left);
        }
}

void cjson_alloc_sweep(const char *what, bool (*build)(void *arg), void *arg)
{
    sweep(what, build, arg, 2);
}

void cjson_alloc_sweep_from_on(const char *what, bool (*build)(void *arg), void *arg)
{
    sweep(what, build, arg, 1);
}
