/* Linting one Python file: parse, note syntax errors, run every rule. */
#include <string.h>

#include "lint/python_rules.h"

lint_finding *py_finding(py_lint *c, lint_rule_id rule, TSNode at)
{
    TSPoint a = ts_node_start_point(at), b = ts_node_end_point(at);
    lint_finding *f = lint_result_add(c->out, rule, c->f.path, LINT_LANG_PYTHON, a.row + 1,
                                      a.column + 1, b.row + 1, b.column + 1);
    if (!f)
        c->ok = false;
    return f;
}

bool py_finding_value(lint_finding *f, const py_value *v, const char *what)
{
    f->knob.value = (long)v->value;
    f->knob.start = v->start;
    f->knob.end = v->end;
    f->knob.quoted = v->quoted;
    f->knob.line = v->line;
    f->knob.col = v->col;
    if (v->flag[0] && !lint_set_text(&f->knob.flag, "%s", v->flag))
        return false;
    if (!v->trail[0] && !v->uses_cpus)
        return true; /* a literal in place: nothing was followed */
    return lint_set_text(&f->followed, "%s: %s%s%.0f%s", what, v->trail,
                         v->trail[0] ? " = " : "", v->value,
                         v->uses_cpus ? " (with the CPU count of this host)" : "");
}

/* The first syntax error's place, for the note. */
static void first_error(TSNode n, unsigned *line, unsigned *col)
{
    TSTreeCursor c = ts_tree_cursor_new(n);
    for (;;) {
        TSNode x = ts_tree_cursor_current_node(&c);
        if (strcmp(ts_node_type(x), "ERROR") == 0 || ts_node_is_missing(x)) {
            *line = ts_node_start_point(x).row + 1;
            *col = ts_node_start_point(x).column + 1;
            break;
        }
        if (ts_node_has_error(x) && ts_tree_cursor_goto_first_child(&c))
            continue;
        bool moved = false;
        while (!(moved = ts_tree_cursor_goto_next_sibling(&c)))
            if (!ts_tree_cursor_goto_parent(&c))
                break;
        if (!moved)
            break;
    }
    ts_tree_cursor_delete(&c);
}

hml_status lint_python(const char *path, const char *text, size_t len, const lint_host *host,
                       lint_result *out, hml_err *err)
{
    py_lint c = {.host = host, .out = out, .ok = true};
    if (!py_file_open(&c.f, path, text, len))
        return hml_fail(err, HML_ESYSTEM, "%s: cannot parse: out of memory", path);
    if (ts_node_has_error(c.f.root)) {
        unsigned line = 0, col = 0;
        first_error(c.f.root, &line, &col);
        /* tree-sitter recovers around the error; the rest is still linted */
        if (!lint_result_note(out, path, false,
                              "syntax error at line %u, column %u; the code around it was "
                              "skipped, the rest linted", line, col))
            c.ok = false;
    }
    py_rule_model_reuse(&c);
    py_rule_minibatch(&c);
    py_rule_libpath(&c);
    py_rule_parallelism(&c);
    py_file_close(&c.f);
    out->files++;
    return c.ok ? HML_OK : hml_fail(err, HML_ESYSTEM, "%s: out of memory", path);
}
