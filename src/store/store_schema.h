/* Schema migrations of the run store (private to src/store). */
#ifndef HMLCOST_STORE_SCHEMA_H
#define HMLCOST_STORE_SCHEMA_H

#include <sqlite3.h>
#include <stdio.h>

#include "common/error.h"

/* The version a freshly migrated store has (STORE_SCHEMA_VERSION). */
int store_schema_latest_version(void);

/* db's schema version (PRAGMA user_version); -1 when it cannot be read. */
int store_schema_version(sqlite3 *db);

/* Brings db up to the latest version, one transaction per step. */
hml_status store_schema_migrate(sqlite3 *db, const char *path, hml_err *err);

#endif
