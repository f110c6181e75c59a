/* The run store on SQLite. Every write that belongs together is one
 * transaction (BEGIN IMMEDIATE ... COMMIT), so a kill -9 at any moment leaves
 * whole runs or none; WAL mode lets a report read while a run writes. */
#include "runner/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.h"
#include "meter/clock.h"
#include "runner/store_schema.h"

struct store {
    sqlite3 *db;
    char *path;
    bool read_only;
    int version; /* the schema's; a reader may open an older one it knows */
};

static const char *const status_names[] = {"ok", "failed", "crashed", "timeout", "error"};

const char *store_run_status_name(store_run_status status)
{
    if ((unsigned)status < sizeof status_names / sizeof status_names[0])
        return status_names[status];
    return "error";
}

hml_status store_run_status_parse(const char *text, store_run_status *status, hml_err *err)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (text && strcmp(text, status_names[i]) == 0) {
            *status = (store_run_status)i;
            return HML_OK;
        }
    return hml_fail(err, HML_EUSAGE, "unknown run status '%s'", text ? text : "(null)");
}

static hml_status db_fail(store *s, hml_err *err, hml_status status, const char *what)
{
    return hml_fail(err, status, "store '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* A file that exists must begin with SQLite's magic before we let SQLite at
 * it: SQLite would otherwise report the problem only on the first query,
 * and we promise to leave a foreign file exactly as it was. */
static hml_status check_existing_file(const char *path, bool *exists, hml_err *err)
{
    struct stat sb;
    *exists = false;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return HML_OK;
        return hml_fail(err, HML_EUSAGE, "store '%s': %s", path, strerror(errno));
    }
    if (!S_ISREG(sb.st_mode))
        return hml_fail(err, HML_EUSAGE, "store '%s': not a regular file", path);
    *exists = true;
    if (sb.st_size == 0)
        return HML_OK; /* SQLite treats an empty file as an empty database */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hml_fail(err, HML_EUSAGE, "store '%s': %s", path, strerror(errno));
    char magic[16] = {0};
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    if (n != (ssize_t)sizeof magic || memcmp(magic, "SQLite format 3", 16) != 0)
        return hml_fail(err, HML_EUSAGE, "store '%s': not an SQLite database", path);
    return HML_OK;
}

/* An SQLite file that holds other tables but no hmlcost schema is someone
 * else's database: do not add our tables to it. */
static hml_status check_foreign_database(store *s, hml_err *err)
{
    /* One statement, so one snapshot: read apart, another hmlcost creating
     * the same store could commit its first schema in between, and version
     * 0 with tables would look like someone else's database. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT user_version, (SELECT count(*) FROM sqlite_master) "
                           "FROM pragma_user_version",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_fail(s, err, HML_EUSAGE, "reading the schema version");
    }
    int version = sqlite3_column_int(st, 0);
    int objects = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    if (version != 0)
        return HML_OK;
    if (objects > 0)
        return hml_fail(err, HML_EUSAGE, "store '%s': an SQLite database but not an hmlcost store",
                        s->path);
    if (s->read_only)
        return hml_fail(err, HML_EUSAGE, "store '%s': empty (no runs stored yet)", s->path);
    return HML_OK;
}

static hml_status exec_sql(store *s, const char *sql, hml_err *err)
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

static hml_status open_sqlite(store *s, const char *name, int flags)
{
    return sqlite3_open_v2(name, &s->db, flags, NULL) == SQLITE_OK ? HML_OK : HML_ESYSTEM;
}

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* path with a suffix ("-wal"), or NULL when memory runs out. */
static char *with_suffix(const char *path, const char *suffix)
{
    size_t len = strlen(path) + strlen(suffix) + 1;
    char *name = malloc(len);
    if (name)
        snprintf(name, len, "%s%s", path, suffix);
    return name;
}

/* Whether we may write the store, its directory and the -wal/-shm beside it
 * (access(2) also says no on read-only media). */
static bool store_writable(const char *path, const char *wal, const char *shm)
{
    char *copy = strdup(path);
    if (!copy)
        return false;
    char *slash = strrchr(copy, '/');
    const char *dir = !slash ? "." : slash == copy ? "/" : (*slash = '\0', copy);
    bool ok = access(path, W_OK) == 0 && access(dir, W_OK) == 0 &&
              (!file_exists(wal) || access(wal, W_OK) == 0) &&
              (!file_exists(shm) || access(shm, W_OK) == 0);
    free(copy);
    return ok;
}

/* "file:" URI of path with the immutable flag: every byte but the
 * unreserved ones percent-encoded, so '?' or '#' in a name stay the name. */
static char *immutable_uri(const char *path)
{
    size_t len = strlen(path);
    char *uri = malloc(sizeof "file:" + 3 * len + sizeof "?immutable=1");
    if (!uri)
        return NULL;
    char *o = uri + sprintf(uri, "file:");
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        if (isalnum(*c) || strchr("/-._~", *c))
            *o++ = (char)*c;
        else
            o += sprintf(o, "%%%02X", *c);
    }
    strcpy(o, "?immutable=1");
    return uri;
}

/* A reader opens the store so that it works on read-only media and on a
 * store someone else owns, and leaves nothing beside it:
 * - store writable: opened read-write but query-only, so that the last
 *   connection to close removes the -wal and -shm that opening made (as the
 *   sqlite3 shell does); a -wal that holds a writer's transactions (a run
 *   writing now, or killed) is left as found, not checkpointed;
 * - not writable, no -wal: no writer can be mid-transaction, and SQLite
 *   could not create its -shm: read as an immutable file;
 * - not writable, with a -wal: read-only, through the writer's -shm. */
static hml_status open_for_reading(store *s)
{
    /* SQLite keeps the -wal beside the file a symlink leads to */
    char *real = realpath(s->path, NULL);
    const char *file = real ? real : s->path;
    char *wal = with_suffix(file, "-wal"), *shm = with_suffix(file, "-shm");
    if (!wal || !shm) {
        free(real);
        free(wal);
        free(shm);
        return HML_ESYSTEM;
    }
    struct stat wal_sb;
    bool has_wal = stat(wal, &wal_sb) == 0;
    hml_status status;
    if (store_writable(file, wal, shm)) {
        status = open_sqlite(s, s->path, SQLITE_OPEN_READWRITE);
        if (status == HML_OK && has_wal && wal_sb.st_size > 0)
            sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        if (status == HML_OK &&
            sqlite3_exec(s->db, "PRAGMA query_only=1", NULL, NULL, NULL) != SQLITE_OK)
            status = HML_ESYSTEM;
    } else if (!has_wal) {
        char *uri = immutable_uri(s->path);
        status = uri ? open_sqlite(s, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI) : HML_ESYSTEM;
        free(uri);
    } else {
        status = open_sqlite(s, s->path, SQLITE_OPEN_READONLY);
    }
    free(real);
    free(wal);
    free(shm);
    return status;
}

hml_status store_open(store **out, const char *path, store_mode mode, hml_err *err)
{
    *out = NULL;
    if (!path || !*path)
        return hml_fail(err, HML_EUSAGE, "store: empty file name");
    bool exists = false;
    hml_status status = check_existing_file(path, &exists, err);
    if (status != HML_OK)
        return status;
    if (!exists && mode == STORE_READ_ONLY)
        return hml_fail(err, HML_EUSAGE, "store '%s': no such file", path);

    store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return hml_fail(err, HML_ESYSTEM, "store: out of memory");
    }
    s->read_only = mode == STORE_READ_ONLY;
    status = s->read_only ? open_for_reading(s) : open_sqlite(s, path, SQLITE_OPEN_READWRITE |
                                                                         SQLITE_OPEN_CREATE);
    if (status != HML_OK) {
        status = hml_fail(err, HML_EUSAGE, "store '%s': cannot open: %s", path,
                          s->db ? sqlite3_errmsg(s->db) : "out of memory");
        store_close(s);
        return status;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);

    status = check_foreign_database(s, err);
    if (status == HML_OK && !s->read_only) {
        /* WAL: readers (reports) never block the writer; a crash loses at
         * most the transaction in flight. */
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        /* Switching a new file to WAL needs it to itself; a second hmlcost
         * creating the same store at the same moment waits (the busy
         * handler is not always called for this). */
        for (int tries = 0; (rc & 0xff) == SQLITE_BUSY && tries < 1000; tries++) {
            sqlite3_reset(st);
            sqlite3_sleep(10);
            rc = sqlite3_step(st);
        }
        if (rc != SQLITE_ROW) {
            status = db_fail(s, err, HML_EUSAGE, "cannot write");
        } else if (strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
            status = hml_fail(err, HML_EUSAGE, "store '%s': cannot switch to WAL mode (got '%s')",
                              path, (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
    }
    if (status == HML_OK)
        status = exec_sql(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", err);
    if (status == HML_OK) {
        if (s->read_only) {
            /* A reader cannot migrate: it reads the versions it knows (every
             * one from the first), and what an older one lacks reads as NULL. */
            int version = store_schema_version(s->db);
            if (version < 1 || version > store_schema_latest_version())
                status = hml_fail(err, HML_EUSAGE,
                                  "store '%s': schema version %d, this hmlcost reads 1 to %d%s",
                                  path, version, store_schema_latest_version(),
                                  version > store_schema_latest_version() ? " (a newer hmlcost "
                                                                            "wrote it)"
                                                                          : "");
            s->version = version;
        } else {
            status = store_schema_migrate(s->db, path, err);
            s->version = store_schema_latest_version();
        }
    }
    if (status != HML_OK) {
        store_close(s);
        return status;
    }
    *out = s;
    return HML_OK;
}

void store_close(store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

/* ---- small statement helpers ------------------------------------------ */

static hml_status prepare(store *s, const char *sql, sqlite3_stmt **st, hml_err *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(s, err, HML_ESYSTEM, "preparing a statement");
    return HML_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *text)
{
    if (text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static char *column_strdup(sqlite3_stmt *st, int i)
{
    const unsigned char *text = sqlite3_column_text(st, i);
    return text ? strdup((const char *)text) : NULL;
}

static char *column_strdup_nonnull(sqlite3_stmt *st, int i)
{
    char *text = column_strdup(st, i);
    return text ? text : strdup("");
}

static void column_copy(sqlite3_stmt *st, int i, char *dst, size_t size)
{
    text_copy(dst, size, (const char *)sqlite3_column_text(st, i));
}

/* column, or NULL when the store's schema is older than since, the version
 * that added it (a reader opens older stores as they are). */
static const char *column_since(const store *s, int since, const char *column)
{
    return s->version >= since ? column : "NULL";
}

/* Fills one element (zeroed) from the statement's current row. */
typedef hml_status (*row_reader)(store *s, sqlite3_stmt *st, void *elem, hml_err *err);

/* Runs a SELECT (its one parameter, if it has one, bound to key) and
 * appends one element of elem bytes per row to *list, read by read_row.
 * On failure the elements read so far stay in *list (*count of them, the
 * last maybe half-filled, never with a dangling pointer) for the caller's
 * *_free; what names the query in a database error. */
static hml_status select_rows(store *s, const char *sql, int64_t key, size_t elem,
                              row_reader read_row, const char *what, void **list, size_t *count,
                              hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s, sql, &st, err);
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
        status = db_fail(s, err, HML_ESYSTEM, what);
    return status;
}

/* ---- writing ---------------------------------------------------------- */

hml_status store_put_host(store *s, const meter_host *host, int64_t *host_id, hml_err *err)
{
    char fingerprint[1024];
    meter_host_fingerprint(host, fingerprint, sizeof fingerprint);
    char now[32];
    clock_utc_iso8601(now, sizeof now);
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(
        s,
        "INSERT INTO hosts (fingerprint, hostname, cpu_model, cores, threads, mem_bytes, "
        "gpu_model, kernel, hmlcost_version, first_seen) VALUES (?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (fingerprint) DO NOTHING",
        &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, fingerprint, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, host->hostname, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, host->cpu_model, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, host->cores);
    sqlite3_bind_int(st, 5, host->threads);
    sqlite3_bind_double(st, 6, host->mem_bytes);
    sqlite3_bind_text(st, 7, host->gpu_model, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, host->kernel, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, host->hmlcost_version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, now, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, err, HML_ESYSTEM, "storing the host");

    status = prepare(s, "SELECT id FROM hosts WHERE fingerprint = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, fingerprint, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_fail(s, err, HML_ESYSTEM, "finding the host");
    }
    *host_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return HML_OK;
}

static hml_status find_experiment_by_key(store *s, const char *plan_key, int64_t *id, bool *found,
                                         hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s, "SELECT id FROM experiments WHERE plan_key = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, plan_key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(s, err, HML_ESYSTEM, "finding the experiment");
    return HML_OK;
}

/* The same plan asked with more runs per arm: the experiment grows (its
 * finished runs are kept); asked with fewer, it keeps what it has. */
static hml_status raise_runs_per_arm(store *s, int64_t experiment_id,
                                     const store_experiment_spec *spec, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s,
                                "UPDATE experiments SET runs_per_arm = ?, plan_json = ? "
                                "WHERE id = ? AND runs_per_arm < ?",
                                &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, spec->runs_per_arm);
    sqlite3_bind_text(st, 2, spec->plan_json ? spec->plan_json : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, experiment_id);
    sqlite3_bind_int64(st, 4, spec->runs_per_arm);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, err, HML_ESYSTEM, "raising the experiment's runs per arm");
    return HML_OK;
}

/* A name given when an experiment is resumed (or topped up) is its new name;
 * none given keeps the one it has. */
static hml_status rename_experiment(store *s, int64_t experiment_id,
                                    const store_experiment_spec *spec, hml_err *err)
{
    if (!spec->name)
        return HML_OK;
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s, "UPDATE experiments SET name = ? WHERE id = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, spec->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, experiment_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, err, HML_ESYSTEM, "renaming the experiment");
    return HML_OK;
}

static hml_status resume_experiment(store *s, int64_t experiment_id,
                                    const store_experiment_spec *spec, hml_err *err)
{
    hml_status status = raise_runs_per_arm(s, experiment_id, spec, err);
    return status == HML_OK ? rename_experiment(s, experiment_id, spec, err) : status;
}

hml_status store_begin_experiment(store *s, const store_experiment_spec *spec,
                                  int64_t *experiment_id, bool *resumed, hml_err *err)
{
    hml_status status = find_experiment_by_key(s, spec->plan_key, experiment_id, resumed, err);
    if (status != HML_OK)
        return status;
    if (*resumed)
        return resume_experiment(s, *experiment_id, spec, err);
    char now[32];
    clock_utc_iso8601(now, sizeof now);
    sqlite3_stmt *st = NULL;
    /* ON CONFLICT: another hmlcost may create the same experiment meanwhile. */
    status = prepare(s,
                     "INSERT INTO experiments (plan_key, name, created_at, command, plan_json, "
                     "host_id, runs_per_arm, warmup, run_order, seed) VALUES (?,?,?,?,?,?,?,?,?,?) "
                     "ON CONFLICT (plan_key) DO NOTHING",
                     &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, spec->plan_key, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 2, spec->name);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, spec->command ? spec->command : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, spec->plan_json ? spec->plan_json : "{}", -1, SQLITE_TRANSIENT);
    if (spec->host_id > 0)
        sqlite3_bind_int64(st, 6, spec->host_id);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, spec->runs_per_arm);
    sqlite3_bind_int64(st, 8, spec->warmup);
    sqlite3_bind_text(st, 9, spec->order, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)spec->seed);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, err, HML_ESYSTEM, "storing the experiment");
    if (sqlite3_changes(s->db) == 1) {
        *experiment_id = sqlite3_last_insert_rowid(s->db);
        return HML_OK;
    }
    /* Another hmlcost created it first: resume it as above, more runs included. */
    status = find_experiment_by_key(s, spec->plan_key, experiment_id, resumed, err);
    if (status == HML_OK && *resumed)
        return resume_experiment(s, *experiment_id, spec, err);
    return status;
}

