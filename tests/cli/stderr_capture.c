/* Catches stderr in a temporary file: dup2 over descriptor 2, flushing the
 * FILE buffer on both sides so no line lands on the wrong side. */
#include "cli/stderr_capture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void stderr_capture_begin(stderr_capture *cap)
{
    char path[] = "/tmp/hmlcost-stderr-XXXXXX";
    cap->file_fd = mkstemp(path);
    assert_true(cap->file_fd >= 0);
    unlink(path);
    fflush(stderr);
    cap->saved_fd = dup(STDERR_FILENO);
    assert_true(cap->saved_fd >= 0);
    assert_int_equal(dup2(cap->file_fd, STDERR_FILENO), STDERR_FILENO);
}

void stderr_capture_end(stderr_capture *cap, char *text, size_t size)
{
    fflush(stderr);
    assert_int_equal(dup2(cap->saved_fd, STDERR_FILENO), STDERR_FILENO);
    close(cap->saved_fd);
    size_t used = 0;
    ssize_t n;
    while (used + 1 < size &&
           (n = pread(cap->file_fd, text + used, size - 1 - used, (off_t)used)) > 0)
        used += (size_t)n;
    text[used] = '\0';
    close(cap->file_fd);
}
