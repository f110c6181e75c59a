#include "doctor/ldcache.h"

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* glibc's cache layout (elf/cache.h): a header, nlibs fixed-size entries,
 * then the string table; key and value are offsets from the header. */
#define CACHE_MAGIC_NEW "glibc-ld.so.cache"
#define CACHE_VERSION_NEW "1.1"
#define CACHE_MAGIC_OLD "ld.so-1.7.0"

typedef struct cache_header_new {
    char magic[sizeof CACHE_MAGIC_NEW - 1];
    char version[sizeof CACHE_VERSION_NEW - 1];
    uint32_t nlibs;
    uint32_t len_strings;
    uint8_t flags;
    uint8_t padding[3];
    uint32_t extension_offset;
    uint32_t unused[3];
} cache_header_new;

typedef struct cache_entry_new {
    int32_t flags;
    uint32_t key, value;
    uint32_t osversion;
    uint64_t hwcap;
} cache_entry_new;

/* The ABI bits of an entry's flags (FLAG_REQUIRED_MASK) for this build. */
#define CACHE_FLAG_ELF_LIBC6 0x0003
#define CACHE_FLAG_REQUIRED_MASK 0xff00
#if defined(__x86_64__) && defined(__LP64__)
#define CACHE_FLAG_THIS_ABI 0x0300
#elif defined(__aarch64__)
#define CACHE_FLAG_THIS_ABI 0x0a00
#else
#define CACHE_FLAG_THIS_ABI -1 /* unknown here: accept any */
#endif

static bool entry_matches_abi(int32_t flags)
{
    if ((flags & 0xff) != CACHE_FLAG_ELF_LIBC6)
        return false;
#if CACHE_FLAG_THIS_ABI == -1
    return true;
#else
    return (flags & CACHE_FLAG_REQUIRED_MASK) == CACHE_FLAG_THIS_ABI;
#endif
}

void ldcache_free(ldcache *cache)
{
    for (size_t i = 0; i < cache->count; i++) {
        free(cache->entry[i].name);
        free(cache->entry[i].path);
    }
    free(cache->entry);
    cache->entry = NULL;
    cache->count = 0;
}

static hml_status malformed(const char *path, const char *why, hml_err *err)
{
    return hml_fail(err, HML_ESYSTEM, "%s: not a loader cache this version reads (%s)", path, why);
}

/* A NUL-terminated string at offset off of data[0..size), or NULL. */
static const char *string_at(const unsigned char *data, size_t size, size_t off)
{
    if (off >= size || !memchr(data + off, '\0', size - off))
        return NULL;
    return (const char *)data + off;
}

hml_status ldcache_load(const char *path, ldcache *cache, hml_err *err)
{
    cache->entry = NULL;
    cache->count = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? HML_OK
                               : hml_fail(err, HML_ESYSTEM, "%s: %s", path, strerror(errno));
    unsigned char *data = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size == cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > (64u << 20)) {
                free(data);
                fclose(f);
                return malformed(path, "larger than 64 MiB", err);
            }
            unsigned char *grown = realloc(data, cap);
            if (!grown) {
                free(data);
                fclose(f);
                return hml_fail(err, HML_ESYSTEM, "%s: out of memory", path);
            }
            data = grown;
        }
        size_t n = fread(data + size, 1, cap - size, f);
        size += n;
        if (n == 0)
            break;
    }
    fclose(f);

    /* An old-format part may come first; the new header follows it, aligned. */
    size_t start = 0;
    if (size >= sizeof CACHE_MAGIC_OLD - 1 + 4 &&
        memcmp(data, CACHE_MAGIC_OLD, sizeof CACHE_MAGIC_OLD - 1) == 0) {
        uint32_t nold;
        memcpy(&nold, data + sizeof CACHE_MAGIC_OLD - 1, 4);
        start = sizeof CACHE_MAGIC_OLD - 1 + 4 + (size_t)nold * 12;
        start = (start + 7) & ~(size_t)7;
    }
    cache_header_new h;
    if (start > size || size - start < sizeof h) {
        free(data);
        return malformed(path, "too short", err);
    }
    memcpy(&h, data + start, sizeof h);
    if (memcmp(h.magic, CACHE_MAGIC_NEW, sizeof h.magic) != 0 ||
        memcmp(h.version, CACHE_VERSION_NEW, sizeof h.version) != 0) {
        free(data);
        return malformed(path, "no glibc-ld.so.cache1.1 header", err);
    }
    const unsigned char *base = data + start;
    size_t avail = size - start;
    if (h.nlibs > (avail - sizeof h) / sizeof(cache_entry_new)) {
        free(data);
        return malformed(path, "entry count beyond the end of the file", err);
    }
    cache->entry = calloc(h.nlibs ? h.nlibs : 1, sizeof *cache->entry);
    if (!cache->entry) {
        free(data);
        return hml_fail(err, HML_ESYSTEM, "%s: out of memory", path);
    }
    for (uint32_t i = 0; i < h.nlibs; i++) {
        cache_entry_new e;
        memcpy(&e, base + sizeof h + (size_t)i * sizeof e, sizeof e);
        if (!entry_matches_abi(e.flags) || e.hwcap != 0)
            continue;
        const char *key = string_at(base, avail, e.key);
        const char *value = string_at(base, avail, e.value);
        if (!key || !value) {
            free(data);
            ldcache_free(cache);
            return malformed(path, "string offset beyond the end of the file", err);
        }
        ldcache_entry *out = &cache->entry[cache->count];
        out->name = strdup(key);
        out->path = strdup(value);
        if (!out->name || !out->path) {
            free(out->name);
            free(out->path);
            free(data);
            ldcache_free(cache);
            return hml_fail(err, HML_ESYSTEM, "%s: out of memory", path);
        }
        cache->count++;
    }
    free(data);
    return HML_OK;
}