hml_status store_put_arm(store *s, int64_t experiment_id, const store_arm_spec *arm,
                         int64_t *arm_id, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status =
        prepare(s,
                "INSERT INTO arms (experiment_id, position, name, is_baseline, smell, argv_json, "
                "env_json, compare_with) VALUES (?,?,?,?,?,?,?,?) "
                "ON CONFLICT (experiment_id, name) DO NOTHING",
                &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, experiment_id);
    sqlite3_bind_int(st, 2, arm->position);
    sqlite3_bind_text(st, 3, arm->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, arm->is_baseline ? 1 : 0);
    bind_text_or_null(st, 5, arm->smell);
    sqlite3_bind_text(st, 6, arm->argv_json ? arm->argv_json : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, arm->env_json ? arm->env_json : "[]", -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 8, arm->compare_with);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, err, HML_ESYSTEM, "storing an arm");
    status = prepare(s, "SELECT id FROM arms WHERE experiment_id = ? AND name = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, experiment_id);
    sqlite3_bind_text(st, 2, arm->name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_fail(s, err, HML_ESYSTEM, "finding an arm");
    }
    *arm_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return HML_OK;
}

static hml_status read_run_index(store *s, sqlite3_stmt *st, void *elem, hml_err *err)
{
    (void)s;
    (void)err;
    *(long *)elem = (long)sqlite3_column_int64(st, 0);
    return HML_OK;
}

