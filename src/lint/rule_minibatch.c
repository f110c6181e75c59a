/* minibatch: batch sizes above what the host is known to handle well, and
 * batches scaled up while the learning rate stays where it was. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lint/python_rules.h"

/* Inference calls: a large batch there is not the training smell. */
static const char *const inference_calls[] = {
    "predict", "evaluate", "predict_on_batch", "test_on_batch", "predict_generator",
    "evaluate_generator", "inference", "generate", "encode", NULL,
};

static bool is_inference(const char *last)
{
    for (size_t i = 0; inference_calls[i]; i++)
        if (strcmp(last, inference_calls[i]) == 0)
            return true;
    return false;
}

typedef struct batch_scan {
    py_lint *c;
    bool lr_follows;      /* some learning rate in the file is computed, not a literal */
    size_t seen[64];      /* literals already reported (a default used twice) */
    size_t seen_count;
} batch_scan;

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static bool lr_name(const char *name)
{
    return strcasecmp(name, "lr") == 0 || contains_ci(name, "learning_rate") ||
           (strlen(name) > 3 && (strncasecmp(name, "lr_", 3) == 0 ||
                                 strcasecmp(name + strlen(name) - 3, "_lr") == 0));
}

/* A learning rate that is computed (lr = base_lr * batch / 256) follows the batch. */
static void lr_visit(TSNode n, void *ctx)
{
    batch_scan *s = ctx;
    char name[64];
    TSNode value = {0};
    if (py_is(n, "keyword_argument")) {
        py_text(&s->c->f, ts_node_child_by_field_name(n, "name", 4), name, sizeof name);
        value = ts_node_child_by_field_name(n, "value", 5);
    } else if (py_is(n, "assignment")) {
        TSNode left = ts_node_child_by_field_name(n, "left", 4);
        if (!py_is(left, "identifier") && !py_is(left, "attribute"))
            return;
        py_text(&s->c->f, left, name, sizeof name);
        const char *dot = strrchr(name, '.');
        if (dot)
            memmove(name, dot + 1, strlen(dot));
        value = ts_node_child_by_field_name(n, "right", 5);
    } else {
        return;
    }
    if (lr_name(name) && py_is(value, "binary_operator"))
        s->lr_follows = true;
}

static bool seen_before(batch_scan *s, size_t start)
{
    for (size_t i = 0; i < s->seen_count; i++)
        if (s->seen[i] == start)
            return true;
    if (s->seen_count < sizeof s->seen / sizeof s->seen[0])
        s->seen[s->seen_count++] = start;
    return false;
}

static void check_batch(batch_scan *s, TSNode at, TSNode value, const char *what)
{
    py_lint *c = s->c;
    py_value v;
    if (ts_node_is_null(value) || !py_resolve(&c->f, value, c->host->cpus, &v))
        return;
    bool too_big = v.value > (double)c->host->max_batch;
    bool scaled = v.scaled && !s->lr_follows && v.value > 1;
    if (!too_big && !scaled)
        return;
    if (v.end > v.start && seen_before(s, v.start))
        return;
    lint_finding *f = py_finding(c, LINT_MINIBATCH, at);
    if (!f)
        return;
    bool ok;
    if (too_big)
        ok = lint_set_text(&f->what, "%s trains with batches of %.0f; above %ld (%s)%s", what,
                           v.value, c->host->max_batch, c->host->max_batch_source,
                           scaled ? ", and it was scaled up while no learning rate in this "
                                    "file follows it" : "") &&
             lint_set_text(&f->fix, "measure the batch this host handles (hmlcost doctor "
                                    "--probe), use it, and scale the learning rate and epochs "
                                    "with any change of batch");
    else
        ok = lint_set_text(&f->what, "%s scales the batch up (to %.0f) while no learning rate "
                                     "in this file follows it: the same epochs take fewer, "
                                     "larger steps", what, v.value) &&
             lint_set_text(&f->fix, "scale the learning rate with the batch (lr = base_lr * "
                                    "batch / base_batch) or keep the batch");
    c->ok = ok && py_finding_value(f, &v, "followed");
}

static void visit(TSNode n, void *ctx)
{
    batch_scan *s = ctx;
    char name[128], what[200];
    if (!py_is(n, "call") || !py_call_name(&s->c->f, n, name, sizeof name))
        return;
    const char *last = py_last_part(name);
    if (is_inference(last))
        return;
    TSNode b = py_call_kwarg(&s->c->f, n, "batch_size");
    if (!ts_node_is_null(b)) {
        snprintf(what, sizeof what, "%s(batch_size=...)", name);
        check_batch(s, n, b, what);
    } else if (strcmp(last, "DataLoader") == 0 && !ts_node_is_null(py_call_arg(n, 1))) {
        snprintf(what, sizeof what, "%s(dataset, batch)", name);
        check_batch(s, n, py_call_arg(n, 1), what);
    } else if (strcmp(last, "batch") == 0 && strchr(name, '.')) {
        snprintf(what, sizeof what, "%s()", name); /* tf.data: dataset.batch(N) */
        check_batch(s, n, py_call_arg(n, 0), what);
    }
}

/* argparse defaults for a batch that no call above used directly. */
static void check_arguments(batch_scan *s)
{
    const py_file *f = &s->c->f;
    for (size_t i = 0; i < f->arg_count; i++) {
        const py_argument *a = &f->arg[i];
        if (!contains_ci(a->dest, "batch") || ts_node_is_null(a->fallback))
            continue;
        char what[160];
        snprintf(what, sizeof what, "the default of %s", a->flag[0] ? a->flag : a->dest);
        py_value v;
        if (!py_resolve(f, a->fallback, s->c->host->cpus, &v) || v.end <= v.start)
            continue;
        size_t before = s->c->out->count;
        check_batch(s, ts_node_parent(a->fallback), a->fallback, what);
        if (s->c->out->count > before && strncmp(a->flag, "--", 2) == 0)
            s->c->ok = s->c->ok &&
                       lint_set_text(&s->c->out->finding[before].knob.flag, "%s", a->flag);
    }
}

void py_rule_minibatch(py_lint *c)
{
    batch_scan s = {.c = c};
    py_walk(c->f.root, lr_visit, &s);
    py_walk(c->f.root, visit, &s);
    check_arguments(&s);
}
