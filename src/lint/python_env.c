/* Finding the places a Python file sets an environment variable that the
 * libpath and parallelism rules read. Only names lint knows are matched, so
 * a dictionary or keyword that merely looks like one is not mistaken. */
#include <string.h>

#include "lint/python_rules.h"

static bool known_name(const char *name)
{
    return strcmp(name, "LD_LIBRARY_PATH") == 0 || lint_is_thread_variable(name);
}

typedef struct env_walk {
    py_lint *c;
    py_env_write_fn fn;
    void *ctx;
} env_walk;

static void keyword_writes(env_walk *w, TSNode call)
{
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    uint32_t n = ts_node_is_null(args) ? 0 : ts_node_named_child_count(args);
    for (uint32_t i = 0; i < n; i++) {
        TSNode a = ts_node_named_child(args, i);
        char name[64];
        if (!py_is(a, "keyword_argument"))
            continue;
        py_text(&w->c->f, ts_node_child_by_field_name(a, "name", 4), name, sizeof name);
        if (known_name(name))
            w->fn(w->c, name, ts_node_child_by_field_name(a, "value", 5), a, w->ctx);
    }
}

static void visit(TSNode n, void *ctx)
{
    env_walk *w = ctx;
    const py_file *f = &w->c->f;
    char name[96];
    if (py_is(n, "assignment") || py_is(n, "augmented_assignment")) {
        TSNode left = ts_node_child_by_field_name(n, "left", 4);
        if (!py_is(left, "subscript"))
            return;
        TSNode key = ts_node_child_by_field_name(left, "subscript", 9);
        if (py_string_value(f, key, name, sizeof name) && known_name(name))
            w->fn(w->c, name, ts_node_child_by_field_name(n, "right", 5), n, w->ctx);
    } else if (py_is(n, "pair")) {
        TSNode key = ts_node_child_by_field_name(n, "key", 3);
        if (py_string_value(f, key, name, sizeof name) && known_name(name))
            w->fn(w->c, name, ts_node_child_by_field_name(n, "value", 5), n, w->ctx);
    } else if (py_is(n, "call") && py_call_name(f, n, name, sizeof name)) {
        const char *last = py_last_part(name);
        if (strcmp(name, "dict") == 0 || strcmp(last, "update") == 0) {
            keyword_writes(w, n);
        } else if (strcmp(last, "setdefault") == 0 || strcmp(name, "os.putenv") == 0 ||
                   strcmp(name, "putenv") == 0) {
            char var[64];
            if (py_string_value(f, py_call_arg(n, 0), var, sizeof var) && known_name(var))
                w->fn(w->c, var, py_call_arg(n, 1), n, w->ctx);
        }
    }
}

void py_env_writes(py_lint *c, py_env_write_fn fn, void *ctx)
{
    env_walk w = {c, fn, ctx};
    py_walk(c->f.root, visit, &w);
}