hml_status store_arm_run_indices(store *s, int64_t arm_id, long **indices, size_t *count,
                                 hml_err *err)
{
    *indices = NULL;
    *count = 0;
    hml_status status =
        select_rows(s, "SELECT run_index FROM runs WHERE arm_id = ? ORDER BY run_index", arm_id,
                    sizeof **indices, read_run_index, "reading runs", (void **)indices, count,
                    err);
    if (status != HML_OK) {
        free(*indices);
        *indices = NULL;
        *count = 0;
    }
    return status;
}

hml_status store_put_live_run(store *s, const store_live_run *run, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s,
                                "INSERT OR REPLACE INTO live_runs (token, owner_pid, owner_start, "
                                "hostname, boot_id, cgroups, started_at) VALUES (?,?,?,?,?,?,?)",
                                &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, run->token, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, run->owner_pid);
    sqlite3_bind_int64(st, 3, run->owner_start);
    sqlite3_bind_text(st, 4, run->hostname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, run->boot_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, run->cgroups, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, run->started_at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HML_OK : db_fail(s, err, HML_ESYSTEM, "recording a run under way");
}

hml_status store_drop_live_run(store *s, const char *token, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s, "DELETE FROM live_runs WHERE token = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HML_OK : db_fail(s, err, HML_ESYSTEM, "dropping a run under way");
}

