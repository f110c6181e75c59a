/* The LD_LIBRARY_PATH checks on crafted directories, fake libraries and a
 * crafted loader cache; and the cache reader against the real one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor/ldcache.h"
#include "fixtures.h"

typedef struct world {
    char *root;
    char env_value[16384];
    char *env[4];
    char cache[4096];
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    w->root = fixture_tempdir();
    snprintf(w->cache, sizeof w->cache, "%s/ld.so.cache", w->root);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    fixture_rmrf(w->root);
    free(w->root);
    free(w);
    return 0;
}

/* path under the world's root */
static const char *at(const world *w, const char *rel)
{
    static char buf[8][4096];
    static int next;
    char *out = buf[next++ % 8];
    snprintf(out, 4096, "%s/%s", w->root, rel);
    return out;
}

static doctor_context context(world *w, const char *ld_library_path)
{
    snprintf(w->env_value, sizeof w->env_value, "LD_LIBRARY_PATH=%s",
             ld_library_path ? ld_library_path : "");
    w->env[0] = "PATH=/usr/bin:/bin";
    w->env[1] = ld_library_path ? w->env_value : NULL;
    w->env[2] = NULL;
    return fixture_context(w->env, w->cache);
}

static doctor_report run_libpath(world *w, const char *value)
{
    doctor_context ctx = context(w, value);
    return fixture_run(doctor_check_libpath, &ctx);
}

static void clean_paths_find_nothing(void **state)
{
    world *w = *state;
    fixture_mkdirs(at(w, "good/lib"));
    fixture_fake_library(at(w, "good/lib/libmine.so.1"), 2);
    const char *unused_names[] = {"libother.so.2"};
    const char *unused_paths[] = {"/usr/lib/libother.so.2"};
    fixture_ld_cache(w->cache, unused_names, unused_paths, 1);

    doctor_context ctx = context(w, NULL); /* unset */
    doctor_report r = fixture_run(doctor_check_libpath, &ctx);
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);

    r = run_libpath(w, "");
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);

    /* A private library the system does not have is what the variable is for. */
    r = run_libpath(w, at(w, "good/lib"));
    assert_int_equal(r.count, 0);
    doctor_report_free(&r);
}

static void empty_relative_missing_and_duplicate_entries(void **state)
{
    world *w = *state;
    fixture_mkdirs(at(w, "a"));
    fixture_write(at(w, "file"), "not a directory");
    char value[8192];
    snprintf(value, sizeof value, ":%s::lib/rel:%s:%s/:%s/missing:%s:", at(w, "a"), at(w, "a"),
             at(w, "a"), w->root, at(w, "file"));
    doctor_report r = run_libpath(w, value);
    assert_int_equal(fixture_count(&r, "libpath.empty-entry"), 1);
    assert_int_equal(fixture_count(&r, "libpath.relative"), 1);
    assert_int_equal(fixture_count(&r, "libpath.nonexistent"), 1);
    assert_int_equal(fixture_count(&r, "libpath.duplicate"), 1);
    const doctor_finding *f = doctor_report_find(&r, "libpath.empty-entry");
    assert_int_equal(f->level, DOCTOR_WARNING);
    /* entries 1, 3 and the trailing one are empty */
    assert_non_null(strstr(f->evidence, "#1 ''"));
    assert_non_null(strstr(f->evidence, "#3 ''"));
    assert_non_null(strstr(f->evidence, "#9 ''"));
    /* The fix keeps only the usable entry, once. */
    char fix[8192];
    snprintf(fix, sizeof fix, "export LD_LIBRARY_PATH='%s'", at(w, "a"));
    assert_string_equal(f->fix, fix);
    f = doctor_report_find(&r, "libpath.nonexistent");
    assert_non_null(strstr(f->summary, "2 of 9"));
    assert_non_null(strstr(f->evidence, "/missing'"));
    assert_non_null(strstr(f->evidence, "/file'"));
    f = doctor_report_find(&r, "libpath.duplicate");
    assert_int_equal(f->level, DOCTOR_INFO);
    /* "a" again and "a/" (the same directory) */
    assert_non_null(strstr(f->evidence, "#5"));
    assert_non_null(strstr(f->evidence, "#6"));
    doctor_report_free(&r);
}

