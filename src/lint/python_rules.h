/* The Python side of the rules: one visitor per rule family over a parsed
 * file, sharing this context. */
#ifndef HMLCOST_LINT_PYTHON_RULES_H
#define HMLCOST_LINT_PYTHON_RULES_H

#include "lint/lint_internal.h"
#include "lint/python_tree.h"
#include "lint/resolve.h"

typedef struct py_lint {
    py_file f;
    const lint_host *host;
    lint_result *out;
    bool ok;               /* false once memory ran out */
} py_lint;

/* A finding at node (its first line and column); NULL when out of memory. */
lint_finding *py_finding(py_lint *c, lint_rule_id rule, TSNode at);
/* Records how a value was followed on the finding, and its knob. */
bool py_finding_value(lint_finding *f, const py_value *v, const char *what);

void py_rule_model_reuse(py_lint *c);
void py_rule_minibatch(py_lint *c);
void py_rule_libpath(py_lint *c);
void py_rule_parallelism(py_lint *c);

/* A write of an environment variable lint knows (LD_LIBRARY_PATH, thread
 * variables): os.environ[...] = v, os.environ.update/setdefault, os.putenv,
 * dict(..., NAME=v), {"NAME": v}, env["NAME"] = v. */
typedef void (*py_env_write_fn)(py_lint *c, const char *name, TSNode value, TSNode at, void *ctx);
void py_env_writes(py_lint *c, py_env_write_fn fn, void *ctx);

#endif