hml_status store_list_live_runs(store *s, store_live_run **runs, size_t *count, hml_err *err)
{
    *runs = NULL;
    *count = 0;
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s,
                                "SELECT token, owner_pid, owner_start, hostname, boot_id, cgroups, "
                                "started_at FROM live_runs ORDER BY started_at",
                                &st, err);
    if (status != HML_OK)
        return status;
    size_t capacity = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*count == capacity) {
            capacity = capacity ? capacity * 2 : 4;
            store_live_run *grown = realloc(*runs, capacity * sizeof *grown);
            if (!grown) {
                sqlite3_finalize(st);
                free(*runs);
                *runs = NULL;
                *count = 0;
                return hml_fail(err, HML_ESYSTEM, "out of memory");
            }
            *runs = grown;
        }
        store_live_run *r = &(*runs)[(*count)++];
        column_copy(st, 0, r->token, sizeof r->token);
        r->owner_pid = (long)sqlite3_column_int64(st, 1);
        r->owner_start = (long long)sqlite3_column_int64(st, 2);
        column_copy(st, 3, r->hostname, sizeof r->hostname);
        column_copy(st, 4, r->boot_id, sizeof r->boot_id);
        column_copy(st, 5, r->cgroups, sizeof r->cgroups);
        column_copy(st, 6, r->started_at, sizeof r->started_at);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*runs);
        *runs = NULL;
        *count = 0;
        return db_fail(s, err, HML_ESYSTEM, "reading runs under way");
    }
    return HML_OK;
}