static void world_writable_entries_are_a_security_error(void **state)
{
    world *w = *state;
    fixture_mkdirs(at(w, "open"));
    fixture_mkdirs(at(w, "shared/sub"));
    chmod(at(w, "open"), 0777);
    chmod(at(w, "shared"), 0777); /* a parent without the sticky bit */
    fixture_mkdirs(at(w, "sticky/lib"));
    chmod(at(w, "sticky"), 01777); /* like /tmp: others cannot rename lib away */
    char value[8192];
    snprintf(value, sizeof value, "%s:%s:%s", at(w, "open"), at(w, "shared/sub"),
             at(w, "sticky/lib"));
    doctor_report r = run_libpath(w, value);
    assert_int_equal(fixture_count(&r, "libpath.world-writable"), 2);
    const doctor_finding *f = doctor_report_find(&r, "libpath.world-writable");
    assert_int_equal(f->level, DOCTOR_ERROR);
    assert_non_null(strstr(f->evidence, "mode 0777"));
    assert_non_null(strstr(f->fix, "chmod o-w"));
    assert_null(strstr(r.finding[r.count - 1].evidence, "sticky/lib'"));
    doctor_report_free(&r);
}

static void many_entries_are_a_finding_of_their_own(void **state)
{
    world *w = *state;
    fixture_mkdirs(at(w, "d"));
    char value[8192] = "";
    for (int i = 0; i < 33; i++)
        snprintf(value + strlen(value), sizeof value - strlen(value), "%s%s/d", i ? ":" : "",
                 w->root);
    doctor_report r = run_libpath(w, value);
    assert_int_equal(fixture_count(&r, "libpath.too-many-entries"), 1);
    assert_non_null(strstr(doctor_report_find(&r, "libpath.too-many-entries")->summary, "33"));
    doctor_report_free(&r);
    /* 32 entries are tolerated (they are duplicates here, which is its own finding). */
    value[strlen(value) - strlen(w->root) - 3] = '\0';
    r = run_libpath(w, value);
    assert_int_equal(fixture_count(&r, "libpath.too-many-entries"), 0);
    assert_int_equal(fixture_count(&r, "libpath.duplicate"), 1);
    doctor_report_free(&r);
}

static void entries_that_shadow_system_libraries_name_both_builds(void **state)
{
    world *w = *state;
    fixture_mkdirs(at(w, "sys"));
    fixture_mkdirs(at(w, "other"));
    fixture_mkdirs(at(w, "later"));
    /* The system has libfake.so.1 -> libfake.so.1.2.3; "other" holds 1.0.0. */
    fixture_fake_library(at(w, "sys/libfake.so.1.2.3"), 2);
    assert_int_equal(symlink("libfake.so.1.2.3", at(w, "sys/libfake.so.1")), 0);
    fixture_fake_library(at(w, "other/libfake.so.1.0.0"), 2);
    assert_int_equal(symlink("libfake.so.1.0.0", at(w, "other/libfake.so.1")), 0);
    /* The same file as the system's is no shadow; a 32-bit file is skipped
     * by the loader; a later entry is never reached for libfake. */
    assert_int_equal(symlink(at(w, "sys/libfake.so.1.2.3"), at(w, "other/libsame.so.1")), 0);
    fixture_fake_library(at(w, "other/libwrongclass.so.1"), 1);
    fixture_fake_library(at(w, "later/libfake.so.1"), 2);
    /* hmlcost itself loads libcjson: shadowing it is a warning, not info. */
    fixture_fake_library(at(w, "other/libcjson.so.1"), 2);
    fixture_fake_library(at(w, "sys/libcjson.so.1"), 2);
    fixture_fake_library(at(w, "sys/libwrongclass.so.1"), 2);
    const char *names[] = {"libfake.so.1", "libsame.so.1", "libwrongclass.so.1", "libcjson.so.1"};
    const char *paths[] = {at(w, "sys/libfake.so.1"), at(w, "sys/libfake.so.1.2.3"),
                           at(w, "sys/libwrongclass.so.1"), at(w, "sys/libcjson.so.1")};
    fixture_ld_cache(w->cache, names, paths, 4);

    char value[8192];
    snprintf(value, sizeof value, "%s:%s", at(w, "other"), at(w, "later"));
    doctor_report r = run_libpath(w, value);
    assert_int_equal(fixture_count(&r, "libpath.shadows-system"), 1);
    const doctor_finding *f = doctor_report_find(&r, "libpath.shadows-system");
    assert_int_equal(f->level, DOCTOR_WARNING);
    assert_non_null(strstr(f->summary, "shadows 2 system libraries"));
    char expect[8192];
    snprintf(expect, sizeof expect, "libfake.so.1 resolves to %s (version 1.0.0) instead of the "
             "system's %s (version 1.2.3)", at(w, "other/libfake.so.1.0.0"),
             at(w, "sys/libfake.so.1.2.3"));
    assert_non_null(strstr(f->evidence, expect));
    assert_non_null(strstr(f->evidence, "libcjson.so.1 resolves to"));
    assert_non_null(strstr(f->evidence, "[hmlcost train loads it]"));
    assert_null(strstr(f->evidence, "libsame"));
    assert_null(strstr(f->evidence, "libwrongclass"));
    doctor_report_free(&r);

    /* Only libraries hmlcost does not load: information, not a warning. */
    remove(at(w, "other/libcjson.so.1"));
    r = run_libpath(w, value);
    assert_int_equal(doctor_report_find(&r, "libpath.shadows-system")->level, DOCTOR_INFO);
    doctor_report_free(&r);
    /* For an external command any shadow may matter. */
    doctor_context ctx = context(w, value);
    ctx.workload.command = "python3 train.py";
    r = fixture_run(doctor_check_libpath, &ctx);
    assert_int_equal(doctor_report_find(&r, "libpath.shadows-system")->level, DOCTOR_WARNING);
    doctor_report_free(&r);
}

