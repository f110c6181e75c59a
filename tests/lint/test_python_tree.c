/* A Python file as the lint rules see it (lint/python_tree.h) and values
 * followed to numbers (lint/resolve.h): assignments, argparse arguments and
 * model classes collected; call names, arguments and string shapes read;
 * literals, names, parameter defaults, argparse defaults, arithmetic and
 * the CPU count followed, and what stops a value said. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/python_tree.h"
#include "lint/resolve.h"

static const char source[] =
    "import argparse, os, torch\n"                                            /* 1 */
    "BATCH = 64\n"                                                            /* 2 */
    "SCALE = 4\n"                                                             /* 3 */
    "parser = argparse.ArgumentParser()\n"                                    /* 4 */
    "parser.add_argument(\"--batch-size\", type=int, default=BATCH * 2)\n"    /* 5 */
    "args = parser.parse_args()\n"                                            /* 6 */
    "a = BATCH * SCALE\n"                                                     /* 7 */
    "b = args.batch_size\n"                                                   /* 8 */
    "c = os.cpu_count() // 2\n"                                               /* 9 */
    "d = int(\"32\")\n"                                                       /* 10 */
    "e = os.environ[\"WORKERS\"]\n"                                           /* 11 */
    "path = f\"/opt/{name}/lib\" \":/usr/lib\"\n"                             /* 12 */
    "class Net(nn.Module):\n"                                                 /* 13 */
    "    pass\n"                                                              /* 14 */
    "class Deeper(Net):\n"                                                    /* 15 */
    "    pass\n"                                                              /* 16 */
    "def train(n=16):\n"                                                      /* 17 */
    "    torch.set_num_threads(n)\n";                                         /* 18 */

static int open_file(void **state)
{
    py_file *f = calloc(1, sizeof *f);
    if (!f || !py_file_open(f, "train.py", source, strlen(source)))
        return -1;
    *state = f;
    return 0;
}

static int close_file(void **state)
{
    py_file_close(*state);
    free(*state);
    return 0;
}

static TSNode assigned(const py_file *f, const char *name)
{
    for (size_t i = 0; i < f->assign_count; i++)
        if (strcmp(f->assign[i].name, name) == 0)
            return f->assign[i].value;
    fail_msg("no assignment to %s", name);
    TSNode none = {0};
    return none;
}

static void the_files_facts_are_collected(void **state)
{
    py_file *f = *state;
    char text[128];
    py_text(f, assigned(f, "a"), text, sizeof text);
    assert_string_equal(text, "BATCH * SCALE");
    assert_int_equal(py_line(assigned(f, "BATCH")), 2);
    assert_int_equal(py_col(assigned(f, "BATCH")), 9);
    assert_true(py_is(assigned(f, "BATCH"), "integer"));
    assert_true(py_text_eq(f, assigned(f, "SCALE"), "4"));
    assert_false(py_text_eq(f, assigned(f, "SCALE"), "40"));

    assert_int_equal(f->arg_count, 1);
    assert_string_equal(f->arg[0].dest, "batch_size");
    assert_string_equal(f->arg[0].flag, "--batch-size");
    assert_int_equal(f->arg[0].line, 5);
    py_text(f, f->arg[0].fallback, text, sizeof text);
    assert_string_equal(text, "BATCH * 2");

    /* nn.Module's subclasses, and theirs */
    assert_int_equal(f->model_class_count, 2);
    assert_string_equal(f->model_class[0], "Net");
    assert_string_equal(f->model_class[1], "Deeper");

    /* a text cut to the buffer */
    char small[4];
    py_text(f, assigned(f, "a"), small, sizeof small);
    assert_string_equal(small, "BAT");
    TSNode null_node = {0};
    py_text(f, null_node, text, sizeof text);
    assert_string_equal(text, "");
}

typedef struct calls {
    const py_file *f;
    char names[16][64];
    TSNode node[16];
    size_t n;
} calls;

static void collect_call(TSNode node, void *ctx)
{
    calls *c = ctx;
    if (!py_is(node, "call") || c->n == 16)
        return;
    if (!py_call_name(c->f, node, c->names[c->n], sizeof c->names[c->n]))
        snprintf(c->names[c->n], sizeof c->names[c->n], "?");
    c->node[c->n++] = node;
}