hml_status store_has_run(store *s, int64_t arm_id, long run_index, bool *stored, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status =
        prepare(s, "SELECT 1 FROM runs WHERE arm_id = ? AND run_index = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, arm_id);
    sqlite3_bind_int64(st, 2, run_index);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(s, err, HML_ESYSTEM, "reading runs");
    *stored = rc == SQLITE_ROW;
    return HML_OK;
}

static hml_status put_run_rows(store *s, const store_run_record *run, int64_t *run_id,
                               hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status =
        prepare(s,
                "INSERT INTO runs (arm_id, run_index, position, started_at, host_id, status, "
                "reason, notes, result_json) VALUES (?,?,?,?,?,?,?,?,?)",
                &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, run->arm_id);
    sqlite3_bind_int64(st, 2, run->run_index);
    sqlite3_bind_int64(st, 3, run->position);
    sqlite3_bind_text(st, 4, run->started_at ? run->started_at : "", -1, SQLITE_TRANSIENT);
    if (run->host_id > 0)
        sqlite3_bind_int64(st, 5, run->host_id);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_text(st, 6, store_run_status_name(run->status), -1, SQLITE_STATIC);
    bind_text_or_null(st, 7, run->reason);
    bind_text_or_null(st, 8, run->notes);
    bind_text_or_null(st, 9, run->result_json);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return hml_fail(err, HML_EUSAGE, "store '%s': run %ld of arm %lld is already stored",
                        s->path, run->run_index, (long long)run->arm_id);
    if (rc != SQLITE_DONE)
        return db_fail(s, err, HML_ESYSTEM, "storing a run");
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (run_id)
        *run_id = id;

    status = prepare(s, "INSERT INTO metrics (run_id, name, value, unit, method) VALUES (?,?,?,?,?)",
                     &st, err);
    if (status != HML_OK)
        return status;
    for (size_t i = 0; i < run->metric_count; i++) {
        const meter_metric *m = &run->metrics[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, m->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 3, m->value);
        sqlite3_bind_text(st, 4, m->unit, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, m->method, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            status = db_fail(s, err, HML_ESYSTEM, "storing a metric");
            sqlite3_finalize(st);
            return status;
        }
    }
    sqlite3_finalize(st);

    status = prepare(s,
                     "INSERT OR REPLACE INTO samples (run_id, t_s, rss_bytes, cpu_s, processes, "
                     "gpu_mem_bytes, energy_j) VALUES (?,?,?,?,?,?,?)",
                     &st, err);
    if (status != HML_OK)
        return status;
    for (size_t i = 0; i < run->sample_count; i++) {
        const meter_sample *p = &run->samples[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_double(st, 2, p->t_s);
        sqlite3_bind_double(st, 3, p->rss_bytes);
        sqlite3_bind_double(st, 4, p->cpu_s);
        sqlite3_bind_int(st, 5, p->processes);
        if (p->gpu_mem_bytes >= 0)
            sqlite3_bind_double(st, 6, p->gpu_mem_bytes);
        else
            sqlite3_bind_null(st, 6);
        if (isfinite(p->energy_j))
            sqlite3_bind_double(st, 7, p->energy_j);
        else
            sqlite3_bind_null(st, 7);
        if (sqlite3_step(st) != SQLITE_DONE) {
            status = db_fail(s, err, HML_ESYSTEM, "storing a sample");
            sqlite3_finalize(st);
            return status;
        }
    }
    sqlite3_finalize(st);
    return HML_OK;
}

hml_status store_put_run(store *s, const store_run_record *run, int64_t *run_id, hml_err *err)
{
    hml_status status = exec_sql(s, "BEGIN IMMEDIATE", err);
    if (status != HML_OK)
        return status;
    status = put_run_rows(s, run, run_id, err);
    if (status == HML_OK)
        status = exec_sql(s, "COMMIT", err);
    if (status != HML_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}

/* ---- reading ---------------------------------------------------------- */

#define EXPERIMENT_COLUMNS                                                                         \
    "e.id, e.plan_key, e.name, e.created_at, e.command, e.plan_json, e.host_id, e.runs_per_arm, " \
    "e.warmup, e.run_order, e.seed, "                                                              \
    "(SELECT count(*) FROM runs r JOIN arms a ON r.arm_id = a.id WHERE a.experiment_id = e.id) "

static hml_status read_experiment(store *s, sqlite3_stmt *st, void *elem, hml_err *err)
{
    (void)s;
    store_experiment *e = elem;
    e->id = sqlite3_column_int64(st, 0);
    column_copy(st, 1, e->plan_key, sizeof e->plan_key);
    e->name = column_strdup(st, 2);
    e->created_at = column_strdup_nonnull(st, 3);
    e->command = column_strdup_nonnull(st, 4);
    e->plan_json = column_strdup_nonnull(st, 5);
    e->host_id = sqlite3_column_int64(st, 6);
    e->runs_per_arm = (long)sqlite3_column_int64(st, 7);
    e->warmup = (long)sqlite3_column_int64(st, 8);
    column_copy(st, 9, e->order, sizeof e->order);
    e->seed = (uint64_t)sqlite3_column_int64(st, 10);
    e->runs_stored = (long)sqlite3_column_int64(st, 11);
    if (!e->created_at || !e->command || !e->plan_json ||
        (sqlite3_column_type(st, 2) != SQLITE_NULL && !e->name))
        return hml_fail(err, HML_ESYSTEM, "store: out of memory");
    return HML_OK;
}

void store_experiment_clear(store_experiment *exp)
{
    if (!exp)
        return;
    free(exp->name);
    free(exp->created_at);
    free(exp->command);
    free(exp->plan_json);
    memset(exp, 0, sizeof *exp);
}

void store_experiments_free(store_experiment *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++)
        store_experiment_clear(&list[i]);
    free(list);
}

hml_status store_list_experiments(store *s, store_experiment **list, size_t *count, hml_err *err)
{
    *list = NULL;
    *count = 0;
    hml_status status = select_rows(
        s, "SELECT " EXPERIMENT_COLUMNS "FROM experiments e ORDER BY e.created_at DESC, e.id DESC",
        0, sizeof **list, read_experiment, "listing experiments", (void **)list, count, err);
    if (status != HML_OK) {
        store_experiments_free(*list, *count);
        *list = NULL;
        *count = 0;
    }
    return status;
}

static hml_status get_one_experiment(store *s, const char *where, int64_t id,
                                     store_experiment *exp, bool *found, hml_err *err)
{
    memset(exp, 0, sizeof *exp);
    *found = false;
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT " EXPERIMENT_COLUMNS "FROM experiments e %s", where);
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s, sql, &st, err);
    if (status != HML_OK)
        return status;
    if (strchr(where, '?'))
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        status = read_experiment(s, st, exp, err);
        if (status != HML_OK)
            store_experiment_clear(exp);
        else
            *found = true;
    } else if (rc != SQLITE_DONE) {
        status = db_fail(s, err, HML_ESYSTEM, "reading an experiment");
    }
    sqlite3_finalize(st);
    return status;
}

