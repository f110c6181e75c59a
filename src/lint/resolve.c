/* Constant following, one file at a time (see resolve.h for the limits). */
#include "lint/resolve.h"

#include "common/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_HOPS = 12 };

static void trail_add(py_value *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void trail_add(py_value *v, const char *fmt, ...)
{
    size_t used = strlen(v->trail);
    if (used + 8 >= sizeof v->trail)
        return;
    if (used)
        used += (size_t)snprintf(v->trail + used, sizeof v->trail - used, " -> ");
    if (used >= sizeof v->trail)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->trail + used, sizeof v->trail - used, fmt, ap);
    va_end(ap);
}

static bool fail(py_value *v, const py_file *f, TSNode n, const char *why)
{
    char text[48];
    py_text(f, n, text, sizeof text);
    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (!v->unfollowed[0])
        snprintf(v->unfollowed, sizeof v->unfollowed, "`%s` (line %u) %s", text, py_line(n), why);
    return false;
}

static bool parse_number(const char *s, double *out)
{
    char clean[64];
    size_t k = 0;
    for (; *s && k + 1 < sizeof clean; s++)
        if (*s != '_')
            clean[k++] = *s;
    clean[k] = '\0';
    while (k && (clean[k - 1] == ' ' || clean[k - 1] == '\t'))
        clean[--k] = '\0';
    const char *p = clean;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return false;
    char *end;
    errno = 0;
    double d = strchr(p, '.') || strchr(p, 'e') ? strtod(p, &end) : (double)strtoll(p, &end, 0);
    if (errno || *end)
        return false;
    *out = d;
    return true;
}

static bool resolve(const py_file *f, TSNode n, long cpus, py_value *v, bool direct, int hops);

static const char *const cpu_count_calls[] = {
    "os.cpu_count", "multiprocessing.cpu_count", "mp.cpu_count", "psutil.cpu_count",
    "cpu_count", "torch.multiprocessing.cpu_count", NULL,
};

static bool resolve_call(const py_file *f, TSNode n, long cpus, py_value *v, bool direct,
                         int hops)
{
    char name[96];
    if (!py_call_name(f, n, name, sizeof name))
        return fail(v, f, n, "is a computed call, not followed");
    for (size_t i = 0; cpu_count_calls[i]; i++) {
        if (strcmp(name, cpu_count_calls[i]) == 0) {
            v->value = (double)cpus;
            v->uses_cpus = true;
            return true;
        }
    }
    TSNode a0 = py_call_arg(n, 0);
    if (strcmp(name, "len") == 0 && py_is(a0, "call")) {
        char inner[96];
        if (py_call_name(f, a0, inner, sizeof inner) &&
            strcmp(inner, "os.sched_getaffinity") == 0) {
            v->value = (double)cpus;
            v->uses_cpus = true;
            return true;
        }
    }
    if ((strcmp(name, "int") == 0 || strcmp(name, "str") == 0 || strcmp(name, "float") == 0 ||
         strcmp(name, "round") == 0) && !ts_node_is_null(a0) && ts_node_is_null(py_call_arg(n, 1)))
        return resolve(f, a0, cpus, v, direct, hops + 1);
    if (strcmp(name, "max") == 0 || strcmp(name, "min") == 0) {
        TSNode a1 = py_call_arg(n, 1);
        py_value x = *v, y = *v;
        if (ts_node_is_null(a1) || !resolve(f, a0, cpus, &x, false, hops + 1) ||
            !resolve(f, a1, cpus, &y, false, hops + 1)) {
            text_copy(v->unfollowed, sizeof v->unfollowed, x.unfollowed[0] ? x.unfollowed : y.unfollowed);
            return false;
        }
        bool is_max = name[1] == 'a';
        *v = x;
        v->value = is_max ? (x.value > y.value ? x.value : y.value)
                          : (x.value < y.value ? x.value : y.value);
        v->uses_cpus = x.uses_cpus || y.uses_cpus;
        v->start = v->end = 0;
        return true;
    }
    if (strcmp(name, "os.environ.get") == 0 || strcmp(name, "os.getenv") == 0)
        return fail(v, f, n, "is read from the environment at run time, not followed");
    return fail(v, f, n, "is a computed call, not followed");
}

