/* Parsing Python with tree-sitter and the grammar fetched at build time. */
#include "lint/python_tree.h"

#include "common/text.h"

#include <stdlib.h>
#include <string.h>

const TSLanguage *tree_sitter_python(void);

bool py_is(TSNode node, const char *type)
{
    return !ts_node_is_null(node) && strcmp(ts_node_type(node), type) == 0;
}

unsigned py_line(TSNode node)
{
    return ts_node_start_point(node).row + 1;
}

unsigned py_col(TSNode node)
{
    return ts_node_start_point(node).column + 1;
}

void py_text(const py_file *f, TSNode node, char *buf, size_t size)
{
    if (!size)
        return;
    buf[0] = '\0';
    if (ts_node_is_null(node))
        return;
    size_t a = ts_node_start_byte(node), b = ts_node_end_byte(node);
    if (b > f->len || a > b)
        return;
    size_t n = b - a < size - 1 ? b - a : size - 1;
    memcpy(buf, f->src + a, n);
    buf[n] = '\0';
}

bool py_text_eq(const py_file *f, TSNode node, const char *text)
{
    if (ts_node_is_null(node))
        return false;
    size_t a = ts_node_start_byte(node), b = ts_node_end_byte(node);
    return b - a == strlen(text) && memcmp(f->src + a, text, b - a) == 0;
}

void py_walk(TSNode root, void (*visit)(TSNode node, void *ctx), void *ctx)
{
    TSTreeCursor c = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        if (ts_node_is_named(n))
            visit(n, ctx);
        if (ts_tree_cursor_goto_first_child(&c))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&c)) {
            if (!ts_tree_cursor_goto_parent(&c)) {
                ts_tree_cursor_delete(&c);
                return;
            }
        }
    }
}

/* identifier, or attribute chain of identifiers; a chain longer than any
 * name lint looks for is not one (and is not followed down the stack). */
static bool dotted_at(const py_file *f, TSNode n, char *buf, size_t size, int depth)
{
    if (depth > 16)
        return false;
    if (py_is(n, "identifier")) {
        py_text(f, n, buf, size);
        return true;
    }
    if (!py_is(n, "attribute"))
        return false;
    TSNode obj = ts_node_child_by_field_name(n, "object", 6);
    TSNode attr = ts_node_child_by_field_name(n, "attribute", 9);
    if (!dotted_at(f, obj, buf, size, depth + 1))
        return false;
    size_t used = strlen(buf);
    if (used + 2 >= size)
        return false;
    buf[used] = '.';
    py_text(f, attr, buf + used + 1, size - used - 1);
    return true;
}

static bool dotted(const py_file *f, TSNode n, char *buf, size_t size)
{
    return dotted_at(f, n, buf, size, 0);
}

bool py_call_name(const py_file *f, TSNode call, char *buf, size_t size)
{
    if (!py_is(call, "call"))
        return false;
    return dotted(f, ts_node_child_by_field_name(call, "function", 8), buf, size);
}

const char *py_last_part(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

TSNode py_call_kwarg(const py_file *f, TSNode call, const char *name)
{
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    uint32_t n = ts_node_is_null(args) ? 0 : ts_node_named_child_count(args);
    for (uint32_t i = 0; i < n; i++) {
        TSNode a = ts_node_named_child(args, i);
        if (py_is(a, "keyword_argument") &&
            py_text_eq(f, ts_node_child_by_field_name(a, "name", 4), name))
            return ts_node_child_by_field_name(a, "value", 5);
    }
    TSNode none = {0};
    return none;
}

TSNode py_call_arg(TSNode call, unsigned index)
{
    TSNode none = {0};
    TSNode args = ts_node_child_by_field_name(call, "arguments", 9);
    if (!py_is(args, "argument_list"))
        return none;
    uint32_t n = ts_node_named_child_count(args);
    unsigned seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        TSNode a = ts_node_named_child(args, i);
        const char *t = ts_node_type(a);
        if (strcmp(t, "keyword_argument") == 0 || strcmp(t, "list_splat") == 0 ||
            strcmp(t, "dictionary_splat") == 0 || strcmp(t, "comment") == 0)
            continue;
        if (seen++ == index)
            return a;
    }
    return none;
}

static void append(char *buf, size_t size, const char *s, size_t n)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    if (n > size - 1 - used)
        n = size - 1 - used;
    memcpy(buf + used, s, n);
    buf[used + n] = '\0';
}

/* The parts of one string node; *plain false when it interpolates. */
static bool string_parts(const py_file *f, TSNode s, char *buf, size_t size, bool *plain)
{
    if (py_is(s, "concatenated_string")) {
        uint32_t n = ts_node_named_child_count(s);
        for (uint32_t i = 0; i < n; i++)
            if (!string_parts(f, ts_node_named_child(s, i), buf, size, plain))
                return false;
        return true;
    }
    if (!py_is(s, "string"))
        return false;
    uint32_t n = ts_node_named_child_count(s);
    for (uint32_t i = 0; i < n; i++) {
        TSNode c = ts_node_named_child(s, i);
        size_t a = ts_node_start_byte(c), b = ts_node_end_byte(c);
        if (py_is(c, "string_content")) {
            append(buf, size, f->src + a, b - a);
        } else if (py_is(c, "interpolation") || py_is(c, "escape_sequence")) {
            if (py_is(c, "interpolation"))
                *plain = false;
            append(buf, size, f->src + a, b - a);
        }
    }
    return true;
}

bool py_string_value(const py_file *f, TSNode node, char *buf, size_t size)
{
    if (!size)
        return false;
    buf[0] = '\0';
    bool plain = true;
    return string_parts(f, node, buf, size, &plain) && plain;
}

