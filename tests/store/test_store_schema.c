/* Stores written by older hmlcost versions (schema 1 to 3, built here with
 * SQLite directly) migrate forward keeping their rows; a newer store is
 * refused untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "store/store_schema.h"

/* The tables the migrations change, as schema version 1 had them, with one
 * arm and one sample already stored. */
static const char *const version_1 =
    "CREATE TABLE arms (id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL,"
    "  position INTEGER NOT NULL, name TEXT NOT NULL, is_baseline INTEGER NOT NULL,"
    "  smell TEXT, argv_json TEXT NOT NULL, env_json TEXT NOT NULL);"
    "CREATE TABLE samples (run_id INTEGER NOT NULL, t_s REAL NOT NULL, rss_bytes REAL NOT NULL,"
    "  cpu_s REAL NOT NULL, processes INTEGER NOT NULL, gpu_mem_bytes REAL,"
    "  PRIMARY KEY (run_id, t_s)) WITHOUT ROWID;"
    "INSERT INTO arms VALUES (1, 1, 0, 'baseline', 1, NULL, '[]', '{}');"
    "INSERT INTO samples VALUES (1, 0.5, 1048576, 0.25, 2, NULL);"
    "PRAGMA user_version = 1;";

/* What each later version added, to build stores of version 2 and 3. */
static const char *const to_version[] = {
    NULL, NULL,
    "ALTER TABLE arms ADD COLUMN compare_with TEXT; PRAGMA user_version = 2;",
    "ALTER TABLE samples ADD COLUMN energy_j REAL; PRAGMA user_version = 3;",
};

static sqlite3 *old_store(int version)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, version_1, NULL, NULL, NULL), SQLITE_OK);
    for (int v = 2; v <= version; v++)
        assert_int_equal(sqlite3_exec(db, to_version[v], NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_schema_version(db), version);
    return db;
}

static int count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void old_stores_migrate_forward_keeping_their_rows(void **state)
{
    (void)state;
    for (int version = 1; version <= 3; version++) {
        sqlite3 *db = old_store(version);
        hml_err err;
        assert_int_equal(store_schema_migrate(db, "old.db", &err), HML_OK);
        assert_int_equal(store_schema_version(db), store_schema_latest_version());
        /* The rows stored before are there, the new columns NULL on them. */
        assert_int_equal(count_rows(db, "SELECT count(*) FROM arms WHERE name = 'baseline' "
                                        "AND compare_with IS NULL"), 1);
        assert_int_equal(count_rows(db, "SELECT count(*) FROM samples WHERE rss_bytes = 1048576 "
                                        "AND energy_j IS NULL"), 1);
        assert_int_equal(count_rows(db, "SELECT count(*) FROM live_runs"), 0);
        /* Migrating again changes nothing. */
        assert_int_equal(store_schema_migrate(db, "old.db", &err), HML_OK);
        assert_int_equal(store_schema_version(db), store_schema_latest_version());
        sqlite3_close(db);
    }
}

static void an_empty_database_gets_the_whole_schema(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(store_schema_version(db), 0);
    hml_err err;
    assert_int_equal(store_schema_migrate(db, "new.db", &err), HML_OK);
    assert_int_equal(store_schema_version(db), store_schema_latest_version());
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                    "name IN ('hosts','experiments','arms','runs','metrics',"
                                    "'samples','live_runs')"), 7);
    sqlite3_close(db);
}

static void a_newer_store_is_refused_untouched(void **state)
{
    (void)state;
    sqlite3 *db = old_store(1);
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", store_schema_latest_version() + 1);
    assert_int_equal(sqlite3_exec(db, bump, NULL, NULL, NULL), SQLITE_OK);
    hml_err err;
    assert_int_not_equal(store_schema_migrate(db, "future.db", &err), HML_OK);
    assert_non_null(strstr(err.msg, "newer than this hmlcost's"));
    assert_int_equal(store_schema_version(db), store_schema_latest_version() + 1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'live_runs'"),
                     0);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(old_stores_migrate_forward_keeping_their_rows),
        cmocka_unit_test(an_empty_database_gets_the_whole_schema),
        cmocka_unit_test(a_newer_store_is_refused_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