/* The default of parameter name of the function around n, or a null node. */
static TSNode parameter_default(const py_file *f, TSNode n, const char *name)
{
    TSNode none = {0};
    for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p)) {
        if (!py_is(p, "function_definition") && !py_is(p, "lambda"))
            continue;
        TSNode params = ts_node_child_by_field_name(p, "parameters", 10);
        uint32_t count = ts_node_is_null(params) ? 0 : ts_node_named_child_count(params);
        for (uint32_t i = 0; i < count; i++) {
            TSNode q = ts_node_named_child(params, i);
            if ((py_is(q, "default_parameter") || py_is(q, "typed_default_parameter")) &&
                py_text_eq(f, ts_node_child_by_field_name(q, "name", 4), name))
                return ts_node_child_by_field_name(q, "value", 5);
            if (py_is(q, "identifier") && py_text_eq(f, q, name))
                return none; /* a parameter without a default: given by the caller */
        }
        return none;
    }
    return none;
}

static bool resolve_name(const py_file *f, TSNode n, long cpus, py_value *v, bool direct,
                         int hops)
{
    char name[64];
    py_text(f, n, name, sizeof name);
    TSNode def = parameter_default(f, n, name);
    if (!ts_node_is_null(def)) {
        trail_add(v, "parameter %s's default (line %u)", name, py_line(def));
        return resolve(f, def, cpus, v, direct, hops + 1);
    }
    /* the last assignment that ends before this use; else the first one */
    const py_assignment *best = NULL;
    uint32_t at = ts_node_start_byte(n);
    for (size_t i = 0; i < f->assign_count; i++) {
        const py_assignment *a = &f->assign[i];
        if (strcmp(a->name, name) != 0)
            continue;
        TSNode stmt = ts_node_parent(a->value);
        if (ts_node_end_byte(stmt) <= at)
            best = a;
        else if (!best)
            best = a;
    }
    if (!best)
        return fail(v, f, n, "is not assigned in this file, not followed");
    trail_add(v, "%s (line %u)", name, py_line(best->value));
    return resolve(f, best->value, cpus, v, direct, hops + 1);
}

static bool resolve_attribute(const py_file *f, TSNode n, long cpus, py_value *v, bool direct,
                              int hops)
{
    TSNode obj = ts_node_child_by_field_name(n, "object", 6);
    char attr[64];
    py_text(f, ts_node_child_by_field_name(n, "attribute", 9), attr, sizeof attr);
    if (py_is(obj, "identifier")) {
        for (size_t i = 0; i < f->arg_count; i++) {
            const py_argument *a = &f->arg[i];
            if (strcmp(a->dest, attr) != 0)
                continue;
            if (ts_node_is_null(a->fallback))
                return fail(v, f, n, "is an argparse argument without a default, not followed");
            trail_add(v, "the default of %s (line %u)", a->flag[0] ? a->flag : a->dest, a->line);
            if (direct && !v->flag[0] && strncmp(a->flag, "--", 2) == 0)
                text_copy(v->flag, sizeof v->flag, a->flag);
            return resolve(f, a->fallback, cpus, v, direct, hops + 1);
        }
    }
    return fail(v, f, n, "is an attribute lint does not follow (only argparse arguments)");
}

