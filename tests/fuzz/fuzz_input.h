/* Helpers shared by the fuzz harnesses: parsers that read a path get the
 * fuzzer's bytes through a private temporary file. */
#ifndef HMLCOST_FUZZ_INPUT_H
#define HMLCOST_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every harness defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to this process's temporary file (its name ends in suffix,
 * e.g. ".csv", since some readers look at it) and returns the path; the same
 * path is reused for every input. Aborts when the file cannot be written:
 * a harness that tests nothing must not look like a passing one. */
const char *fuzz_input_file(const uint8_t *data, size_t size, const char *suffix);

/* The bytes as a NUL-terminated string (cut at a NUL inside, as C
 * readers would see them); the caller frees it. NULL when out of memory. */
char *fuzz_input_string(const uint8_t *data, size_t size);

/* Removes the temporary file (registered with atexit on first use). */
void fuzz_input_cleanup(void);

#endif
