/* What the lint room's files share: adding findings and notes, and the
 * per-language entry points. Not part of lint.h's interface. */
#ifndef HMLCOST_LINT_INTERNAL_H
#define HMLCOST_LINT_INTERNAL_H

#include "lint/lint.h"

/* Appends a finding at path:line:col with every text NULL; NULL when out of memory. */
lint_finding *lint_result_add(lint_result *r, lint_rule_id rule, const char *path,
                              lint_language language, unsigned line, unsigned col,
                              unsigned end_line, unsigned end_col);
/* Sets *field to a formatted copy (freeing the old one); false when out of memory. */
bool lint_set_text(char **field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool lint_result_note(lint_result *r, const char *path, bool skipped, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sorts the findings by path, line and column and drops exact repeats. */
void lint_result_sort(lint_result *r);

/* Reads a file lint may read (a regular file up to LINT_MAX_FILE_BYTES) into
 * a NUL-terminated *text. HML_EUSAGE with why filled when the file is the
 * problem ("cannot read: ...", "... MiB, above ..."); HML_ESYSTEM when memory
 * runs out. */
hml_status lint_read_source(const char *path, char **text, size_t *len, char *why,
                            size_t why_size);

hml_status lint_python(const char *path, const char *text, size_t len, const lint_host *host,
                       lint_result *out, hml_err *err);
hml_status lint_launcher(const char *path, lint_language language, const char *text,
                         size_t len, const lint_host *host, lint_result *out, hml_err *err);

/* Thread-count variables a launcher or os.environ may set. */
bool lint_is_thread_variable(const char *name);

/* What is wrong with the entries of an LD_LIBRARY_PATH value, as a clause
 * for a finding ("entry 2 'lib' is relative; ..."), "" when nothing is;
 * dynamic parts ($VAR, {expr}) are skipped. */
void lint_libpath_entries(const char *value, char *buf, size_t size);

#endif