static void calls_are_walked_in_document_order(void **state)
{
    py_file *f = *state;
    calls c = {.f = f};
    py_walk(f->root, collect_call, &c);
    const char *expected[] = {"argparse.ArgumentParser", "parser.add_argument",
                              "parser.parse_args",       "os.cpu_count",
                              "int",                     "torch.set_num_threads"};
    assert_int_equal(c.n, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(c.names[i], expected[i]);
    assert_string_equal(py_last_part("torch.set_num_threads"), "set_num_threads");
    assert_string_equal(py_last_part("int"), "int");

    char text[64];
    py_text(f, py_call_kwarg(f, c.node[1], "default"), text, sizeof text);
    assert_string_equal(text, "BATCH * 2");
    assert_true(ts_node_is_null(py_call_kwarg(f, c.node[1], "nargs")));
    assert_true(py_string_value(f, py_call_arg(c.node[1], 0), text, sizeof text));
    assert_string_equal(text, "--batch-size");
    assert_true(ts_node_is_null(py_call_arg(c.node[1], 1))); /* the rest are keywords */
    py_text(f, py_call_arg(c.node[5], 0), text, sizeof text);
    assert_string_equal(text, "n");
    assert_int_equal(py_line(c.node[5]), 18);
    assert_int_equal(py_col(c.node[5]), 5);
}

static void strings_have_a_value_or_a_shape(void **state)
{
    py_file *f = *state;
    char text[128];
    TSNode path = assigned(f, "path");
    assert_false(py_string_value(f, path, text, sizeof text)); /* not a plain literal */
    assert_true(py_string_shape(f, path, text, sizeof text));
    assert_string_equal(text, "/opt/{name}/lib:/usr/lib");
    assert_false(py_string_shape(f, assigned(f, "BATCH"), text, sizeof text));
    assert_true(py_string_value(f, assigned(f, "e"), text, sizeof text) == false);
}

static py_value follow(const py_file *f, TSNode expr, long cpus, bool known)
{
    py_value v;
    memset(&v, 0x5a, sizeof v);
    assert_int_equal(py_resolve(f, expr, cpus, &v), known);
    assert_int_equal(v.known, known);
    return v;
}

static void values_are_followed_to_numbers(void **state)
{
    py_file *f = *state;
    py_value a = follow(f, assigned(f, "a"), 8, true);
    assert_true(a.value == 256);
    assert_true(a.scaled); /* a factor of 4 on the way */
    assert_false(a.uses_cpus);
    assert_non_null(strstr(a.trail, "BATCH (line 2)"));

    py_value b = follow(f, assigned(f, "b"), 8, true);
    assert_true(b.value == 128);
    assert_string_equal(b.flag, "--batch-size");
    assert_non_null(strstr(b.trail, "the default of --batch-size (line 5)"));

    py_value c = follow(f, assigned(f, "c"), 8, true);
    assert_true(c.value == 4);
    assert_true(c.uses_cpus);
    py_value c2 = follow(f, assigned(f, "c"), 2, true);
    assert_true(c2.value == 1);

    py_value d = follow(f, assigned(f, "d"), 8, true);
    assert_true(d.value == 32);
    assert_true(d.quoted);
    assert_int_equal(d.line, 10);
    assert_int_equal(d.end - d.start, 4); /* the literal "32", quotes included */
    assert_int_equal(memcmp(source + d.start, "\"32\"", 4), 0);

    py_value e = follow(f, assigned(f, "e"), 8, false);
    assert_true(e.unfollowed[0] != '\0');
    assert_non_null(strstr(e.unfollowed, "line 11"));

    py_value literal = follow(f, assigned(f, "SCALE"), 8, true);
    assert_true(literal.value == 4);
    assert_int_equal(memcmp(source + literal.start, "4", 1), 0);
    assert_int_equal(literal.end - literal.start, 1);
    assert_false(literal.quoted);
}

/* A function's parameter is followed to its default. */
static void a_parameter_is_followed_to_its_default(void **state)
{
    py_file *f = *state;
    calls c = {.f = f};
    py_walk(f->root, collect_call, &c);
    py_value n = follow(f, py_call_arg(c.node[5], 0), 8, true);
    assert_true(n.value == 16);
    assert_non_null(strstr(n.trail, "parameter n's default (line 17)"));
    assert_int_equal(n.line, 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_files_facts_are_collected, open_file, close_file),
        cmocka_unit_test_setup_teardown(calls_are_walked_in_document_order, open_file, close_file),
        cmocka_unit_test_setup_teardown(strings_have_a_value_or_a_shape, open_file, close_file),
        cmocka_unit_test_setup_teardown(values_are_followed_to_numbers, open_file, close_file),
        cmocka_unit_test_setup_teardown(a_parameter_is_followed_to_its_default, open_file,
                                        close_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
