/* Where other builds of the workload's libraries live: the libpath smell's
 * default treatment puts these directories ahead of the existing path (as
 * a misconfigured CUDA or BLAS setup does), so the loader may resolve a
 * different build. A candidate directory qualifies when it holds a library
 * by a name the workload loads that is not the file the loader picks now. */
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor/doctor.h"
#include "doctor/ldcache.h"
#include "doctor/text.h"

const char *const doctor_default_other_build_globs[] = {
    /* Debian's alternatives for BLAS and LAPACK */
    "/usr/lib/*-linux-gnu/blas", "/usr/lib/*-linux-gnu/lapack",
    "/usr/lib/*-linux-gnu/openblas-*", "/usr/lib/*-linux-gnu/blis-*",
    "/usr/lib/*-linux-gnu/atlas",
    /* CUDA toolkits side by side, and their link-time stubs */
    "/usr/local/cuda-*/lib64", "/usr/local/cuda-*/lib", "/usr/local/cuda-*/lib64/stubs",
    "/usr/local/cuda-*/lib/stubs", "/usr/local/cuda-*/targets/*/lib",
    "/usr/local/cuda-*/targets/*/lib/stubs", NULL,
};

typedef struct loaded_names {
    char **name;
    size_t count;
} loaded_names;

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    loaded_names *list = data;
    const char *slash = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
    if (!slash || !slash[1])
        return 0;
    char **grown = realloc(list->name, (list->count + 1) * sizeof *grown);
    if (!grown)
        return 1;
    list->name = grown;
    if ((list->name[list->count] = strdup(slash + 1)))
        list->count++;
    return 0;
}

static bool listed(const loaded_names *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->name[i], name) == 0)
            return true;
    return false;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* The file the loader picks for name now: LD_LIBRARY_PATH, then the system. */
static const char *current(const doctor_context *ctx, const ldcache *cache, const char *name,
                           char *buf, size_t size)
{
    const char *path = doctor_getenv(ctx, "LD_LIBRARY_PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":;");
        if (len > 0 && len + strlen(name) + 2 < size) {
            snprintf(buf, size, "%.*s/%s", (int)len, path, name);
            if (ldcache_is_loadable_elf(buf))
                return buf;
        }
        path += len;
        if (*path)
            path++;
    }
    return ldcache_resolve(cache, ctx->system_dirs, name, buf, size);
}

/* Does dir hold another build of a library the workload loads? For an
 * external command we cannot know its libraries: any library the system
 * also resolves counts. */
static bool holds_other_build(const doctor_context *ctx, const ldcache *cache,
                              const loaded_names *loaded, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (strncmp(e->d_name, "lib", 3) != 0 || !strstr(e->d_name, ".so"))
            continue;
        if (!ctx->workload.command && !listed(loaded, e->d_name))
            continue;
        char here[PATH_MAX], now_buf[PATH_MAX];
        snprintf(here, sizeof here, "%s/%s", dir, e->d_name);
        if (!ldcache_is_loadable_elf(here))
            continue;
        const char *now = current(ctx, cache, e->d_name, now_buf, sizeof now_buf);
        found = now && !same_file(now, here);
    }
    closedir(d);
    return found;
}

/* Is dir one of the entries of the colon-separated list? */
static bool already_listed(const char *list, const char *dir)
{
    size_t len = strlen(dir);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ":");
        if (n == len && strncmp(p, dir, len) == 0)
            return true;
        p += n;
        if (*p)
            p++;
    }
    return false;
}

hml_status doctor_other_build_dirs(const doctor_context *ctx, const char *const *globs,
                                   char **dirs, hml_err *err)
{
    *dirs = NULL;
    ldcache cache = {0};
    if (ldcache_load(ctx->ld_cache, &cache, err) != HML_OK)
        hml_err_clear(err);
    loaded_names loaded = {0};
    if (!ctx->workload.command)
        dl_iterate_phdr(collect, &loaded);
    dtext out = {0};
    text_printf(&out, "%s", "");
    const char *sep = "";
    for (size_t g = 0; globs && globs[g]; g++) {
        glob_t matches;
        if (glob(globs[g], GLOB_ONLYDIR | GLOB_NOSORT, NULL, &matches) != 0)
            continue;
        for (size_t i = 0; i < matches.gl_pathc; i++) {
            const char *dir = matches.gl_pathv[i];
            if (already_listed(text_str(&out), dir) ||
                !holds_other_build(ctx, &cache, &loaded, dir))
                continue;
            text_printf(&out, "%s%s", sep, dir);
            sep = ":";
        }
        globfree(&matches);
    }
    for (size_t i = 0; i < loaded.count; i++)
        free(loaded.name[i]);
    free(loaded.name);
    ldcache_free(&cache);
    if (text_failed(&out)) {
        text_free(&out);
        return hml_fail(err, HML_ESYSTEM, "doctor: out of memory");
    }
    *dirs = out.s;
    return HML_OK;
}