bool py_string_shape(const py_file *f, TSNode node, char *buf, size_t size)
{
    if (!size)
        return false;
    buf[0] = '\0';
    bool plain = true;
    return string_parts(f, node, buf, size, &plain);
}

/* ---- the facts collected once per file --------------------------------- */

static bool push(void **items, size_t *count, size_t size, const void *item)
{
    void *p = realloc(*items, (*count + 1) * size);
    if (!p)
        return false;
    memcpy((char *)p + *count * size, item, size);
    *items = p;
    (*count)++;
    return true;
}

typedef struct collect {
    py_file *f;
    bool ok;
} collect;

static void collect_assignment(collect *c, TSNode n)
{
    TSNode left = ts_node_child_by_field_name(n, "left", 4);
    TSNode right = ts_node_child_by_field_name(n, "right", 5);
    if (!py_is(left, "identifier") || ts_node_is_null(right))
        return;
    py_assignment a = {.value = right};
    py_text(c->f, left, a.name, sizeof a.name);
    c->ok = c->ok && push((void **)&c->f->assign, &c->f->assign_count, sizeof a, &a);
}

static void collect_argument(collect *c, TSNode call)
{
    py_argument a = {.fallback = py_call_kwarg(c->f, call, "default"), .line = py_line(call)};
    for (unsigned i = 0;; i++) {
        TSNode s = py_call_arg(call, i);
        char v[64];
        if (ts_node_is_null(s))
            break;
        if (!py_string_value(c->f, s, v, sizeof v))
            continue;
        if (strncmp(v, "--", 2) == 0 && strncmp(a.flag, "--", 2) != 0)
            text_copy(a.flag, sizeof a.flag, v); /* the first long flag */
        else if (v[0] == '-' && !a.flag[0])
            text_copy(a.flag, sizeof a.flag, v);
        else if (v[0] != '-' && !a.dest[0])
            text_copy(a.dest, sizeof a.dest, v); /* a positional argument */
    }
    TSNode dest = py_call_kwarg(c->f, call, "dest");
    if (!ts_node_is_null(dest)) {
        py_string_value(c->f, dest, a.dest, sizeof a.dest);
    } else if (strncmp(a.flag, "--", 2) == 0) {
        text_copy(a.dest, sizeof a.dest, a.flag + 2);
    } else if (a.flag[0] == '-' && a.flag[1] && !a.dest[0]) {
        text_copy(a.dest, sizeof a.dest, a.flag + 1);
    }
    for (char *p = a.dest; *p; p++)
        if (*p == '-')
            *p = '_';
    if (a.dest[0])
        c->ok = c->ok && push((void **)&c->f->arg, &c->f->arg_count, sizeof a, &a);
}

static const char *const model_bases[] = {
    "nn.Module", "torch.nn.Module", "Module", "pl.LightningModule", "LightningModule",
    "tf.keras.Model", "keras.Model", "Model", "tf.Module", "keras.layers.Layer", NULL,
};

static void collect_class(collect *c, TSNode n)
{
    TSNode bases = ts_node_child_by_field_name(n, "superclasses", 12);
    uint32_t count = ts_node_is_null(bases) ? 0 : ts_node_named_child_count(bases);
    for (uint32_t i = 0; i < count; i++) {
        char base[96];
        if (!dotted(c->f, ts_node_named_child(bases, i), base, sizeof base))
            continue;
        bool model = false;
        for (size_t k = 0; model_bases[k]; k++)
            model = model || strcmp(base, model_bases[k]) == 0;
        for (size_t k = 0; !model && k < c->f->model_class_count; k++)
            model = strcmp(base, c->f->model_class[k]) == 0; /* a subclass of one */
        if (model) {
            char name[64];
            py_text(c->f, ts_node_child_by_field_name(n, "name", 4), name, sizeof name);
            c->ok = c->ok && push((void **)&c->f->model_class, &c->f->model_class_count,
                                  sizeof name, name);
            return;
        }
    }
}

static void collect_visit(TSNode n, void *ctx)
{
    collect *c = ctx;
    const char *t = ts_node_type(n);
    if (strcmp(t, "assignment") == 0) {
        collect_assignment(c, n);
    } else if (strcmp(t, "class_definition") == 0) {
        collect_class(c, n);
    } else if (strcmp(t, "call") == 0) {
        char name[128];
        if (py_call_name(c->f, n, name, sizeof name) &&
            strcmp(py_last_part(name), "add_argument") == 0)
            collect_argument(c, n);
    }
}

bool py_file_open(py_file *f, const char *path, const char *src, size_t len)
{
    *f = (py_file){.path = path, .src = src, .len = len};
    f->parser = ts_parser_new();
    if (!f->parser || !ts_parser_set_language(f->parser, tree_sitter_python())) {
        py_file_close(f);
        return false;
    }
    f->tree = ts_parser_parse_string(f->parser, NULL, src, (uint32_t)len);
    if (!f->tree) {
        py_file_close(f);
        return false;
    }
    f->root = ts_tree_root_node(f->tree);
    collect c = {.f = f, .ok = true};
    py_walk(f->root, collect_visit, &c);
    if (!c.ok)
        py_file_close(f);
    return c.ok;
}

void py_file_close(py_file *f)
{
    if (f->tree)
        ts_tree_delete(f->tree);
    if (f->parser)
        ts_parser_delete(f->parser);
    free(f->assign);
    free(f->arg);
    free(f->model_class);
    *f = (py_file){0};
}
