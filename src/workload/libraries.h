/* The shared objects this process actually loaded, from its own link map
 * (dl_iterate_phdr): where each resolved and which version it is. */
#ifndef HMLCOST_WORKLOAD_LIBRARIES_H
#define HMLCOST_WORKLOAD_LIBRARIES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "workload/workload.h"

/* Fills *out (malloc'ed, *count entries): name = the file name as loaded
 * (soname), path = its real path, version = from the real path's suffix
 * after ".so." (libgomp.so.1.0.0 -> 1.0.0), from the library itself where it
 * says (oneDNN's dnnl_version, glibc's gnu_get_libc_version), else "". The
 * executable and the vDSO are left out. */
hml_status libraries_loaded(workload_library **out, size_t *count, hml_err *err);

/* True when one of libs (count of them) has that name ("libdnnl.so.2"). */
bool libraries_contains(const workload_library *libs, size_t count, const char *name);

/* Version from a file name: the part after the last ".so." ("" if none). */
void libraries_version_from_name(const char *file, char *out, size_t size);

#endif
