/* model-reuse: a model constructed on every pass of a loop, directly or
 * through a function of this file that builds one. Sub-modules built in a
 * loop (appended to a list, passed to a call) and models built lazily
 * (`if model is None:`) are not the smell; neither is anything inside a
 * model class's own methods. Followed one call deep. */
#include <stdio.h>
#include <string.h>

#include "lint/python_rules.h"

typedef enum build_kind { BUILD_NONE, BUILD_TORCH, BUILD_KERAS } build_kind;

static const char *const keras_builders[] = {
    "tf.keras.Sequential", "keras.Sequential", "tf.keras.models.Sequential",
    "keras.models.Sequential", "tf.keras.Model", "keras.Model", "tf.keras.models.Model",
    "keras.models.Model", NULL,
};

static bool file_mentions(const py_file *f, const char *word)
{
    return memmem(f->src, f->len, word, strlen(word)) != NULL;
}

static build_kind construction(const py_file *f, TSNode call, char *name, size_t size)
{
    if (!py_call_name(f, call, name, size))
        return BUILD_NONE;
    const char *last = py_last_part(name);
    for (size_t i = 0; keras_builders[i]; i++)
        if (strcmp(name, keras_builders[i]) == 0)
            return BUILD_KERAS;
    if (strcmp(last, "clone_model") == 0)
        return BUILD_KERAS;
    if (strcmp(last, "load_model") == 0 && (strstr(name, "keras") || strcmp(name, last) == 0))
        return BUILD_KERAS;
    if ((strcmp(name, "Sequential") == 0 || strcmp(name, "Model") == 0))
        return file_mentions(f, "keras") ? BUILD_KERAS : BUILD_TORCH;
    if (strcmp(last, "Sequential") == 0 && strstr(name, "nn"))
        return BUILD_TORCH;
    if (strcmp(last, "from_pretrained") == 0 || strcmp(name, "timm.create_model") == 0 ||
        strncmp(name, "torchvision.models.", 19) == 0 ||
        (strncmp(name, "models.", 7) == 0 && name[7] >= 'a' && name[7] <= 'z' &&
         !strchr(name + 7, '.')))
        return BUILD_TORCH;
    for (size_t i = 0; i < f->model_class_count; i++)
        if (strcmp(name, f->model_class[i]) == 0)
            return file_mentions(f, "keras") && !file_mentions(f, "torch") ? BUILD_KERAS
                                                                           : BUILD_TORCH;
    return BUILD_NONE;
}

/* The model is what the statement keeps: `m = Net()`, `m = Net().to(dev)`,
 * `return Net()`; not `layers.append(nn.Sequential(...))`. */
static bool kept_as_model(TSNode call)
{
    TSNode n = call;
    for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); n = p, p = ts_node_parent(p)) {
        if (py_is(p, "attribute") || (py_is(p, "call") && py_is(n, "attribute")))
            continue; /* Net().to(device), Net().cuda() */
        if (py_is(p, "assignment"))
            return ts_node_start_byte(n) >= ts_node_start_byte(ts_node_child_by_field_name(p, "right", 5));
        return py_is(p, "return_statement");
    }
    return false;
}

typedef struct place {
    bool in_loop;
    TSNode loop;
    TSNode function;   /* the function around it (null at module level) */
    bool in_model_class;
    bool lazy;         /* under `if model is None:` or `if not model:` */
} place;

static bool inside(TSNode inner, TSNode outer)
{
    return !ts_node_is_null(outer) && ts_node_start_byte(inner) >= ts_node_start_byte(outer) &&
           ts_node_end_byte(inner) <= ts_node_end_byte(outer);
}

static place where(const py_file *f, TSNode n)
{
    place w = {0};
    for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p)) {
        if (py_is(p, "if_statement") && !w.in_loop && ts_node_is_null(w.function)) {
            char cond[128];
            py_text(f, ts_node_child_by_field_name(p, "condition", 9), cond, sizeof cond);
            if (strstr(cond, "is None") || strncmp(cond, "not ", 4) == 0)
                w.lazy = true;
        }
        if ((py_is(p, "for_statement") || py_is(p, "while_statement")) && !w.in_loop &&
            ts_node_is_null(w.function) &&
            inside(n, ts_node_child_by_field_name(p, "body", 4))) {
            w.in_loop = true;
            w.loop = p;
        }
        if (py_is(p, "function_definition") && ts_node_is_null(w.function))
            w.function = p;
        if (py_is(p, "class_definition")) {
            char name[64];
            py_text(f, ts_node_child_by_field_name(p, "name", 4), name, sizeof name);
            for (size_t i = 0; i < f->model_class_count; i++)
                w.in_model_class = w.in_model_class || strcmp(name, f->model_class[i]) == 0;
        }
    }
    return w;
}

