/* Opening and closing the run store: refusing files that are not ours,
 * migrating the schema, and reading stores on read-only media. */
#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_schema.h"
#include "store/store_sql.h"

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
        return sql_fail(s, err, HML_EUSAGE, "reading the schema version");
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
            status = sql_fail(s, err, HML_EUSAGE, "cannot write");
        } else if (strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
            status = hml_fail(err, HML_EUSAGE, "store '%s': cannot switch to WAL mode (got '%s')",
                              path, (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
    }
    if (status == HML_OK)
        status = sql_exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", err);
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