static void cuda_stubs_and_several_cuda_versions(void **state)
{
    world *w = *state;
    fixture_mkdirs(at(w, "cuda-12.2/lib64/stubs"));
    fixture_fake_library(at(w, "cuda-12.2/lib64/stubs/libcuda.so"), 2);
    fixture_mkdirs(at(w, "cuda-11.8/lib64"));
    fixture_mkdirs(at(w, "plain"));
    fixture_fake_library(at(w, "plain/libcudart.so.13"), 2);
    char value[8192];
    snprintf(value, sizeof value, "%s:%s", at(w, "cuda-12.2/lib64/stubs"),
             at(w, "cuda-12.2/lib64"));
    doctor_report r = run_libpath(w, value);
    assert_int_equal(fixture_count(&r, "libpath.cuda-stubs"), 1);
    assert_int_equal(fixture_count(&r, "libpath.cuda-versions"), 0);
    assert_non_null(strstr(doctor_report_find(&r, "libpath.cuda-stubs")->fix, "remove"));
    doctor_report_free(&r);

    snprintf(value, sizeof value, "%s:%s", at(w, "cuda-11.8/lib64"), at(w, "plain"));
    r = run_libpath(w, value);
    assert_int_equal(fixture_count(&r, "libpath.cuda-versions"), 1);
    const char *ev = doctor_report_find(&r, "libpath.cuda-versions")->evidence;
    assert_non_null(strstr(ev, "CUDA 11 at"));
    assert_non_null(strstr(ev, "CUDA 13 at"));
    doctor_report_free(&r);

    /* One version on the path, another in the system's cache. */
    const char *names[] = {"libcudart.so.12"};
    const char *paths[] = {"/usr/local/cuda-12.2/lib64/libcudart.so.12"};
    fixture_ld_cache(w->cache, names, paths, 1);
    r = run_libpath(w, at(w, "cuda-11.8/lib64"));
    assert_int_equal(fixture_count(&r, "libpath.cuda-versions"), 1);
    assert_non_null(strstr(doctor_report_find(&r, "libpath.cuda-versions")->evidence,
                           "loader cache"));
    doctor_report_free(&r);
}

static void ld_cache_reader_handles_bad_files(void **state)
{
    world *w = *state;
    ldcache cache;
    hml_err err;
    assert_int_equal(ldcache_load(at(w, "absent"), &cache, &err), HML_OK);
    assert_int_equal(cache.count, 0);
    fixture_write(at(w, "garbage"), "this is not a cache at all, no sir, not at all, nope");
    assert_int_equal(ldcache_load(at(w, "garbage"), &cache, &err), HML_ESYSTEM);
    assert_non_null(strstr(err.msg, "garbage"));
    /* A header that claims more entries than the file holds. */
    const char *names[] = {"liba.so.1"};
    const char *paths[] = {"/x/liba.so.1"};
    fixture_ld_cache(at(w, "short"), names, paths, 1);
    FILE *f = fopen(at(w, "short"), "r+b");
    unsigned int big = 1000000;
    fseek(f, 20, SEEK_SET);
    fwrite(&big, 4, 1, f);
    fclose(f);
    assert_int_equal(ldcache_load(at(w, "short"), &cache, &err), HML_ESYSTEM);
    /* A string offset past the end. */
    fixture_ld_cache(at(w, "offset"), names, paths, 1);
    f = fopen(at(w, "offset"), "r+b");
    unsigned int far = 999999;
    fseek(f, 48 + 4, SEEK_SET);
    fwrite(&far, 4, 1, f);
    fclose(f);
    assert_int_equal(ldcache_load(at(w, "offset"), &cache, &err), HML_ESYSTEM);
    fixture_ld_cache(at(w, "good"), names, paths, 1);
    assert_int_equal(ldcache_load(at(w, "good"), &cache, &err), HML_OK);
    assert_int_equal(cache.count, 1);
    assert_string_equal(cache.entry[0].path, "/x/liba.so.1");
    ldcache_free(&cache);
}

