#include "workload/libraries.h"

#include <gnu/libc-version.h>
#include <limits.h>
#include <link.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lib_list {
    workload_library *items;
    size_t count, capacity;
    bool oom;
} lib_list;

void libraries_version_from_name(const char *file, char *out, size_t size)
{
    out[0] = '\0';
    const char *so = NULL;
    for (const char *p = strstr(file, ".so."); p; p = strstr(p + 1, ".so."))
        so = p;
    if (so)
        snprintf(out, size, "%s", so + 4);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    lib_list *list = data;
    const char *name = info->dlpi_name;
    /* The executable has an empty name; the vDSO has no file. */
    if (!name || !*name || strncmp(base_name(name), "linux-vdso", 10) == 0 ||
        strncmp(base_name(name), "linux-gate", 10) == 0)
        return 0;
    if (list->count == list->capacity) {
        size_t cap = list->capacity ? 2 * list->capacity : 32;
        workload_library *items = realloc(list->items, cap * sizeof *items);
        if (!items) {
            list->oom = true;
            return 1;
        }
        list->items = items;
        list->capacity = cap;
    }
    workload_library *lib = &list->items[list->count++];
    memset(lib, 0, sizeof *lib);
    snprintf(lib->name, sizeof lib->name, "%s", base_name(name));
    char real[PATH_MAX];
    const char *path = realpath(name, real) ? real : name;
    snprintf(lib->path, sizeof lib->path, "%s", path);
    if (strncmp(lib->name, "libdnnl.so", 10) == 0) {
        const dnnl_version_t *v = dnnl_version();
        snprintf(lib->version, sizeof lib->version, "%d.%d.%d", v->major, v->minor, v->patch);
    } else if (strncmp(lib->name, "libc.so", 7) == 0) {
        snprintf(lib->version, sizeof lib->version, "%s", gnu_get_libc_version());
    } else {
        libraries_version_from_name(base_name(path), lib->version, sizeof lib->version);
    }
    return 0;
}

hml_status libraries_loaded(workload_library **out, size_t *count, hml_err *err)
{
    lib_list list = {0};
    dl_iterate_phdr(collect, &list);
    if (list.oom) {
        free(list.items);
        return hml_fail(err, HML_ESYSTEM, "libraries: out of memory");
    }
    *out = list.items;
    *count = list.count;
    return HML_OK;
}

bool libraries_contains(const workload_library *libs, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(libs[i].name, name) == 0)
            return true;
    return false;
}
