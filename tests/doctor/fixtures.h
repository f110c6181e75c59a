/* Crafted environments for the doctor's tests: temporary directories,
 * fake shared objects (an ELF header is all the checks read), a loader
 * cache written in glibc's format, and contexts with a chosen host. */
#ifndef HMLCOST_TESTS_DOCTOR_FIXTURES_H
#define HMLCOST_TESTS_DOCTOR_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>

#include "doctor/doctor.h"

/* A fresh directory under $TMPDIR (mode 0700); remove it with fixture_rmrf. */
char *fixture_tempdir(void);
void fixture_rmrf(const char *path);
/* mkdir -p */
void fixture_mkdirs(const char *path);
/* A file holding the header of a 64-bit shared object for this machine
 * (elf_class 1: a 32-bit one, which the loader skips). */
void fixture_fake_library(const char *path, int elf_class);
void fixture_write(const char *path, const char *content);
/* A loader cache (glibc-ld.so.cache1.1) mapping names[i] to paths[i]. */
void fixture_ld_cache(const char *file, const char *const *names, const char *const *paths,
                      size_t count);

/* A context on a 2-CPU host with 24 GiB free and a 32 MiB L3, the given
 * environment (NULL-terminated), hmlcost train's defaults, no BLAS probe. */
doctor_context fixture_context(char *const *env, const char *ld_cache);

/* Puts the described host tests/hosts/<file> in ctx. */
void fixture_host(doctor_context *ctx, const char *file);

/* Runs one check and returns its findings (the caller frees them). */
doctor_report fixture_run(hml_status (*check)(const doctor_context *, doctor_report *, hml_err *),
                          const doctor_context *ctx);
/* How many findings have this id. */
size_t fixture_count(const doctor_report *report, const char *id);

#endif
