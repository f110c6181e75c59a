/* The -o file: replaced whole on commit or left as it was, never one of the
 * command's inputs, and no temporary file left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/output_file.h"

typedef struct scratch {
    char dir[64];
    char path[128]; /* dir/out.csv */
} scratch;

static int make_scratch(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    assert_non_null(s);
    strcpy(s->dir, "/tmp/hmlcost-output-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof s->path, "%s/out.csv", s->dir);
    *state = s;
    return 0;
}

static int remove_scratch(void **state)
{
    scratch *s = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    assert_int_equal(system(cmd), 0);
    free(s);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void read_file(const char *path, char *text, size_t size)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, size - 1, f);
    text[n] = '\0';
    fclose(f);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void commit_replaces_the_file_whole(void **state)
{
    scratch *s = *state;
    write_file(s->path, "old contents\n");
    output_file out;
    hml_err err;
    assert_int_equal(output_file_open(&out, s->path, NULL, &err), HML_OK);
    fputs("new\n", out.f);
    char text[64];
    read_file(s->path, text, sizeof text);
    assert_string_equal(text, "old contents\n"); /* untouched until commit */
    assert_int_equal(output_file_commit(&out, &err), HML_OK);
    read_file(s->path, text, sizeof text);
    assert_string_equal(text, "new\n");
    assert_int_equal(entries(s->dir), 1);
}

static void abort_leaves_the_old_file_and_no_temporary(void **state)
{
    scratch *s = *state;
    write_file(s->path, "keep me\n");
    output_file out;
    hml_err err;
    assert_int_equal(output_file_open(&out, s->path, NULL, &err), HML_OK);
    fputs("half a report", out.f);
    output_file_abort(&out);
    char text[64];
    read_file(s->path, text, sizeof text);
    assert_string_equal(text, "keep me\n");
    assert_int_equal(entries(s->dir), 1);
}

static void an_input_is_never_the_output(void **state)
{
    scratch *s = *state;
    write_file(s->path, "input\n");
    char alias[160];
    snprintf(alias, sizeof alias, "%s/link.csv", s->dir);
    assert_int_equal(symlink(s->path, alias), 0);
    output_file out;
    hml_err err;
    assert_int_equal(output_file_open_protecting(&out, alias, s->path, false, &err), HML_EUSAGE);
    assert_null(strchr(err.msg, '\n'));
    char text[64];
    read_file(s->path, text, sizeof text);
    assert_string_equal(text, "input\n");
    /* A store's write-ahead log is one of its inputs too. */
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    assert_int_equal(output_file_open_protecting(&out, wal, s->path, true, &err), HML_EUSAGE);
    assert_int_equal(entries(s->dir), 2);
}

static void directories_are_refused_and_devices_written_in_place(void **state)
{
    scratch *s = *state;
    output_file out;
    hml_err err;
    assert_int_equal(output_file_open(&out, s->dir, NULL, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "is a directory"));
    assert_int_equal(output_file_open(&out, "", NULL, &err), HML_EUSAGE);
    assert_int_equal(output_file_open(&out, "/dev/null", NULL, &err), HML_OK);
    assert_null(out.tmp);
    fputs("discarded\n", out.f);
    assert_int_equal(output_file_commit(&out, &err), HML_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(commit_replaces_the_file_whole, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(abort_leaves_the_old_file_and_no_temporary, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(an_input_is_never_the_output, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(directories_are_refused_and_devices_written_in_place,
                                        make_scratch, remove_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
