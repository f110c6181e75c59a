/* Where other builds of the workload's libraries live: the libpath smell's
 * default treatment puts these directories ahead of the existing path (as
 * a misconfigured CUDA or BLAS setup does), so the loader may resolve a
 * different build. A candidate directory qualifies when it holds a library
 * by a name the workload loads that is not the file the loader picks now. */
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"
#include "doctor/ldcache.h"
#include "doctor/text.h"
#include "workload/libraries.h"

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

/* Does dir hold another build of a library the workload loads? For an
 * external command we cannot know its libraries: any library the system
 * also resolves counts. */
static bool holds_other_build(const doctor_context *ctx, const ldcache *cache,
                              const workload_library *loaded, size_t loaded_count,
                              const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (strncmp(e->d_name, "lib", 3) != 0 || !strstr(e->d_name, ".so"))
            continue;
        if (!ctx->workload.command && !libraries_contains(loaded, loaded_count, e->d_name))
            continue;
        char here[PATH_MAX], now_buf[PATH_MAX];
        snprintf(here, sizeof here, "%s/%s", dir, e->d_name);
        if (!ldcache_is_loadable_elf(here))
            continue;
        const char *now = ldcache_resolve_with_path(doctor_getenv(ctx, "LD_LIBRARY_PATH"), cache,
                                                    ctx->system_dirs, e->d_name, now_buf,
                                                    sizeof now_buf);
        found = now && !ldcache_same_file(now, here);
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
    workload_library *loaded = NULL;
    size_t loaded_count = 0;
    if (!ctx->workload.command && libraries_loaded(&loaded, &loaded_count, err) != HML_OK) {
        ldcache_free(&cache);
        return HML_ESYSTEM;
    }
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
                !holds_other_build(ctx, &cache, loaded, loaded_count, dir))
                continue;
            text_printf(&out, "%s%s", sep, dir);
            sep = ":";
        }
        globfree(&matches);
    }
    free(loaded);
    ldcache_free(&cache);
    if (text_failed(&out)) {
        text_free(&out);
        return hml_fail(err, HML_ESYSTEM, "doctor: out of memory");
    }
    *dirs = out.s;
    return HML_OK;
}
