/* A stand-in for libcublasLt.so.13: cublasLtGetVersion answers
 * FAKE_CUBLASLT_VERSION (major*10000 + minor*100 + patch). */
#include <stddef.h>

#ifndef FAKE_CUBLASLT_VERSION
#define FAKE_CUBLASLT_VERSION 130000
#endif

size_t cublasLtGetVersion(void);
size_t cublasLtGetVersion(void) { return FAKE_CUBLASLT_VERSION; }
