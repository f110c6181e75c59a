/* The store's SQLite helpers: errors name the store and what failed, NULL
 * columns stay NULL (or "" when asked), copies are cut to their field, and
 * columns newer than an opened store read as NULL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_sql.h"

static void open_memory(store *s)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(sqlite3_open(":memory:", &s->db), SQLITE_OK);
    s->path = "mem.db";
}

static void failures_name_the_store_and_the_statement(void **state)
{
    (void)state;
    store s;
    open_memory(&s);
    hml_err err;
    assert_int_equal(sql_exec(&s, "CREATE TABLE t (a TEXT)", &err), HML_OK);
    assert_int_equal(sql_exec(&s, "INSERT INTO nope VALUES (1)", &err), HML_ESYSTEM);
    assert_string_equal(err.msg, "store 'mem.db': INSERT INTO nope VALUES (1): no such table: nope");
    sqlite3_close(s.db);
}

static void null_columns_and_cut_copies(void **state)
{
    (void)state;
    store s;
    open_memory(&s);
    hml_err err;
    assert_int_equal(sql_exec(&s, "CREATE TABLE t (a TEXT, b TEXT);"
                                  "INSERT INTO t VALUES (NULL, 'abcdef')", &err), HML_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sql_prepare(&s, "SELECT a, b FROM t", &st, &err), HML_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_null(sql_column_strdup(st, 0));
    char *empty = sql_column_strdup_nonnull(st, 0);
    assert_non_null(empty);
    assert_string_equal(empty, "");
    free(empty);
    char *b = sql_column_strdup(st, 1);
    assert_string_equal(b, "abcdef");
    free(b);
    char cut[4];
    sql_column_copy(st, 1, cut, sizeof cut);
    assert_string_equal(cut, "abc");
    sqlite3_finalize(st);
    sqlite3_close(s.db);
}

static void columns_newer_than_the_store_read_as_null(void **state)
{
    (void)state;
    store s = {.version = 2};
    assert_string_equal(sql_column_since(&s, 3, "energy_j"), "NULL");
    assert_string_equal(sql_column_since(&s, 2, "compare_with"), "compare_with");
    s.version = 4;
    assert_string_equal(sql_column_since(&s, 3, "energy_j"), "energy_j");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failures_name_the_store_and_the_statement),
        cmocka_unit_test(null_columns_and_cut_copies),
        cmocka_unit_test(columns_newer_than_the_store_read_as_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
