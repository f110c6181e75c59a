/* The store's schema and its migrations. PRAGMA user_version holds the
 * version; migration i takes a store from version i to i+1, inside the same
 * transaction that bumps user_version, so a crash leaves either the old or
 * the new schema. Add a migration at the end; never edit a shipped one. */
#include "store/store_schema.h"

#include <sqlite3.h>
#include <stddef.h>

#include "store/store.h"

static const char *const migrations[] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE hosts ("
    "  id INTEGER PRIMARY KEY,"
    "  fingerprint TEXT NOT NULL UNIQUE,"
    "  hostname TEXT NOT NULL,"
    "  cpu_model TEXT NOT NULL,"
    "  cores INTEGER NOT NULL,"          /* physical cores */
    "  threads INTEGER NOT NULL,"        /* logical CPUs */
    "  mem_bytes REAL NOT NULL,"
    "  gpu_model TEXT NOT NULL,"         /* '' when none */
    "  kernel TEXT NOT NULL,"
    "  hmlcost_version TEXT NOT NULL,"
    "  first_seen TEXT NOT NULL"
    ");"
    "CREATE TABLE experiments ("
    "  id INTEGER PRIMARY KEY,"
    "  plan_key TEXT NOT NULL UNIQUE,"   /* hash of plan_json: resume finds it */
    "  name TEXT,"
    "  created_at TEXT NOT NULL,"
    "  command TEXT NOT NULL,"
    "  plan_json TEXT NOT NULL,"         /* every option of the protocol */
    "  host_id INTEGER REFERENCES hosts(id),"
    "  runs_per_arm INTEGER NOT NULL CHECK (runs_per_arm >= 1),"
    "  warmup INTEGER NOT NULL CHECK (warmup >= 0),"
    "  run_order TEXT NOT NULL CHECK (run_order IN ('interleaved','random','blocked')),"
    "  seed INTEGER NOT NULL"
    ");"
    "CREATE TABLE arms ("
    "  id INTEGER PRIMARY KEY,"
    "  experiment_id INTEGER NOT NULL REFERENCES experiments(id),"
    "  position INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  is_baseline INTEGER NOT NULL CHECK (is_baseline IN (0,1)),"
    "  smell TEXT,"
    "  argv_json TEXT NOT NULL,"
    "  env_json TEXT NOT NULL,"
    "  UNIQUE (experiment_id, name)"
    ");"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  arm_id INTEGER NOT NULL REFERENCES arms(id),"
    "  run_index INTEGER NOT NULL,"      /* 0..runs_per_arm-1 within the arm */
    "  position INTEGER NOT NULL,"       /* place in the experiment's schedule */
    "  started_at TEXT NOT NULL,"
    "  host_id INTEGER REFERENCES hosts(id),"
    "  status TEXT NOT NULL CHECK (status IN ('ok','failed','crashed','timeout','error')),"
    "  reason TEXT,"
    "  notes TEXT,"
    "  result_json TEXT,"
    "  UNIQUE (arm_id, run_index)"       /* a run is never stored twice */
    ");"
    "CREATE TABLE metrics ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id),"
    "  name TEXT NOT NULL,"
    "  value REAL NOT NULL,"
    "  unit TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  PRIMARY KEY (run_id, name)"
    ") WITHOUT ROWID;"
    "CREATE TABLE samples ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id),"
    "  t_s REAL NOT NULL,"
    "  rss_bytes REAL NOT NULL,"
    "  cpu_s REAL NOT NULL,"
    "  processes INTEGER NOT NULL,"
    "  gpu_mem_bytes REAL,"              /* NULL when not known */
    "  PRIMARY KEY (run_id, t_s)"
    ") WITHOUT ROWID;"
    "CREATE INDEX arms_by_experiment ON arms(experiment_id, position);",
    /* 1 -> 2: the arm a smell arm is compared with (per-smell baselines). */
    "ALTER TABLE arms ADD COLUMN compare_with TEXT;",
    /* 2 -> 3: each sample's energy since the run began (J, the method of the
     * run's energy_total_j); NULL when not known, as for every older row. */
    "ALTER TABLE samples ADD COLUMN energy_j REAL;",
    /* 3 -> 4: the runs under way, each recorded before it starts and dropped
     * once its processes are gone: what a later hmlcost needs to end the
     * processes of a run whose hmlcost was killed (kill -9). */
    "CREATE TABLE live_runs ("
    "  token TEXT PRIMARY KEY,"          /* $HMLCOST_RUN_TOKEN of every process of the run */
    "  owner_pid INTEGER NOT NULL,"      /* the hmlcost that runs it */
    "  owner_start INTEGER NOT NULL,"    /* its start time (clock ticks after boot) */
    "  hostname TEXT NOT NULL,"
    "  boot_id TEXT NOT NULL,"
    "  cgroups TEXT NOT NULL,"           /* the run's cgroup directories, one a line; '' */
    "  started_at TEXT NOT NULL"
    ") WITHOUT ROWID;",
};

int store_schema_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

int store_schema_latest_version(void) { return (int)(sizeof migrations / sizeof migrations[0]); }

hml_status store_schema_migrate(sqlite3 *db, const char *path, hml_err *err)
{
    int version = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        hml_status status = hml_fail(err, HML_EUSAGE, "store '%s': %s", path, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return status;
    }
    version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);

    int latest = store_schema_latest_version();
    if (version > latest)
        return hml_fail(err, HML_EUSAGE,
                        "store '%s': schema version %d is newer than this hmlcost's (%d)", path,
                        version, latest);
    while (version < latest) {
        char *msg = NULL;
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
            hml_status status = hml_fail(err, HML_ESYSTEM, "store '%s': %s", path,
                                         msg ? msg : sqlite3_errmsg(db));
            sqlite3_free(msg);
            return status;
        }
        /* Another hmlcost may have migrated while we waited for the lock. */
        version = store_schema_version(db);
        if (version < 0 || version >= latest) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            break;
        }
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(db, migrations[version], NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, bump, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            hml_status status = hml_fail(err, HML_ESYSTEM, "store '%s': migrating to version %d: %s",
                                         path, version + 1, msg ? msg : sqlite3_errmsg(db));
            sqlite3_free(msg);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return status;
        }
        version++;
    }
    return HML_OK;
}