hml_status store_latest_experiment(store *s, store_experiment *exp, bool *found, hml_err *err)
{
    /* The latest is the one last created or added to (a top-up of an older
     * experiment makes it the latest); within one second, the one with the
     * latest run. */
    return get_one_experiment(s,
                              "LEFT JOIN (SELECT a.experiment_id AS experiment_id, "
                              "max(r.started_at) AS last_started, max(r.id) AS last_run "
                              "FROM runs r JOIN arms a ON a.id = r.arm_id "
                              "GROUP BY a.experiment_id) l ON l.experiment_id = e.id "
                              "ORDER BY max(e.created_at, coalesce(l.last_started, '')) DESC, "
                              "coalesce(l.last_run, 0) DESC, e.id DESC LIMIT 1",
                              0, exp, found, err);
}

hml_status store_get_experiment(store *s, int64_t id, store_experiment *exp, bool *found,
                                hml_err *err)
{
    return get_one_experiment(s, "WHERE e.id = ?", id, exp, found, err);
}

void store_arms_free(store_arm *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++) {
        free(list[i].name);
        free(list[i].smell);
        free(list[i].compare_with);
        free(list[i].argv_json);
        free(list[i].env_json);
    }
    free(list);
}

static hml_status read_arm(store *s, sqlite3_stmt *st, void *elem, hml_err *err)
{
    (void)s;
    store_arm *a = elem;
    a->id = sqlite3_column_int64(st, 0);
    a->experiment_id = sqlite3_column_int64(st, 1);
    a->position = sqlite3_column_int(st, 2);
    a->name = column_strdup_nonnull(st, 3);
    a->is_baseline = sqlite3_column_int(st, 4) != 0;
    a->smell = column_strdup(st, 5);
    a->argv_json = column_strdup_nonnull(st, 6);
    a->env_json = column_strdup_nonnull(st, 7);
    a->compare_with = column_strdup(st, 8);
    if (!a->name || !a->argv_json || !a->env_json)
        return hml_fail(err, HML_ESYSTEM, "store: out of memory");
    return HML_OK;
}

