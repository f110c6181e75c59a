/* The run-time probe of the GPU libraries (gpu_libs.h). Functions are
 * called through pointers of the C types their headers give them; the few
 * enums involved are passed as int (their ABI), so no CUDA header is
 * needed here. */
#include "nn/cuda/gpu_libs.h"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn/cuda/gpu_symbols.h"

/* CUresult values the probe tells apart (cuda.h). */
enum {
    CU_SUCCESS = 0,
    CU_ERROR_STUB_LIBRARY = 34,
    CU_ERROR_INSUFFICIENT_DRIVER = 35,
    CU_ERROR_NO_DEVICE = 100,
};
/* libraryPropertyType (library_types.h). */
enum { PROPERTY_MAJOR = 0, PROPERTY_MINOR = 1, PROPERTY_PATCH = 2 };

typedef int (*cu_init_fn)(unsigned flags);
typedef int (*cu_int_out_fn)(int *value);
typedef int (*cu_error_name_fn)(int result, const char **name);
typedef size_t (*size_fn)(void);
typedef int (*status_fn)(void);
typedef const char *(*status_string_fn)(int status);
typedef int (*property_fn)(int type, int *value);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void set_error(gpu_lib_info *lib, gpu_fail fail, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(gpu_lib_info *lib, gpu_fail fail, const char *fmt, ...)
{
    lib->fail = fail;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lib->error, sizeof lib->error, fmt, ap);
    va_end(ap);
}

/* A dlsym result as a function pointer (POSIX guarantees the conversion). */
static void *symbol(void *handle, const char *name)
{
    dlerror();
    return dlsym(handle, name);
}
#define SYMBOL(type, handle, name) ((type)(uintptr_t)symbol((handle), (name)))

/* dlopen by soname; fills path from the link map, or the error. */
static bool open_library(gpu_lib_info *lib)
{
    dlerror();
    lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        const char *why = dlerror();
        set_error(lib, GPU_FAIL_DLOPEN, "%s", why ? why : "dlopen failed");
        return false;
    }
    struct link_map *map = NULL;
    if (dlinfo(lib->handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name)
        snprintf(lib->path, sizeof lib->path, "%s", map->l_name);
    return true;
}

