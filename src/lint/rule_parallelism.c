/* parallelism: thread and worker counts above the CPUs available, and
 * process pools whose workers each run a thread pool (nested). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/python_rules.h"

static const char *const thread_variables[] = {
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
    "NUMEXPR_MAX_THREADS", "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS", "GOTO_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", NULL,
};

bool lint_is_thread_variable(const char *name)
{
    for (size_t i = 0; thread_variables[i]; i++)
        if (strcmp(name, thread_variables[i]) == 0)
            return true;
    return false;
}

/* Calls whose first argument is a thread count. */
static const char *const thread_setters[] = {
    "set_num_threads", "set_num_interop_threads", "set_intra_op_parallelism_threads",
    "set_inter_op_parallelism_threads", NULL,
};

typedef struct par_scan {
    py_lint *c;
    long threads_max;     /* the largest thread count set in a function, below the CPUs */
    TSNode pool_at;       /* the largest process pool below the CPUs */
    long pool_max;
} par_scan;

static const char *fix_text =
    "use at most the CPUs available (len(os.sched_getaffinity(0)), which honours the "
    "affinity mask; or leave the library's default)";

static void flag_count(py_lint *c, TSNode at, const char *what, const py_value *v)
{
    lint_finding *f = py_finding(c, LINT_PARALLELISM, at);
    if (!f)
        return;
    c->ok = lint_set_text(&f->what, "%s asks for %.0f threads or workers; %ld CPUs are "
                                     "available (%s)", what, v->value, c->host->cpus,
                          c->host->cpus_source) &&
            lint_set_text(&f->fix, "%s", fix_text) && py_finding_value(f, v, "followed");
}

/* A thread count set inside a function: what a pool's worker may run. */
static bool in_function(TSNode n)
{
    for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p))
        if (py_is(p, "function_definition"))
            return true;
    return false;
}

/* A count: flagged above the CPUs, remembered for the nested check below. */
static void check_count(py_lint *c, TSNode at, TSNode value, const char *what, bool pool,
                        par_scan *s)
{
    py_value v;
    if (ts_node_is_null(value) || !py_resolve(&c->f, value, c->host->cpus, &v))
        return;
    if (v.value > (double)c->host->cpus) {
        flag_count(c, at, what, &v);
    } else if (pool && v.value > (double)s->pool_max) {
        s->pool_max = (long)v.value;
        s->pool_at = at;
    } else if (!pool && in_function(at) && v.value > (double)s->threads_max) {
        s->threads_max = (long)v.value;
    }
}

static void visit(TSNode n, void *ctx)
{
    par_scan *s = ctx;
    py_lint *c = s->c;
    char name[128], what[200];
    if (!py_is(n, "call") || !py_call_name(&c->f, n, name, sizeof name))
        return;
    const char *last = py_last_part(name);
    for (size_t i = 0; thread_setters[i]; i++) {
        if (strcmp(last, thread_setters[i]) == 0) {
            snprintf(what, sizeof what, "%s()", name);
            check_count(c, n, py_call_arg(n, 0), what, false, s);
            return;
        }
    }
    TSNode workers = py_call_kwarg(&c->f, n, "num_workers");
    if (!ts_node_is_null(workers)) {
        snprintf(what, sizeof what, "%s(num_workers=...)", name);
        check_count(c, n, workers, what, false, s);
        return;
    }
    if (strcmp(last, "Pool") == 0 || strcmp(last, "ProcessPoolExecutor") == 0) {
        TSNode size = py_call_kwarg(&c->f, n, last[0] == 'P' && last[1] == 'o' ? "processes"
                                                                               : "max_workers");
        if (ts_node_is_null(size))
            size = py_call_arg(n, 0);
        snprintf(what, sizeof what, "%s()", name);
        check_count(c, n, size, what, true, s);
    }
}

/* os.environ["OMP_NUM_THREADS"] = "64" and the like; "8,8" is nested. */
static void env_write(py_lint *c, const char *name, TSNode value, TSNode at, void *ctx)
{
    par_scan *s = ctx;
    if (!lint_is_thread_variable(name))
        return;
    char text[64], what[200];
    if (py_string_value(&c->f, value, text, sizeof text) && strchr(text, ',')) {
        long product = 1;
        for (char *p = text; *p;) {
            long k = strtol(p, &p, 10);
            product *= k > 0 ? k : 1;
            if (*p == ',')
                p++;
            else if (*p)
                return; /* not a list of counts */
        }
        if (product <= c->host->cpus)
            return;
        lint_finding *f = py_finding(c, LINT_PARALLELISM, at);
        c->ok = f &&
                lint_set_text(&f->what, "%s=\"%s\" nests OpenMP levels: %ld threads in all; "
                                        "%ld CPUs are available (%s)", name, text, product,
                              c->host->cpus, c->host->cpus_source) &&
                lint_set_text(&f->fix, "one level, at most the CPUs available");
        if (f)
            f->knob.value = product;
        return;
    }
    snprintf(what, sizeof what, "setting %s", name);
    check_count(c, at, value, what, false, s);
}

void py_rule_parallelism(py_lint *c)
{
    par_scan s = {.c = c};
    py_walk(c->f.root, visit, &s);
    py_env_writes(c, env_write, &s);
    /* each pool process runs its own thread pool */
    if (s.pool_max > 1 && s.threads_max > 1 && s.pool_max * s.threads_max > c->host->cpus) {
        lint_finding *f = py_finding(c, LINT_PARALLELISM, s.pool_at);
        c->ok = f &&
                lint_set_text(&f->what, "nested pools: %ld processes, each running %ld threads "
                                        "(set in a function of this file), make %ld threads; %ld CPUs are "
                                        "available (%s)", s.pool_max, s.threads_max,
                              s.pool_max * s.threads_max, c->host->cpus, c->host->cpus_source) &&
                lint_set_text(&f->fix, "give each process CPUs / processes threads (or one "
                                       "thread), so that processes x threads <= CPUs");
        if (f)
            f->knob.value = s.pool_max * s.threads_max;
    }
}
