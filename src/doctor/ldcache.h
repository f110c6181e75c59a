/* Where the dynamic loader finds a library: glibc's ld.so.cache (the file
 * ldconfig writes; new format "glibc-ld.so.cache1.1"), the default system
 * directories, and LD_LIBRARY_PATH ahead of both. Used to tell which
 * library an LD_LIBRARY_PATH entry shadows, and which build a name
 * resolves to. */
#ifndef HMLCOST_DOCTOR_LDCACHE_H
#define HMLCOST_DOCTOR_LDCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct ldcache_entry {
    char *name; /* "libblas.so.3" */
    char *path; /* "/lib/x86_64-linux-gnu/libblas.so.3" */
} ldcache_entry;

typedef struct ldcache {
    ldcache_entry *entry; /* in the cache's order (the loader takes the first match) */
    size_t count;
} ldcache;

/* Reads the cache at path, keeping the entries for this platform's ABI.
 * A missing file gives an empty cache; a malformed one an HML_ESYSTEM
 * error naming the path. */
hml_status ldcache_load(const char *path, ldcache *cache, hml_err *err);
void ldcache_free(ldcache *cache);

/* The path the loader would use for name without LD_LIBRARY_PATH: the
 * cache's first entry, else the first system directory holding a loadable
 * file by that name. NULL when neither has it; the result points into the
 * cache or into buf. */
const char *ldcache_resolve(const ldcache *cache, const char *const *system_dirs,
                            const char *name, char *buf, size_t size);

/* The path the loader would use for name in a process whose
 * LD_LIBRARY_PATH is ld_library_path (NULL: unset): the first of its entries
 * (split at ':' and ';', as glibc does) holding a loadable file by that name,
 * else ldcache_resolve. The result points into the cache or into buf. */
const char *ldcache_resolve_with_path(const char *ld_library_path, const ldcache *cache,
                                      const char *const *system_dirs, const char *name,
                                      char *buf, size_t size);

/* True when both paths exist and are the same file (device and inode). */
bool ldcache_same_file(const char *a, const char *b);

/* True when path is an ELF shared object the loader of this process could
 * load: same class (64/32-bit), byte order and machine. */
bool ldcache_is_loadable_elf(const char *path);

/* The version a library file announces in its real name: the part after
 * ".so." of the file the path resolves to ("3.11.0" for libblas.so.3 ->
 * libblas.so.3.11.0), or the path's own suffix; "" when it has none. */
void ldcache_version_of(const char *path, char *buf, size_t size);

#endif
