/* Writing to a file descriptor without losing bytes (common/fd_write.h):
 * everything arrives over a pipe smaller than the text, and a write that
 * fails gives its errno. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fd_write.h"

/* 1 MiB through a pipe (64 KiB by default): write returns short counts. */
static void every_byte_arrives(void **state)
{
    (void)state;
    enum { SIZE = 1 << 20 };
    char *text = malloc(SIZE);
    assert_non_null(text);
    for (size_t i = 0; i < SIZE; i++)
        text[i] = (char)('a' + i % 26);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(fd_write_all(fds[1], text, SIZE) == 0 ? 0 : 1);
    }
    close(fds[1]);
    char *got = malloc(SIZE);
    assert_non_null(got);
    size_t len = 0;
    ssize_t n;
    while ((n = read(fds[0], got + len, SIZE - len)) > 0)
        len += (size_t)n;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(len, SIZE);
    assert_memory_equal(got, text, SIZE);
    free(got);
    free(text);
}

static void a_failed_write_gives_its_errno(void **state)
{
    (void)state;
    assert_int_equal(fd_write_all(-1, "x", 1), EBADF);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(fd_write_all(fds[1], "x", 1), EPIPE);
    close(fds[1]);
    assert_int_equal(fd_write_all(-1, "", 0), 0); /* nothing to write */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_byte_arrives),
        cmocka_unit_test(a_failed_write_gives_its_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
