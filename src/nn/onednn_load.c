#include "nn/onednn_load.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn/onednn_functions.h"

#define AS_POINTER(ret, name, params, args) ret(*name) params;
static struct {
    ONEDNN_FUNCTIONS(AS_POINTER)
} onednn;
#undef AS_POINTER

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static bool loaded;

static void load(void)
{
    /* RTLD_LOCAL: the library's symbols must not stand in for these
     * forwarders, nor ours for its own. */
    void *lib = dlopen(ONEDNN_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
    /* POSIX guarantees that a dlsym result converts to a function pointer. */
#define RESOLVE(ret, name, params, args)                                                         \
    if (!(onednn.name = (ret(*) params)(uintptr_t)dlsym(lib, #name))) {                          \
        snprintf(load_error, sizeof load_error, "no symbol %s", #name);                          \
        return;                                                                                  \
    }
    ONEDNN_FUNCTIONS(RESOLVE)
#undef RESOLVE
    loaded = true;
}

hml_status nn_onednn_load(hml_err *err)
{
    pthread_once(&load_once, load);
    if (!loaded)
        return hml_fail(err, HML_ESYSTEM, "cannot load oneDNN (%s): %s", ONEDNN_SONAME,
                        load_error);
    return HML_OK;
}

/* Every caller loads oneDNN first (onednn_ctx_create, workload_run); a call
 * before that is a bug, so it stops here rather than jump to NULL. */
static void require_loaded(const char *name)
{
    pthread_once(&load_once, load);
    if (!loaded) {
        fprintf(stderr, "hmlcost: %s called but oneDNN could not be loaded: %s\n", name,
                load_error);
        abort();
    }
}

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds only: LeakSanitizer (gcc 12) reads a bogus dynamic-TLS
 * range for OpenMP threads once libdnnl is dlopened and crashes at exit
 * ("Tracer caught signal 11"); not tracking __tls_get_addr avoids that.
 * ASAN_OPTIONS from the environment still apply on top. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "intercept_tls_get_addr=0"; }
#endif

#define FORWARD(ret, name, params, args)                                                         \
    ret name params                                                                              \
    {                                                                                            \
        require_loaded(#name);                                                                   \
        return onednn.name args;                                                                 \
    }
ONEDNN_FUNCTIONS(FORWARD)
#undef FORWARD
