/* The lint room's shared parts (lint/lint_internal.h, lint/python_rules.h):
 * findings sorted by place with repeats dropped, notes, reading a source file
 * within the limits, the thread variables, what is wrong with an
 * LD_LIBRARY_PATH value, and every way a Python file writes an environment
 * variable lint knows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lint/lint_internal.h"
#include "lint/python_rules.h"

static void findings_sort_by_place_and_repeats_go(void **state)
{
    (void)state;
    lint_result r = {0};
    struct {
        const char *path;
        lint_rule_id rule;
        unsigned line, col;
    } add[] = {{"b.py", LINT_LIBPATH, 3, 1},     {"a.py", LINT_PARALLELISM, 10, 2},
               {"a.py", LINT_PARALLELISM, 2, 9}, {"a.py", LINT_PARALLELISM, 10, 2},
               {"a.py", LINT_LIBPATH, 2, 9},     {"a.py", LINT_PARALLELISM, 2, 3}};
    for (size_t i = 0; i < sizeof add / sizeof *add; i++) {
        lint_finding *f = lint_result_add(&r, add[i].rule, add[i].path, LINT_LANG_PYTHON,
                                          add[i].line, add[i].col, add[i].line, add[i].col + 1);
        assert_non_null(f);
        assert_null(f->what);
        assert_true(lint_set_text(&f->what, "finding %zu", i));
        assert_true(lint_set_text(&f->what, "finding %zu at %u", i, add[i].line)); /* replaced */
    }
    lint_result_sort(&r);
    assert_int_equal(r.count, 5); /* a.py:10:2 twice with one rule */
    const char *order[] = {"a.py:2:3", "a.py:2:9", "a.py:2:9", "a.py:10:2", "b.py:3:1"};
    for (size_t i = 0; i < r.count; i++) {
        char place[32];
        snprintf(place, sizeof place, "%s:%u:%u", r.finding[i].path, r.finding[i].line,
                 r.finding[i].col);
        assert_string_equal(place, order[i]);
    }
    assert_true(r.finding[1].rule < r.finding[2].rule); /* same place: by rule */
    assert_string_equal(r.finding[4].what, "finding 0 at 3");

    assert_true(lint_result_note(&r, "x.bin", true, "not a Python file, %s", "skipped"));
    assert_int_equal(r.note_count, 1);
    assert_string_equal(r.note[0].path, "x.bin");
    assert_string_equal(r.note[0].text, "not a Python file, skipped");
    assert_true(r.note[0].skipped);
    lint_result_free(&r);
    assert_int_equal(r.count, 0);
}

static void sources_are_read_within_the_limits(void **state)
{
    (void)state;
    char dir[] = "/tmp/hmlcost-lint-parts-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/train.py", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("import os\n", f);
    fclose(f);
    char *text = NULL;
    size_t len = 0;
    char why[160];
    assert_int_equal(lint_read_source(path, &text, &len, why, sizeof why), HML_OK);
    assert_int_equal(len, 10);
    assert_string_equal(text, "import os\n");
    free(text);

    assert_int_equal(lint_read_source(dir, &text, &len, why, sizeof why), HML_EUSAGE);
    assert_string_equal(why, "not a regular file, skipped");
    assert_null(text);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none.py", dir);
    assert_int_equal(lint_read_source(missing, &text, &len, why, sizeof why), HML_EUSAGE);
    assert_string_equal(why, "cannot read: No such file or directory");

    /* Above the limit: refused before anything is read (a sparse file). */
    snprintf(path, sizeof path, "%s/huge.py", dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, LINT_MAX_FILE_BYTES + 1), 0);
    close(fd);
    assert_int_equal(lint_read_source(path, &text, &len, why, sizeof why), HML_EUSAGE);
    assert_non_null(strstr(why, "above the 8 MiB lint reads, skipped"));
    assert_null(text);
    unlink(path);
    snprintf(path, sizeof path, "%s/train.py", dir);
    unlink(path);
    rmdir(dir);
}