bool ldcache_is_loadable_elf(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char ident[EI_NIDENT + 4];
    size_t n = fread(ident, 1, sizeof ident, f);
    fclose(f);
    if (n < sizeof ident || memcmp(ident, ELFMAG, SELFMAG) != 0)
        return false;
#if __SIZEOF_POINTER__ == 8
    const unsigned char want_class = ELFCLASS64;
#else
    const unsigned char want_class = ELFCLASS32;
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const unsigned char want_data = ELFDATA2LSB;
#else
    const unsigned char want_data = ELFDATA2MSB;
#endif
#if defined(__x86_64__)
    const uint16_t want_machine = EM_X86_64;
#elif defined(__aarch64__)
    const uint16_t want_machine = EM_AARCH64;
#else
    const uint16_t want_machine = 0;
#endif
    if (ident[EI_CLASS] != want_class || ident[EI_DATA] != want_data)
        return false;
    uint16_t type, machine;
    memcpy(&type, ident + EI_NIDENT, 2);
    memcpy(&machine, ident + EI_NIDENT + 2, 2);
    return type == ET_DYN && (want_machine == 0 || machine == want_machine);
}

const char *ldcache_resolve(const ldcache *cache, const char *const *system_dirs,
                            const char *name, char *buf, size_t size)
{
    for (size_t i = 0; i < cache->count; i++)
        if (strcmp(cache->entry[i].name, name) == 0)
            return cache->entry[i].path;
    for (size_t i = 0; system_dirs && system_dirs[i]; i++) {
        snprintf(buf, size, "%s/%s", system_dirs[i], name);
        if (ldcache_is_loadable_elf(buf))
            return buf;
    }
    return NULL;
}

const char *ldcache_resolve_with_path(const char *ld_library_path, const ldcache *cache,
                                      const char *const *system_dirs, const char *name,
                                      char *buf, size_t size)
{
    for (const char *path = ld_library_path; path && *path;) {
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
    return ldcache_resolve(cache, system_dirs, name, buf, size);
}

bool ldcache_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

void ldcache_version_of(const char *path, char *buf, size_t size)
{
    char real[PATH_MAX];
    const char *p = realpath(path, real) ? real : path;
    const char *slash = strrchr(p, '/');
    const char *base = slash ? slash + 1 : p;
    const char *so = strstr(base, ".so.");
    if (so) {
        snprintf(buf, size, "%s", so + 4);
        return;
    }
    /* "libopenblasp-r0.3.21.so": the version sits before ".so". */
    so = strstr(base, ".so");
    const char *start = so;
    while (start && start > base && (start[-1] == '.' || (start[-1] >= '0' && start[-1] <= '9')))
        start--;
    if (so && start < so && start > base && (start[-1] == '-' || start[-1] == 'r') &&
        start[0] >= '0' && start[0] <= '9')
        snprintf(buf, size, "%.*s", (int)(so - start), start);
    else
        snprintf(buf, size, "%s", "");
}
