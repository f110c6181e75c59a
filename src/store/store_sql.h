/* What the store's files share (private to src/store): the open handle and
 * small SQLite statement helpers. */
#ifndef HMLCOST_STORE_SQL_H
#define HMLCOST_STORE_SQL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "store/store.h"

struct store {
    sqlite3 *db;
    char *path;
    bool read_only;
    int version; /* the schema's; a reader may open an older one it knows */
};

/* Fails with status, naming the store, what was being done and SQLite's message. */
hml_status sql_fail(store *s, hml_err *err, hml_status status, const char *what);

/* Runs SQL without results (BEGIN, COMMIT, PRAGMA ...). */
hml_status sql_exec(store *s, const char *sql, hml_err *err);

hml_status sql_prepare(store *s, const char *sql, sqlite3_stmt **st, hml_err *err);
void sql_bind_text_or_null(sqlite3_stmt *st, int i, const char *text);

/* A column's text: a heap copy (NULL for SQL NULL, or "" with _nonnull;
 * NULL also when memory runs out), or copied into dst (truncated). */
char *sql_column_strdup(sqlite3_stmt *st, int i);
char *sql_column_strdup_nonnull(sqlite3_stmt *st, int i);
void sql_column_copy(sqlite3_stmt *st, int i, char *dst, size_t size);

/* column, or "NULL" when the store's schema is older than since, the
 * version that added it (a reader opens older stores as they are). */
const char *sql_column_since(const store *s, int since, const char *column);

/* Fills one element (zeroed) from the statement's current row. */
typedef hml_status (*sql_row_reader)(store *s, sqlite3_stmt *st, void *elem, hml_err *err);

/* Runs a SELECT (its one parameter, if it has one, bound to key) and
 * appends one element of elem bytes per row to *list, read by read_row.
 * On failure the elements read so far stay in *list (*count of them, the
 * last maybe half-filled, never with a dangling pointer) for the caller's
 * *_free; what names the query in a database error. */
hml_status sql_select_rows(store *s, const char *sql, int64_t key, size_t elem,
                           sql_row_reader read_row, const char *what, void **list, size_t *count,
                           hml_err *err);

#endif
