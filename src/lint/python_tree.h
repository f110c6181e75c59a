/* A Python file parsed with tree-sitter, and the facts about it the rules
 * share: its simple assignments, argparse arguments and model classes. */
#ifndef HMLCOST_LINT_PYTHON_TREE_H
#define HMLCOST_LINT_PYTHON_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <tree_sitter/api.h>

/* NAME = value, anywhere in the file (module level or inside a function). */
typedef struct py_assignment {
    char name[64];
    TSNode value;
} py_assignment;

/* parser.add_argument("--batch-size", type=int, default=4096) */
typedef struct py_argument {
    char dest[64];   /* batch_size */
    char flag[64];   /* --batch-size */
    TSNode fallback; /* the default= value; null node when none */
    unsigned line;
} py_argument;

typedef struct py_file {
    const char *path;
    const char *src;
    size_t len;
    TSParser *parser;
    TSTree *tree;
    TSNode root;
    py_assignment *assign;
    size_t assign_count;
    py_argument *arg;
    size_t arg_count;
    char (*model_class)[64]; /* classes deriving from nn.Module, keras.Model, ... */
    size_t model_class_count;
} py_file;

/* Parses text; false only when out of memory or the parser refuses. */
bool py_file_open(py_file *f, const char *path, const char *src, size_t len);
void py_file_close(py_file *f);

/* Calls visit on every named node below root, in document order, without
 * recursion (a deeply nested file cannot exhaust the stack). */
void py_walk(TSNode root, void (*visit)(TSNode node, void *ctx), void *ctx);

bool py_is(TSNode node, const char *type);
/* The node's source text into buf (cut to size); "" for a null node. */
void py_text(const py_file *f, TSNode node, char *buf, size_t size);
bool py_text_eq(const py_file *f, TSNode node, const char *text);
/* The dotted name of a call's function ("torch.set_num_threads"); false
 * when it is not a name or attribute chain. */
bool py_call_name(const py_file *f, TSNode call, char *buf, size_t size);
/* The last part of that name ("set_num_threads"). */
const char *py_last_part(const char *dotted);
/* A call's keyword argument value, or a null node. */
TSNode py_call_kwarg(const py_file *f, TSNode call, const char *name);
/* A call's positional argument number index, or a null node. */
TSNode py_call_arg(TSNode call, unsigned index);
/* The value of a plain string literal (no interpolation); false otherwise. */
bool py_string_value(const py_file *f, TSNode node, char *buf, size_t size);
/* The string parts of a string, concatenation or f-string with the
 * interpolations written as {expr}; false when node is not a string. */
bool py_string_shape(const py_file *f, TSNode node, char *buf, size_t size);

unsigned py_line(TSNode node); /* 1-based */
unsigned py_col(TSNode node);  /* 1-based */

#endif