hml_status store_list_arms(store *s, int64_t experiment_id, store_arm **list, size_t *count,
                           hml_err *err)
{
    *list = NULL;
    *count = 0;
    char sql[256];
    text_format(sql, sizeof sql,
                "SELECT id, experiment_id, position, name, is_baseline, smell, argv_json, "
                "env_json, %s FROM arms WHERE experiment_id = ? ORDER BY position, id",
                column_since(s, 2, "compare_with"));
    hml_status status = select_rows(s, sql, experiment_id, sizeof **list, read_arm,
                                    "listing arms", (void **)list, count, err);
    if (status != HML_OK) {
        store_arms_free(*list, *count);
        *list = NULL;
        *count = 0;
    }
    return status;
}

void store_runs_free(store_run *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++) {
        free(list[i].started_at);
        free(list[i].reason);
        free(list[i].notes);
        free(list[i].result_json);
        free(list[i].metrics);
    }
    free(list);
}

static hml_status read_metric(store *s, sqlite3_stmt *st, void *elem, hml_err *err)
{
    (void)s;
    (void)err;
    meter_metric *m = elem;
    column_copy(st, 0, m->name, sizeof m->name);
    m->value = sqlite3_column_double(st, 1);
    column_copy(st, 2, m->unit, sizeof m->unit);
    column_copy(st, 3, m->method, sizeof m->method);
    return HML_OK;
}