static void thread_variables_are_known_by_exact_name(void **state)
{
    (void)state;
    assert_true(lint_is_thread_variable("OMP_NUM_THREADS"));
    assert_true(lint_is_thread_variable("MKL_NUM_THREADS"));
    assert_true(lint_is_thread_variable("OPENBLAS_NUM_THREADS"));
    assert_false(lint_is_thread_variable("omp_num_threads"));
    assert_false(lint_is_thread_variable("OMP_NUM_THREADS_X"));
    assert_false(lint_is_thread_variable("LD_LIBRARY_PATH"));
    assert_false(lint_is_thread_variable(""));
}

static void library_path_entries_say_what_is_wrong(void **state)
{
    (void)state;
    char buf[1024];
    lint_libpath_entries("/", buf, sizeof buf);
    assert_string_equal(buf, "");
    lint_libpath_entries("/:$CUDA_HOME/lib:{prefix}/lib", buf, sizeof buf);
    assert_string_equal(buf, ""); /* dynamic entries are only known when it runs */
    lint_libpath_entries("lib", buf, sizeof buf);
    assert_non_null(strstr(buf, "'lib' is relative"));
    lint_libpath_entries("/:", buf, sizeof buf);
    assert_non_null(strstr(buf, "an empty entry (the current directory)"));
    lint_libpath_entries("/usr/local/cuda/lib64/stubs", buf, sizeof buf);
    assert_non_null(strstr(buf, "CUDA stubs directory"));
    lint_libpath_entries("/nonexistent-hmlcost-dir/lib", buf, sizeof buf);
    assert_non_null(strstr(buf, "'/nonexistent-hmlcost-dir/lib' does not exist"));
    lint_libpath_entries("lib:/nonexistent-hmlcost-dir", buf, sizeof buf);
    assert_non_null(strstr(buf, "relative"));
    assert_non_null(strstr(buf, "does not exist"));
}

typedef struct writes {
    char name[8][64];
    unsigned line[8];
    char value[8][64];
    size_t n;
} writes;

static void record(py_lint *c, const char *name, TSNode value, TSNode at, void *ctx)
{
    writes *w = ctx;
    if (w->n == 8)
        return;
    snprintf(w->name[w->n], sizeof w->name[w->n], "%s", name);
    w->line[w->n] = py_line(at);
    py_text(&c->f, value, w->value[w->n], sizeof w->value[w->n]);
    w->n++;
}

static void every_way_of_writing_the_environment_is_seen(void **state)
{
    (void)state;
    static const char src[] = "import os, subprocess\n"
                              "os.environ[\"OMP_NUM_THREADS\"] = \"4\"\n"
                              "os.environ.update(MKL_NUM_THREADS=\"2\", OTHER=\"x\")\n"
                              "os.environ.setdefault(\"LD_LIBRARY_PATH\", \"/opt/lib\")\n"
                              "os.putenv(\"OPENBLAS_NUM_THREADS\", \"1\")\n"
                              "env = dict(os.environ, OMP_NUM_THREADS=\"8\")\n"
                              "subprocess.run(cmd, env={\"LD_LIBRARY_PATH\": \"lib\"})\n"
                              "env[\"NOT_KNOWN\"] = \"1\"\n"
                              "os.environ[\"PATH\"] = \"/bin\"\n";
    py_lint c = {.ok = true};
    assert_true(py_file_open(&c.f, "env.py", src, strlen(src)));
    writes w = {0};
    py_env_writes(&c, record, &w);
    const char *names[] = {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "LD_LIBRARY_PATH",
                           "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "LD_LIBRARY_PATH"};
    const char *values[] = {"\"4\"", "\"2\"", "\"/opt/lib\"", "\"1\"", "\"8\"", "\"lib\""};
    assert_int_equal(w.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(w.name[i], names[i]);
        assert_string_equal(w.value[i], values[i]);
        assert_int_equal(w.line[i], i + 2);
    }
    py_file_close(&c.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(findings_sort_by_place_and_repeats_go),
        cmocka_unit_test(sources_are_read_within_the_limits),
        cmocka_unit_test(thread_variables_are_known_by_exact_name),
        cmocka_unit_test(library_path_entries_say_what_is_wrong),
        cmocka_unit_test(every_way_of_writing_the_environment_is_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