static bool resolve_binary(const py_file *f, TSNode n, long cpus, py_value *v, int hops)
{
    TSNode l = ts_node_child_by_field_name(n, "left", 4);
    TSNode r = ts_node_child_by_field_name(n, "right", 5);
    TSNode op = ts_node_child_by_field_name(n, "operator", 8);
    char o[4];
    py_text(f, op, o, sizeof o);
    py_value x = *v, y = *v;
    x.trail[0] = y.trail[0] = '\0';
    bool okx = resolve(f, l, cpus, &x, false, hops + 1);
    bool oky = okx && resolve(f, r, cpus, &y, false, hops + 1);
    if (!okx || !oky) {
        text_copy(v->unfollowed, sizeof v->unfollowed, !okx ? x.unfollowed : y.unfollowed);
        return false;
    }
    double a = x.value, b = y.value, out;
    if (strcmp(o, "+") == 0)
        out = a + b;
    else if (strcmp(o, "-") == 0)
        out = a - b;
    else if (strcmp(o, "*") == 0)
        out = a * b;
    else if (strcmp(o, "//") == 0 && b != 0)
        out = (double)(long long)(a / b);
    else if (strcmp(o, "/") == 0 && b != 0)
        out = a / b;
    else if (strcmp(o, "**") == 0 && b >= 0 && b < 64)
        out = __builtin_pow(a, b);
    else
        return fail(v, f, n, "uses an operator lint does not follow");
    const char *parts[2] = {x.trail, y.trail};
    for (int i = 0; i < 2; i++)
        if (parts[i][0])
            trail_add(v, "%s", parts[i]);
    v->value = out;
    v->uses_cpus = v->uses_cpus || x.uses_cpus || y.uses_cpus;
    v->scaled = v->scaled || x.scaled || y.scaled ||
                (strcmp(o, "*") == 0 && (x.value >= 2 || y.value >= 2) &&
                 (py_is(l, "integer") || py_is(r, "integer") || x.trail[0] || y.trail[0]));
    return true;
}

static bool resolve(const py_file *f, TSNode n, long cpus, py_value *v, bool direct, int hops)
{
    if (hops > MAX_HOPS)
        return fail(v, f, n, "is defined through too many names, not followed");
    if (ts_node_is_null(n))
        return false;
    const char *t = ts_node_type(n);
    char text[64];
    if (strcmp(t, "integer") == 0 || strcmp(t, "float") == 0) {
        py_text(f, n, text, sizeof text);
        if (!parse_number(text, &v->value))
            return fail(v, f, n, "is not a number lint reads");
        if (direct) {
            v->start = ts_node_start_byte(n);
            v->end = ts_node_end_byte(n);
            v->quoted = false;
            v->line = py_line(n);
            v->col = py_col(n);
        }
        return true;
    }
    if (strcmp(t, "string") == 0) {
        if (!py_string_value(f, n, text, sizeof text) || !parse_number(text, &v->value))
            return fail(v, f, n, "is not a number");
        if (direct) {
            v->start = ts_node_start_byte(n);
            v->end = ts_node_end_byte(n);
            v->quoted = true;
            v->line = py_line(n);
            v->col = py_col(n);
        }
        return true;
    }
    if (strcmp(t, "parenthesized_expression") == 0)
        return resolve(f, ts_node_named_child(n, 0), cpus, v, direct, hops + 1);
    if (strcmp(t, "unary_operator") == 0) {
        py_text(f, ts_node_child_by_field_name(n, "operator", 8), text, sizeof text);
        if (!resolve(f, ts_node_child_by_field_name(n, "argument", 8), cpus, v, false, hops + 1))
            return false;
        if (strcmp(text, "-") == 0)
            v->value = -v->value;
        return true;
    }
    if (strcmp(t, "identifier") == 0)
        return resolve_name(f, n, cpus, v, direct, hops);
    if (strcmp(t, "attribute") == 0)
        return resolve_attribute(f, n, cpus, v, direct, hops);
    if (strcmp(t, "binary_operator") == 0)
        return resolve_binary(f, n, cpus, v, hops);
    if (strcmp(t, "call") == 0)
        return resolve_call(f, n, cpus, v, direct, hops);
    return fail(v, f, n, "is an expression lint does not follow");
}

bool py_resolve(const py_file *f, TSNode expr, long cpus, py_value *out)
{
    *out = (py_value){0};
    out->known = resolve(f, expr, cpus, out, true, 0);
    if (!out->known)
        out->start = out->end = 0;
    return out->known;
}