static hml_status read_run(store *s, sqlite3_stmt *st, void *elem, hml_err *err)
{
    store_run *r = elem;
    r->id = sqlite3_column_int64(st, 0);
    r->arm_id = sqlite3_column_int64(st, 1);
    r->run_index = (long)sqlite3_column_int64(st, 2);
    r->position = (long)sqlite3_column_int64(st, 3);
    r->started_at = column_strdup_nonnull(st, 4);
    r->host_id = sqlite3_column_int64(st, 5);
    if (store_run_status_parse((const char *)sqlite3_column_text(st, 6), &r->status, err) !=
        HML_OK)
        return hml_wrap(err, "store '%s'", s->path);
    r->reason = column_strdup(st, 7);
    r->notes = column_strdup(st, 8);
    r->result_json = column_strdup(st, 9);
    if (!r->started_at)
        return hml_fail(err, HML_ESYSTEM, "store: out of memory");
    return HML_OK;
}

hml_status store_list_runs(store *s, int64_t arm_id, store_run **list, size_t *count,
                           hml_err *err)
{
    *list = NULL;
    *count = 0;
    hml_status status = select_rows(s,
                                    "SELECT id, arm_id, run_index, position, started_at, "
                                    "host_id, status, reason, notes, result_json FROM runs "
                                    "WHERE arm_id = ? ORDER BY run_index",
                                    arm_id, sizeof **list, read_run, "listing runs",
                                    (void **)list, count, err);
    for (size_t i = 0; status == HML_OK && i < *count; i++) {
        store_run *run = &(*list)[i];
        status = select_rows(
            s, "SELECT name, value, unit, method FROM metrics WHERE run_id = ? ORDER BY name",
            run->id, sizeof *run->metrics, read_metric, "reading metrics",
            (void **)&run->metrics, &run->metric_count, err);
    }
    if (status != HML_OK) {
        store_runs_free(*list, *count);
        *list = NULL;
        *count = 0;
    }
    return status;
}

static hml_status read_sample(store *s, sqlite3_stmt *st, void *elem, hml_err *err)
{
    (void)s;
    (void)err;
    meter_sample *p = elem;
    p->t_s = sqlite3_column_double(st, 0);
    p->rss_bytes = sqlite3_column_double(st, 1);
    p->cpu_s = sqlite3_column_double(st, 2);
    p->processes = sqlite3_column_int(st, 3);
    p->gpu_mem_bytes =
        sqlite3_column_type(st, 4) == SQLITE_NULL ? -1.0 : sqlite3_column_double(st, 4);
    p->energy_j = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
    return HML_OK;
}

hml_status store_list_samples(store *s, int64_t run_id, meter_sample **list, size_t *count,
                              hml_err *err)
{
    *list = NULL;
    *count = 0;
    char sql[256];
    text_format(sql, sizeof sql,
                "SELECT t_s, rss_bytes, cpu_s, processes, gpu_mem_bytes, %s FROM samples "
                "WHERE run_id = ? ORDER BY t_s",
                column_since(s, 3, "energy_j"));
    hml_status status = select_rows(s, sql, run_id, sizeof **list, read_sample,
                                    "reading samples", (void **)list, count, err);
    if (status != HML_OK) {
        free(*list);
        *list = NULL;
        *count = 0;
    }
    return status;
}

hml_status store_get_host(store *s, int64_t host_id, meter_host *host, bool *found, hml_err *err)
{
    memset(host, 0, sizeof *host);
    *found = false;
    sqlite3_stmt *st = NULL;
    hml_status status = prepare(s,
                                "SELECT hostname, cpu_model, cores, threads, mem_bytes, "
                                "gpu_model, kernel, hmlcost_version FROM hosts WHERE id = ?",
                                &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, host_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        column_copy(st, 0, host->hostname, sizeof host->hostname);
        column_copy(st, 1, host->cpu_model, sizeof host->cpu_model);
        host->cores = sqlite3_column_int(st, 2);
        host->threads = sqlite3_column_int(st, 3);
        host->mem_bytes = sqlite3_column_double(st, 4);
        column_copy(st, 5, host->gpu_model, sizeof host->gpu_model);
        column_copy(st, 6, host->kernel, sizeof host->kernel);
        column_copy(st, 7, host->hmlcost_version, sizeof host->hmlcost_version);
        *found = true;
    } else if (rc != SQLITE_DONE) {
        status = db_fail(s, err, HML_ESYSTEM, "reading a host");
    }
    sqlite3_finalize(st);
    return status;
}

const meter_metric *store_run_metric(const store_run *run, const char *name)
{
    for (size_t i = 0; i < run->metric_count; i++)
        if (strcmp(run->metrics[i].name, name) == 0)
            return &run->metrics[i];
    return NULL;
}