/* Our reader agrees with ldconfig -p on the machine's own cache. */
static void ld_cache_reader_agrees_with_ldconfig(void **state)
{
    (void)state;
    FILE *p = popen("ldconfig -p 2>/dev/null", "r");
    if (!p)
        skip();
    char line[4096], want_path[4096] = "";
    while (fgets(line, sizeof line, p)) {
        /* "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6" */
        char *arrow = strstr(line, "=> ");
        if (strstr(line, "\tlibc.so.6 ") && arrow && !want_path[0]) {
            snprintf(want_path, sizeof want_path, "%s", arrow + 3);
            want_path[strcspn(want_path, "\n")] = '\0';
        }
    }
    pclose(p);
    if (!want_path[0])
        skip();
    ldcache cache;
    hml_err err;
    assert_int_equal(ldcache_load("/etc/ld.so.cache", &cache, &err), HML_OK);
    char buf[4096];
    const char *got = ldcache_resolve(&cache, doctor_default_system_dirs, "libc.so.6", buf,
                                      sizeof buf);
    assert_non_null(got);
    assert_string_equal(got, want_path);
    ldcache_free(&cache);
}

static void versions_come_from_the_real_file_name(void **state)
{
    world *w = *state;
    fixture_fake_library(at(w, "libopenblasp-r0.3.21.so"), 2);
    assert_int_equal(symlink("libopenblasp-r0.3.21.so", at(w, "libopenblas.so.0")), 0);
    char v[64];
    ldcache_version_of(at(w, "libopenblas.so.0"), v, sizeof v);
    assert_string_equal(v, "0.3.21");
    ldcache_version_of("/nonexistent/libz.so.1.2.13", v, sizeof v);
    assert_string_equal(v, "1.2.13");
    ldcache_version_of("/nonexistent/libplain.so", v, sizeof v);
    assert_string_equal(v, "");
}

/* The libpath smell's default --libpath-dirs: directories holding another
 * build of a library the workload loads. */
static void other_builds_are_found_for_the_libpath_treatment(void **state)
{
    world *w = *state;
    fixture_mkdirs(at(w, "sys"));
    fixture_mkdirs(at(w, "alt-1"));
    fixture_mkdirs(at(w, "alt-2"));
    fixture_mkdirs(at(w, "alt-3"));
    fixture_fake_library(at(w, "sys/libcjson.so.1"), 2);
    fixture_fake_library(at(w, "sys/libnotloaded.so.4"), 2);
    fixture_fake_library(at(w, "alt-1/libcjson.so.1"), 2);    /* loaded by us: other build */
    fixture_fake_library(at(w, "alt-2/libnotloaded.so.4"), 2); /* only a command might load it */
    assert_int_equal(symlink(at(w, "sys/libcjson.so.1"), at(w, "alt-3/libcjson.so.1")), 0);
    const char *names[] = {"libcjson.so.1", "libnotloaded.so.4"};
    const char *paths[] = {at(w, "sys/libcjson.so.1"), at(w, "sys/libnotloaded.so.4")};
    fixture_ld_cache(w->cache, names, paths, 2);
    char pattern[4096];
    snprintf(pattern, sizeof pattern, "%s/alt-*", w->root);
    const char *globs[] = {pattern, pattern, NULL};

    doctor_context ctx = context(w, NULL);
    char *dirs = NULL;
    hml_err err;
    assert_int_equal(doctor_other_build_dirs(&ctx, globs, &dirs, &err), HML_OK);
    assert_string_equal(dirs, at(w, "alt-1"));
    free(dirs);

    ctx.workload.command = "python3 train.py";
    assert_int_equal(doctor_other_build_dirs(&ctx, globs, &dirs, &err), HML_OK);
    /* glob order is not promised: both, each once */
    assert_int_equal(strlen(dirs), strlen(at(w, "alt-1")) * 2 + 1);
    assert_non_null(strstr(dirs, at(w, "alt-1")));
    assert_non_null(strstr(dirs, at(w, "alt-2")));
    free(dirs);

    const char *nothing[] = {"/nonexistent/*", NULL};
    assert_int_equal(doctor_other_build_dirs(&ctx, nothing, &dirs, &err), HML_OK);
    assert_string_equal(dirs, "");
    free(dirs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(clean_paths_find_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_relative_missing_and_duplicate_entries, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(world_writable_entries_are_a_security_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(many_entries_are_a_finding_of_their_own, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_that_shadow_system_libraries_name_both_builds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(cuda_stubs_and_several_cuda_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(ld_cache_reader_handles_bad_files, setup, teardown),
        cmocka_unit_test(ld_cache_reader_agrees_with_ldconfig),
        cmocka_unit_test_setup_teardown(versions_come_from_the_real_file_name, setup, teardown),
        cmocka_unit_test_setup_teardown(other_builds_are_found_for_the_libpath_treatment, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
