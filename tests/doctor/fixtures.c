#include "fixtures.h"

#include <elf.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

char *fixture_tempdir(void)
{
    const char *tmp = getenv("TMPDIR");
    char templ[4096];
    snprintf(templ, sizeof templ, "%s/hmlcost-doctor-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    char *dir = mkdtemp(templ);
    assert_non_null(dir);
    return strdup(dir);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fixture_rmrf(const char *path) { nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

void fixture_mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

void fixture_write(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

void fixture_fake_library(const char *path, int elf_class)
{
    unsigned char header[64] = {0};
    memcpy(header, ELFMAG, SELFMAG);
    header[EI_CLASS] = elf_class == 1 ? ELFCLASS32 : ELFCLASS64;
    header[EI_DATA] = ELFDATA2LSB;
    header[EI_VERSION] = EV_CURRENT;
    uint16_t type = ET_DYN;
#if defined(__x86_64__)
    uint16_t machine = elf_class == 1 ? EM_386 : EM_X86_64;
#else
    uint16_t machine = elf_class == 1 ? EM_ARM : EM_AARCH64;
#endif
    memcpy(header + EI_NIDENT, &type, 2);
    memcpy(header + EI_NIDENT + 2, &machine, 2);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(header, 1, sizeof header, f), sizeof header);
    fclose(f);
}

void fixture_ld_cache(const char *file, const char *const *names, const char *const *paths,
                      size_t count)
{
    /* Header (48 bytes), count entries of 24 bytes, then the strings; the
     * offsets count from the header's start (glibc elf/cache.h). */
    size_t strings = 48 + 24 * count, len = 0;
    for (size_t i = 0; i < count; i++)
        len += strlen(names[i]) + 1 + strlen(paths[i]) + 1;
    unsigned char *data = calloc(1, strings + len);
    assert_non_null(data);
    memcpy(data, "glibc-ld.so.cache1.1", 20);
    uint32_t n = (uint32_t)count, slen = (uint32_t)len;
    memcpy(data + 20, &n, 4);
    memcpy(data + 24, &slen, 4);
    size_t at = strings;
    for (size_t i = 0; i < count; i++) {
#if defined(__x86_64__)
        int32_t flags = 0x0303;
#else
        int32_t flags = 0x0a03;
#endif
        uint32_t key = (uint32_t)at;
        strcpy((char *)data + at, names[i]);
        at += strlen(names[i]) + 1;
        uint32_t value = (uint32_t)at;
        strcpy((char *)data + at, paths[i]);
        at += strlen(paths[i]) + 1;
        unsigned char *e = data + 48 + 24 * i;
        memcpy(e, &flags, 4);
        memcpy(e + 4, &key, 4);
        memcpy(e + 8, &value, 4);
    }
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, strings + len, f), strings + len);
    fclose(f);
    free(data);
}

doctor_context fixture_context(char *const *env, const char *ld_cache)
{
    doctor_context ctx = {
        .env = env,
        .ld_cache = ld_cache ? ld_cache : "/nonexistent/ld.so.cache",
        .system_dirs = doctor_default_system_dirs,
        .blas_names = NULL,
    };
    ctx.workload.batch = 64;
    ctx.workload.model_builds = 1;
    ctx.workload.device = "cpu";
    ctx.host.logical_cpus = 2;
    ctx.host.allowed_cpus = 2;
    ctx.host.allowed_cores = 2;
    ctx.host.mem_available = 24ULL << 30;
    ctx.host.l3_bytes = 32ULL << 20;
    return ctx;
}

void fixture_host(doctor_context *ctx, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/hosts/%s", HMLCOST_TEST_SOURCE_DIR, file);
    hml_err err = {0};
    if (host_load_file(path, &ctx->host, &err) != HML_OK)
        fail_msg("%s: %s", file, err.msg);
}

doctor_report fixture_run(hml_status (*check)(const doctor_context *, doctor_report *, hml_err *),
                          const doctor_context *ctx)
{
    doctor_report report = {0};
    hml_err err = {0};
    assert_int_equal(check(ctx, &report, &err), HML_OK);
    for (size_t i = 0; i < report.count; i++) {
        /* Every finding explains itself. */
        assert_true(strlen(report.finding[i].summary) > 0);
        assert_true(strlen(report.finding[i].evidence) > 0);
        assert_true(strlen(report.finding[i].fix) > 0);
        assert_null(strchr(report.finding[i].summary, '\n'));
    }
    return report;
}

size_t fixture_count(const doctor_report *report, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < report->count; i++)
        n += strcmp(report->finding[i].id, id) == 0;
    return n;
}
