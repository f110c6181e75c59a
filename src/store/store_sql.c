/* Small statement helpers shared by the store's reading and writing. */
#include "store/store_sql.h"

#include <stdlib.h>
#include <string.h>

#include "common/text.h"

hml_status sql_fail(store *s, hml_err *err, hml_status status, const char *what)
{
    return hml_fail(err, status, "store '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

hml_status sql_exec(store *s, const char *sql, hml_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        hml_status status = hml_fail(err, HML_ESYSTEM, "store '%s': %s: %s", s->path, sql,
                                     msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return status;
    }
    return HML_OK;
}


hml_status sql_prepare(store *s, const char *sql, sqlite3_stmt **st, hml_err *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return sql_fail(s, err, HML_ESYSTEM, "preparing a statement");
    return HML_OK;
}

void sql_bind_text_or_null(sqlite3_stmt *st, int i, const char *text)
{
    if (text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

char *sql_column_strdup(sqlite3_stmt *st, int i)
{
    const unsigned char *text = sqlite3_column_text(st, i);
    return text ? strdup((const char *)text) : NULL;
}

char *sql_column_strdup_nonnull(sqlite3_stmt *st, int i)
{
    char *text = sql_column_strdup(st, i);
    return text ? text : strdup("");
}

void sql_column_copy(sqlite3_stmt *st, int i, char *dst, size_t size)
{
    text_copy(dst, size, (const char *)sqlite3_column_text(st, i));
}

const char *sql_column_since(const store *s, int since, const char *column)
{
    return s->version >= since ? column : "NULL";
}

hml_status sql_select_rows(store *s, const char *sql, int64_t key, size_t elem,
                           sql_row_reader read_row, const char *what, void **list, size_t *count,
                           hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = sql_prepare(s, sql, &st, err);
    if (status != HML_OK)
        return status;
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, key);
    size_t cap = *count;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*count == cap) {
            size_t n = cap ? cap * 2 : 8;
            void *grown = realloc(*list, n * elem);
            if (!grown) {
                status = hml_fail(err, HML_ESYSTEM, "store: out of memory");
                break;
            }
            *list = grown;
            cap = n;
        }
        void *slot = (char *)*list + (*count)++ * elem;
        memset(slot, 0, elem);
        status = read_row(s, st, slot, err);
        if (status != HML_OK)
            break;
    }
    sqlite3_finalize(st);
    if (status == HML_OK && rc != SQLITE_DONE)
        status = sql_fail(s, err, HML_ESYSTEM, what);
    return status;
}
