/* Catches what the code under test prints on stderr, which is a file here
 * (never a terminal), so the CLI's non-tty output can be read back. */
#ifndef HMLCOST_TESTS_CLI_STDERR_CAPTURE_H
#define HMLCOST_TESTS_CLI_STDERR_CAPTURE_H

#include <stddef.h>

typedef struct stderr_capture {
    int saved_fd; /* the real stderr, put back by stderr_capture_end */
    int file_fd;  /* the temporary file stderr points at meanwhile */
} stderr_capture;

/* Points stderr at a fresh temporary file; aborts the test on failure. */
void stderr_capture_begin(stderr_capture *cap);

/* Puts stderr back and copies what was printed into text (NUL-ended, cut
 * to size - 1). */
void stderr_capture_end(stderr_capture *cap, char *text, size_t size);

#endif