/* Checks every name of a symbol list; names the missing ones. */
static bool check_symbols(gpu_lib_info *lib, const char *const *names, size_t count)
{
    char missing[400] = "";
    size_t used = 0, absent = 0;
    for (size_t i = 0; i < count; i++) {
        if (symbol(lib->handle, names[i]))
            continue;
        absent++;
        if (used < sizeof missing - 1) {
            int w = snprintf(missing + used, sizeof missing - used, "%s%s", absent > 1 ? ", " : "",
                             names[i]);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    if (!absent)
        return true;
    set_error(lib, GPU_FAIL_SYMBOL, "%s at %s lacks %zu of the %zu functions hmlcost calls: %s",
              lib->soname, lib->path, absent, count, missing);
    return false;
}

#define NAME_STRING(name) #name,
static const char *const driver_symbols[] = {GPU_DRIVER_SYMBOLS(NAME_STRING)};
static const char *const cudnn_symbols[] = {GPU_CUDNN_SYMBOLS(NAME_STRING)};
static const char *const cublas_symbols[] = {GPU_CUBLAS_SYMBOLS(NAME_STRING)};
static const char *const cublaslt_symbols[] = {GPU_CUBLASLT_SYMBOLS(NAME_STRING)};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *cu_error(void *handle, int result, char *buf, size_t size)
{
    cu_error_name_fn name_of = SYMBOL(cu_error_name_fn, handle, "cuGetErrorName");
    const char *name = NULL;
    /* CUDA's stub answers every call, cuGetErrorName too, with its error. */
    if (!name_of || name_of(result, &name) != CU_SUCCESS || !name)
        name = result == CU_ERROR_STUB_LIBRARY          ? "CUDA_ERROR_STUB_LIBRARY"
               : result == CU_ERROR_INSUFFICIENT_DRIVER ? "CUDA_ERROR_INSUFFICIENT_DRIVER"
               : result == CU_ERROR_NO_DEVICE           ? "CUDA_ERROR_NO_DEVICE"
                                                        : "CUDA error";
    snprintf(buf, size, "%s (%d)", name, result);
    return buf;
}

static void probe_driver(const gpu_libs_need *need, gpu_libs *out)
{
    gpu_lib_info *lib = &out->lib[GPU_LIB_DRIVER];
    if (!open_library(lib)) {
        char why[sizeof lib->error];
        snprintf(why, sizeof why, "%s", lib->error);
        set_error(lib, GPU_FAIL_DLOPEN, "no NVIDIA driver: %.500s", why);
        return;
    }
    if (!check_symbols(lib, driver_symbols, COUNT(driver_symbols)))
        return;
    char buf[96];
    int rc = SYMBOL(cu_init_fn, lib->handle, "cuInit")(0);
    bool stub_dir = strstr(lib->path, "/stubs/") != NULL;
    if (rc == CU_ERROR_STUB_LIBRARY) {
        set_error(lib, GPU_FAIL_STUB,
                  "%s at %s is CUDA's stub library (cuInit: %s), a link-time stand-in "
                  "for the NVIDIA driver; a directory ahead of the driver's on the path holds it",
                  lib->soname, lib->path, cu_error(lib->handle, rc, buf, sizeof buf));
        return;
    }
    int version = 0;
    if (SYMBOL(cu_int_out_fn, lib->handle, "cuDriverGetVersion")(&version) == CU_SUCCESS) {
        out->driver_version = version;
        snprintf(lib->version, sizeof lib->version, "%d.%d", version / 1000, version % 1000 / 10);
    }
    if (rc == CU_ERROR_NO_DEVICE) {
        set_error(lib, GPU_FAIL_NO_DEVICE, "no CUDA device: cuInit: %s (driver %s at %s)",
                  cu_error(lib->handle, rc, buf, sizeof buf), lib->version, lib->path);
        return;
    }
    if (rc != CU_SUCCESS) {
        set_error(lib, stub_dir ? GPU_FAIL_STUB : GPU_FAIL_DRIVER, "cuInit: %s (%s at %s%s)",
                  cu_error(lib->handle, rc, buf, sizeof buf), lib->soname, lib->path,
                  stub_dir ? ", a stubs directory" : "");
        return;
    }
    if (version / 1000 < need->cuda_major) {
        set_error(lib, GPU_FAIL_DRIVER,
                  "the NVIDIA driver at %s supports CUDA %s; hmlcost was built with CUDA %d",
                  lib->path, lib->version, need->cuda_major);
        return;
    }
    int count = 0;
    rc = SYMBOL(cu_int_out_fn, lib->handle, "cuDeviceGetCount")(&count);
    out->device_count = rc == CU_SUCCESS ? count : 0;
    if (rc != CU_SUCCESS || count < 1)
        set_error(lib, GPU_FAIL_NO_DEVICE, "no CUDA device: cuDeviceGetCount: %s, %d devices",
                  rc == CU_SUCCESS ? "ok" : cu_error(lib->handle, rc, buf, sizeof buf), count);
}

/* A cuDNN status as text, through the library's own cudnnGetErrorString. */
static const char *cudnn_status(void *handle, int status, char *buf, size_t size)
{
    status_string_fn text = SYMBOL(status_string_fn, handle, "cudnnGetErrorString");
    const char *s = text ? text(status) : NULL;
    snprintf(buf, size, "%s (%d)", s ? s : "status", status);
    return buf;
}

static void probe_cudnn(const gpu_libs_need *need, gpu_libs *out)
{
    gpu_lib_info *lib = &out->lib[GPU_LIB_CUDNN];
    if (!open_library(lib) || !check_symbols(lib, cudnn_symbols, COUNT(cudnn_symbols)))
        return;
    size_t v = SYMBOL(size_fn, lib->handle, "cudnnGetVersion")();
    size_t cudart = SYMBOL(size_fn, lib->handle, "cudnnGetCudartVersion")();
    /* cuDNN 9 encodes major*10000 + minor*100 + patch; cuDNN 8 and
     * before major*1000 + minor*100 + patch. */
    const size_t major = v >= 10000 ? v / 10000 : v / 1000;
    const size_t minor = v >= 10000 ? v / 100 % 100 : v / 100 % 10;
    snprintf(lib->version, sizeof lib->version, "%zu.%zu.%zu", major, minor, v % 100);
    if ((long)major != need->cudnn_major || (long)v < need->cudnn_min) {
        set_error(lib, GPU_FAIL_VERSION, "%s at %s is cuDNN %s; hmlcost needs %d.%ld or a later %d.x",
                  lib->soname, lib->path, lib->version, need->cudnn_major,
                  need->cudnn_min / 100 % 100, need->cudnn_major);
        return;
    }
    if ((int)(cudart / 1000) != need->cuda_major) {
        set_error(lib, GPU_FAIL_VERSION,
                  "%s at %s is cuDNN %s built for CUDA %zu.%zu; hmlcost was built with CUDA %d",
                  lib->soname, lib->path, lib->version, cudart / 1000, cudart % 1000 / 10,
                  need->cuda_major);
        return;
    }
    /* Each check loads that sub-library (libcudnn_graph/ops/cnn.so.N, found
     * the same way) and compares its version with libcudnn's. */
    static const char *const checks[] = {"cudnnGraphVersionCheck", "cudnnOpsVersionCheck",
                                         "cudnnCnnVersionCheck"};
    for (size_t i = 0; i < COUNT(checks); i++) {
        int status = SYMBOL(status_fn, lib->handle, checks[i])();
        if (status != 0) {
            char buf[160];
            set_error(lib, GPU_FAIL_VERSION,
                      "%s at %s (cuDNN %s): %s: %s (a sub-library is missing or of another version)",
                      lib->soname, lib->path, lib->version, checks[i],
                      cudnn_status(lib->handle, status, buf, sizeof buf));
            return;
        }
    }
}

static void probe_cublas(const gpu_libs_need *need, gpu_libs *out)
{
    gpu_lib_info *lib = &out->lib[GPU_LIB_CUBLAS];
    if (!open_library(lib) || !check_symbols(lib, cublas_symbols, COUNT(cublas_symbols)))
        return;
    property_fn property = SYMBOL(property_fn, lib->handle, "cublasGetProperty");
    int major = -1, minor = -1, patch = -1;
    if (property(PROPERTY_MAJOR, &major) != 0 || property(PROPERTY_MINOR, &minor) != 0 ||
        property(PROPERTY_PATCH, &patch) != 0) {
        set_error(lib, GPU_FAIL_VERSION, "%s at %s: cublasGetProperty failed", lib->soname,
                  lib->path);
        return;
    }
    snprintf(lib->version, sizeof lib->version, "%d.%d.%d", major, minor, patch);
    if (major != need->cublas_major)
        set_error(lib, GPU_FAIL_VERSION, "%s at %s is cuBLAS %s; hmlcost needs cuBLAS %d.x",
                  lib->soname, lib->path, lib->version, need->cublas_major);
}

/* libcublasLt: normally already loaded as libcublas's dependency; then
 * dlopen finds that same object. */
static void probe_cublaslt(const gpu_libs_need *need, gpu_libs *out)
{
    gpu_lib_info *lib = &out->lib[GPU_LIB_CUBLASLT];
    if (!open_library(lib) || !check_symbols(lib, cublaslt_symbols, COUNT(cublaslt_symbols)))
        return;
    /* cuBLASLt encodes major*10000 + minor*100 + patch. */
    size_t v = SYMBOL(size_fn, lib->handle, "cublasLtGetVersion")();
    snprintf(lib->version, sizeof lib->version, "%zu.%zu.%zu", v / 10000, v / 100 % 100, v % 100);
    if ((int)(v / 10000) != need->cublas_major)
        set_error(lib, GPU_FAIL_VERSION, "%s at %s is cuBLASLt %s; hmlcost needs %d.x",
                  lib->soname, lib->path, lib->version, need->cublas_major);
}

void gpu_libs_describe_ld_path(char *buf, size_t size)
{
    const char *path = getenv("LD_LIBRARY_PATH");
    if (!path) {
        snprintf(buf, size, "unset");
        return;
    }
    size_t len = strlen(path);
    if (len <= 160) {
        snprintf(buf, size, "%s", path);
        return;
    }
    size_t entries = 1;
    for (const char *p = path; *p; p++)
        entries += *p == ':';
    const char *first_end = strchr(path, ':');
    const char *last = strrchr(path, ':');
    int first_len = first_end ? (int)(first_end - path) : (int)len;
    if (first_len > 60)
        first_len = 60;
    snprintf(buf, size, "%zu entries, %.*s:...:%.60s", entries, first_len, path,
             last ? last + 1 : "");
}

static void compose_reason(gpu_libs *out)
{
    size_t used = 0;
    char *r = out->reason;
    const size_t size = sizeof out->reason;
    r[0] = '\0';
    for (int i = 0; i < GPU_LIB_COUNT; i++) {
        const gpu_lib_info *lib = &out->lib[i];
        if (lib->fail == GPU_OK)
            continue;
        if (out->fail == GPU_OK)
            out->fail = lib->fail;
        /* dlerror() already starts with the soname; the others name it too. */
        int w = snprintf(r + used, size - used, "%s%s", used ? "; " : "", lib->error);
        if (w < 0 || (size_t)w >= size - used) {
            used = size - 1;
            break;
        }
        used += (size_t)w;
    }
    if (out->fail == GPU_OK)
        return;
    char ld[256];
    gpu_libs_describe_ld_path(ld, sizeof ld);
    if (used < size - 1)
        snprintf(r + used, size - used, " (LD_LIBRARY_PATH: %s)", ld);
}

const char *gpu_lib_name(gpu_lib_id id)
{
    static const char *const names[GPU_LIB_COUNT] = {"cuda-driver", "cudnn", "cublas", "cublasLt"};
    return id < GPU_LIB_COUNT ? names[id] : "?";
}

const char *gpu_fail_name(gpu_fail fail)
{
    switch (fail) {
    case GPU_OK: return "ok";
    case GPU_FAIL_DLOPEN: return "dlopen";
    case GPU_FAIL_SYMBOL: return "symbol";
    case GPU_FAIL_VERSION: return "version";
    case GPU_FAIL_STUB: return "stub";
    case GPU_FAIL_DRIVER: return "driver";
    case GPU_FAIL_NO_DEVICE: return "no-device";
    }
    return "?";
}

void gpu_libs_probe(const gpu_libs_need *need, gpu_libs *out)
{
    memset(out, 0, sizeof *out);
    double start = now_s();
    snprintf(out->lib[GPU_LIB_DRIVER].soname, sizeof out->lib[0].soname, "libcuda.so.1");
    snprintf(out->lib[GPU_LIB_CUDNN].soname, sizeof out->lib[0].soname, "libcudnn.so.%d",
             need->cudnn_major);
    snprintf(out->lib[GPU_LIB_CUBLAS].soname, sizeof out->lib[0].soname, "libcublas.so.%d",
             need->cublas_major);
    snprintf(out->lib[GPU_LIB_CUBLASLT].soname, sizeof out->lib[0].soname, "libcublasLt.so.%d",
             need->cublas_major);
    void (*const probes[GPU_LIB_COUNT])(const gpu_libs_need *, gpu_libs *) = {
        probe_driver, probe_cudnn, probe_cublas, probe_cublaslt};
    for (int i = 0; i < GPU_LIB_COUNT; i++) {
        double t0 = now_s();
        probes[i](need, out);
        out->lib[i].load_s = now_s() - t0;
    }
    compose_reason(out);
    out->probe_s = now_s() - start;
}

const gpu_libs *gpu_libs_probe_once(const gpu_libs_need *need)
{
    static gpu_libs probed;
    static bool done;
    if (!done) {
        gpu_libs_probe(need, &probed);
        done = true;
    }
    return &probed;
}

static bool is_dir(const char *path)
{
    return access(path, X_OK) == 0;
}

#ifdef HMLCOST_LIBPATH_FAKES_BUILD_DIR
/* True when the running binary lies inside the build tree that holds FAKES
 * (<build>/libpath-fakes): only such a binary may use the build's fakes, so
 * an installed hmlcost never reads the tree it was built in. */
static bool exe_in_build_tree(const char *exe_dir, const char *fakes)
{
    const char *slash = strrchr(fakes, '/');
    if (!slash || slash == fakes)
        return false;
    size_t n = (size_t)(slash - fakes);
    return strncmp(exe_dir, fakes, n) == 0 && exe_dir[n] == '/';
}
#endif

bool gpu_libs_mismatch_dir(char *buf, size_t size)
{
    const char *env = getenv("HMLCOST_LIBPATH_FAKES");
    if (env && *env) {
        snprintf(buf, size, "%s/cuda-mismatch", env);
        if (is_dir(buf))
            return true;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
#ifdef HMLCOST_LIBPATH_FAKES_BUILD_DIR
        if (exe_in_build_tree(exe, HMLCOST_LIBPATH_FAKES_BUILD_DIR)) {
            snprintf(buf, size, "%s/cuda-mismatch", HMLCOST_LIBPATH_FAKES_BUILD_DIR);
            if (is_dir(buf))
                return true;
        }
#endif
        snprintf(buf, size, "%s/../lib/hmlcost/libpath-fakes/cuda-mismatch", exe);
        if (is_dir(buf))
            return true;
    }
    if (size)
        buf[0] = '\0';
    return false;
}

bool gpu_libs_stubs_dir(char *buf, size_t size)
{
    static const char *const candidates[] = {
#ifdef HMLCOST_CUDA_STUBS_DIR
        HMLCOST_CUDA_STUBS_DIR,
#endif
        "/usr/local/cuda/lib64/stubs",
        "/usr/local/cuda/targets/x86_64-linux/lib/stubs",
        "/usr/lib/x86_64-linux-gnu/stubs",
    };
    char file[PATH_MAX];
    for (size_t i = 0; i < COUNT(candidates); i++) {
        snprintf(file, sizeof file, "%s/libcuda.so", candidates[i]);
        if (access(file, R_OK) == 0) {
            snprintf(buf, size, "%s", candidates[i]);
            return true;
        }
    }
    if (size)
        buf[0] = '\0';
    return false;
}