/* Passes of `for _ in range(N)`, or 0. */
static long loop_passes(py_lint *c, TSNode loop)
{
    TSNode iter = ts_node_child_by_field_name(loop, "right", 5);
    char name[32];
    if (!py_is(iter, "call") || !py_call_name(&c->f, iter, name, sizeof name) ||
        strcmp(name, "range") != 0)
        return 0;
    TSNode a0 = py_call_arg(iter, 0), a1 = py_call_arg(iter, 1);
    py_value x, y;
    if (!py_resolve(&c->f, a0, c->host->cpus, &x))
        return 0;
    if (ts_node_is_null(a1))
        return (long)x.value;
    return py_resolve(&c->f, a1, c->host->cpus, &y) ? (long)(y.value - x.value) : 0;
}

/* Does the loop's body call clear_session()? */
static bool clears_session(const py_file *f, TSNode loop)
{
    TSNode body = ts_node_child_by_field_name(loop, "body", 4);
    size_t a = ts_node_start_byte(body), b = ts_node_end_byte(body);
    return memmem(f->src + a, b - a, "clear_session", 13) != NULL;
}

enum { MAX_BUILDERS = 64 };

typedef struct reuse_scan {
    py_lint *c;
    char builder[MAX_BUILDERS][64]; /* functions of this file that build a model */
    unsigned builder_line[MAX_BUILDERS];
    build_kind builder_kind[MAX_BUILDERS];
    size_t builders;
} reuse_scan;

static void report(py_lint *c, TSNode at, TSNode loop, const char *what, build_kind kind)
{
    lint_finding *f = py_finding(c, LINT_MODEL_REUSE, at);
    if (!f)
        return;
    long passes = loop_passes(c, loop);
    char count[64] = "";
    if (passes > 1)
        snprintf(count, sizeof count, " (%ld passes)", passes);
    bool no_clear = kind == BUILD_KERAS && !clears_session(&c->f, loop);
    c->ok = lint_set_text(&f->what, "%s on every pass of the loop at line %u%s%s", what,
                          py_line(loop), count,
                          no_clear ? ", with no tf.keras.backend.clear_session() between "
                                     "builds: every old graph stays in memory" : "") &&
            lint_set_text(&f->fix, "build the model once before the loop and reuse it; where "
                                   "a pass needs fresh weights, reset them (%s)",
                          kind == BUILD_KERAS ? "model.set_weights(initial_weights)"
                                              : "model.load_state_dict(initial_state) or "
                                                "reset_parameters()");
    f->knob.value = passes > 1 ? passes : 0;
}

static void visit_constructions(TSNode n, void *ctx)
{
    reuse_scan *s = ctx;
    char name[128], what[200];
    build_kind kind;
    if (!py_is(n, "call") || (kind = construction(&s->c->f, n, name, sizeof name)) == BUILD_NONE)
        return;
    place w = where(&s->c->f, n);
    if (w.in_model_class || w.lazy || !kept_as_model(n))
        return;
    if (w.in_loop) {
        snprintf(what, sizeof what, "%s() builds a model", name);
        report(s->c, n, w.loop, what, kind);
    } else if (!ts_node_is_null(w.function) && s->builders < MAX_BUILDERS) {
        py_text(&s->c->f, ts_node_child_by_field_name(w.function, "name", 4),
                s->builder[s->builders], sizeof s->builder[0]);
        s->builder_line[s->builders] = py_line(n);
        s->builder_kind[s->builders++] = kind;
    }
}

static void visit_builder_calls(TSNode n, void *ctx)
{
    reuse_scan *s = ctx;
    char name[128], what[256];
    if (!py_is(n, "call") || !py_call_name(&s->c->f, n, name, sizeof name))
        return;
    const char *last = py_last_part(name);
    if (strcmp(name, last) != 0 && strncmp(name, "self.", 5) != 0)
        return;
    for (size_t i = 0; i < s->builders; i++) {
        if (strcmp(last, s->builder[i]) != 0)
            continue;
        place w = where(&s->c->f, n);
        if (!w.in_loop || w.lazy || w.in_model_class)
            return;
        snprintf(what, sizeof what, "%s() builds a model (line %u)", name, s->builder_line[i]);
        report(s->c, n, w.loop, what, s->builder_kind[i]);
        return;
    }
}

void py_rule_model_reuse(py_lint *c)
{
    reuse_scan s = {.c = c};
    py_walk(c->f.root, visit_constructions, &s);
    if (s.builders)
        py_walk(c->f.root, visit_builder_calls, &s);
}
