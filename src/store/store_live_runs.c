/* The runs in progress, recorded before a run starts so that the next
 * `hmlcost run` on the store can end what a crashed one left running. */
#include "store/store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "store/store_sql.h"

hml_status store_put_live_run(store *s, const store_live_run *run, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = sql_prepare(s,
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
    return rc == SQLITE_DONE ? HML_OK : sql_fail(s, err, HML_ESYSTEM, "recording a run under way");
}

hml_status store_drop_live_run(store *s, const char *token, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = sql_prepare(s, "DELETE FROM live_runs WHERE token = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HML_OK : sql_fail(s, err, HML_ESYSTEM, "dropping a run under way");
}

hml_status store_list_live_runs(store *s, store_live_run **runs, size_t *count, hml_err *err)
{
    *runs = NULL;
    *count = 0;
    sqlite3_stmt *st = NULL;
    hml_status status = sql_prepare(s,
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
        sql_column_copy(st, 0, r->token, sizeof r->token);
        r->owner_pid = (long)sqlite3_column_int64(st, 1);
        r->owner_start = (long long)sqlite3_column_int64(st, 2);
        sql_column_copy(st, 3, r->hostname, sizeof r->hostname);
        sql_column_copy(st, 4, r->boot_id, sizeof r->boot_id);
        sql_column_copy(st, 5, r->cgroups, sizeof r->cgroups);
        sql_column_copy(st, 6, r->started_at, sizeof r->started_at);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*runs);
        *runs = NULL;
        *count = 0;
        return sql_fail(s, err, HML_ESYSTEM, "reading runs under way");
    }
    return HML_OK;
}
