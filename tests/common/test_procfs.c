/* Small /proc files (common/procfs.h): /proc/<pid>/stat lines with fields
 * counted from the command name's last ')', whatever the name holds; a file
 * read in one go, cut to the buffer and read anew when rewritten, a failure
 * giving its errno with an empty buffer; the memory available. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"

/* proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt
 * cminflt majflt cmajflt utime stime cutime cstime priority nice
 * num_threads itrealvalue starttime vsize rss ... */
#define AFTER_COMM                                                                         \
    " S 17 4242 4242 0 -1 4194560 100 0 0 0 5 3 1 2 20 0 1 0 123456 9999 321 "               \
    "18446744073709551615\n"

static void the_start_time_is_field_22(void **state)
{
    (void)state;
    assert_int_equal(procfs_stat_start_ticks("4242 (python3)" AFTER_COMM), 123456);
}

static void a_command_name_with_spaces_and_parentheses_is_skipped_whole(void **state)
{
    (void)state;
    /* a name can be set to anything (prctl PR_SET_NAME, a file's name) */
    static const char *const names[] = {"(a b)", "(x) 1 2 3)", "( ) ( ) )", "()", "(S 9 9 9 9 ))"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char line[512];
        snprintf(line, sizeof line, "4242 (%s)%s", names[i], AFTER_COMM);
        assert_int_equal(procfs_stat_start_ticks(line), 123456);
        long long f[21];
        assert_true(procfs_stat_fields(line, f, 21));
        assert_int_equal(f[0], 17);            /* ppid */
        assert_int_equal(f[1], 4242);          /* pgrp */
        assert_int_equal(f[4], -1);            /* tpgid */
        assert_int_equal(f[10] + f[11], 8);    /* utime + stime */
        assert_int_equal(f[12] + f[13], 3);    /* cutime + cstime */
        assert_int_equal(f[20], 321);          /* rss */
    }
}

static void what_is_not_a_stat_line_gives_nothing(void **state)
{
    (void)state;
    long long f[21];
    assert_int_equal(procfs_stat_start_ticks(""), -1);
    assert_int_equal(procfs_stat_start_ticks("4242 python3" AFTER_COMM), -1); /* no ')' */
    assert_int_equal(procfs_stat_start_ticks("4242 (python3)"), -1);
    assert_int_equal(procfs_stat_start_ticks("4242 (python3)S 17 4242"), -1);
    /* cut short before field 22 */
    assert_int_equal(procfs_stat_start_ticks("4242 (p) S 17 4242 4242 0 -1 4194560 100 0 0 0 5 3 "
                                             "1 2 20 0 1 0"), -1);
    assert_false(procfs_stat_fields("4242 (p) S 17 x 4242", f, 3));
    assert_true(procfs_stat_fields("4242 (p) S 17 5 4242", f, 3));
    assert_false(procfs_stat_fields("4242 (p) S 17 5 4242", f, 4));
}

static void this_process_reads_as_itself(void **state)
{
    (void)state;
    char buf[1024];
    assert_int_equal(procfs_read("/proc/self/stat", buf, sizeof buf), 0);
    long long f[2];
    assert_true(procfs_stat_fields(buf, f, 2));
    assert_int_equal(f[0], getppid());
    assert_int_equal(f[1], getpgrp());
    assert_true(procfs_stat_start_ticks(buf) > 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void a_file_is_read_whole_or_cut_to_the_buffer(void **state)
{
    (void)state;
    char path[] = "/tmp/hmlcost-procfs-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "123456 789\n");
    char buf[64];
    assert_int_equal(procfs_read(path, buf, sizeof buf), 0);
    assert_string_equal(buf, "123456 789\n");
    char small[5];
    assert_int_equal(procfs_read(path, small, sizeof small), 0);
    assert_string_equal(small, "1234");
    /* Rewritten: the new text, not a cached one. */
    write_file(path, "7\n");
    assert_int_equal(procfs_read(path, buf, sizeof buf), 0);
    assert_string_equal(buf, "7\n");
    unlink(path);

    strcpy(buf, "stale");
    assert_int_equal(procfs_read(path, buf, sizeof buf), ENOENT);
    assert_string_equal(buf, "");
    assert_int_equal(procfs_read("/tmp", buf, sizeof buf), EISDIR);
    assert_string_equal(buf, "");
    assert_int_equal(procfs_read(path, buf, 0), EINVAL);
}

static void available_memory_is_within_the_total(void **state)
{
    (void)state;
    char text[4096];
    if (procfs_read("/proc/meminfo", text, sizeof text) != 0)
        skip();
    const char *total = strstr(text, "MemTotal:");
    assert_non_null(total);
    unsigned long long total_kib = strtoull(total + 9, NULL, 10);
    unsigned long long avail = procfs_mem_available();
    assert_true(avail > 0);
    assert_int_equal(avail % 1024, 0);
    assert_true(avail <= total_kib * 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_start_time_is_field_22),
        cmocka_unit_test(a_command_name_with_spaces_and_parentheses_is_skipped_whole),
        cmocka_unit_test(what_is_not_a_stat_line_gives_nothing),
        cmocka_unit_test(this_process_reads_as_itself),
        cmocka_unit_test(a_file_is_read_whole_or_cut_to_the_buffer),
        cmocka_unit_test(available_memory_is_within_the_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
