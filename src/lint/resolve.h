/* Following a Python expression to a number within one file: literals,
 * simple assignments (NAME = ...), function parameter defaults, argparse
 * defaults (args.NAME), arithmetic, int()/str(), and the CPU count
 * (os.cpu_count() and its kin, resolved against the host). Not followed:
 * values read from the environment, files, other modules, attributes of
 * objects other than argparse's, and anything computed by a call. */
#ifndef HMLCOST_LINT_RESOLVE_H
#define HMLCOST_LINT_RESOLVE_H

#include "lint/python_tree.h"

typedef struct py_value {
    bool known;
    double value;
    bool uses_cpus;       /* the CPU count is part of it */
    bool scaled;          /* a constant factor >= 2 multiplied it on the way */
    char trail[400];      /* how it was followed: "args.batch_size -> --batch-size default (line 9)" */
    char unfollowed[200]; /* when !known: what stopped it */
    /* the single literal that sets it, when there is one (for an experiment) */
    char flag[64];        /* an argparse flag on the way, or "" */
    size_t start, end;    /* bytes of that literal; start == end: none */
    bool quoted;          /* the literal is a string ("64") */
    unsigned line, col;   /* where the literal is */
} py_value;

/* Follows expr; false (with out->unfollowed) when it does not reach a number. */
bool py_resolve(const py_file *f, TSNode expr, long cpus, py_value *out);

#endif
