/* Writing to the run store. Every write that belongs together is one
 * transaction (BEGIN IMMEDIATE ... COMMIT), so a kill -9 at any moment leaves
 * whole runs or none. */
#include "store/store.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "meter/clock.h"
#include "store/store_sql.h"

hml_status store_put_host(store *s, const meter_host *host, int64_t *host_id, hml_err *err)
{
    char fingerprint[1024];
    meter_host_fingerprint(host, fingerprint, sizeof fingerprint);
    char now[32];
    clock_utc_iso8601(now, sizeof now);
    sqlite3_stmt *st = NULL;
    hml_status status = sql_prepare(
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
        return sql_fail(s, err, HML_ESYSTEM, "storing the host");

    status = sql_prepare(s, "SELECT id FROM hosts WHERE fingerprint = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, fingerprint, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return sql_fail(s, err, HML_ESYSTEM, "finding the host");
    }
    *host_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return HML_OK;
}

static hml_status find_experiment_by_key(store *s, const char *plan_key, int64_t *id, bool *found,
                                         hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = sql_prepare(s, "SELECT id FROM experiments WHERE plan_key = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, plan_key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_fail(s, err, HML_ESYSTEM, "finding the experiment");
    return HML_OK;
}

/* The same plan asked with more runs per arm: the experiment grows (its
 * finished runs are kept); asked with fewer, it keeps what it has. */
static hml_status raise_runs_per_arm(store *s, int64_t experiment_id,
                                     const store_experiment_spec *spec, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status = sql_prepare(s,
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
        return sql_fail(s, err, HML_ESYSTEM, "raising the experiment's runs per arm");
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
    hml_status status = sql_prepare(s, "UPDATE experiments SET name = ? WHERE id = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, spec->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, experiment_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_fail(s, err, HML_ESYSTEM, "renaming the experiment");
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
    status = sql_prepare(s,
                     "INSERT INTO experiments (plan_key, name, created_at, command, plan_json, "
                     "host_id, runs_per_arm, warmup, run_order, seed) VALUES (?,?,?,?,?,?,?,?,?,?) "
                     "ON CONFLICT (plan_key) DO NOTHING",
                     &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_text(st, 1, spec->plan_key, -1, SQLITE_TRANSIENT);
    sql_bind_text_or_null(st, 2, spec->name);
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
        return sql_fail(s, err, HML_ESYSTEM, "storing the experiment");
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
        sql_prepare(s,
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
    sql_bind_text_or_null(st, 5, arm->smell);
    sqlite3_bind_text(st, 6, arm->argv_json ? arm->argv_json : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, arm->env_json ? arm->env_json : "[]", -1, SQLITE_TRANSIENT);
    sql_bind_text_or_null(st, 8, arm->compare_with);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_fail(s, err, HML_ESYSTEM, "storing an arm");
    status = sql_prepare(s, "SELECT id FROM arms WHERE experiment_id = ? AND name = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, experiment_id);
    sqlite3_bind_text(st, 2, arm->name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return sql_fail(s, err, HML_ESYSTEM, "finding an arm");
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
        sql_select_rows(s, "SELECT run_index FROM runs WHERE arm_id = ? ORDER BY run_index", arm_id,
                    sizeof **indices, read_run_index, "reading runs", (void **)indices, count,
                    err);
    if (status != HML_OK) {
        free(*indices);
        *indices = NULL;
        *count = 0;
    }
    return status;
}

hml_status store_has_run(store *s, int64_t arm_id, long run_index, bool *stored, hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status =
        sql_prepare(s, "SELECT 1 FROM runs WHERE arm_id = ? AND run_index = ?", &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, arm_id);
    sqlite3_bind_int64(st, 2, run_index);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_fail(s, err, HML_ESYSTEM, "reading runs");
    *stored = rc == SQLITE_ROW;
    return HML_OK;
}

static hml_status put_run_rows(store *s, const store_run_record *run, int64_t *run_id,
                               hml_err *err)
{
    sqlite3_stmt *st = NULL;
    hml_status status =
        sql_prepare(s,
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
    sql_bind_text_or_null(st, 7, run->reason);
    sql_bind_text_or_null(st, 8, run->notes);
    sql_bind_text_or_null(st, 9, run->result_json);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return hml_fail(err, HML_EUSAGE, "store '%s': run %ld of arm %lld is already stored",
                        s->path, run->run_index, (long long)run->arm_id);
    if (rc != SQLITE_DONE)
        return sql_fail(s, err, HML_ESYSTEM, "storing a run");
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (run_id)
        *run_id = id;

    status = sql_prepare(s, "INSERT INTO metrics (run_id, name, value, unit, method) VALUES (?,?,?,?,?)",
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
            status = sql_fail(s, err, HML_ESYSTEM, "storing a metric");
            sqlite3_finalize(st);
            return status;
        }
    }
    sqlite3_finalize(st);

    status = sql_prepare(s,
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
            status = sql_fail(s, err, HML_ESYSTEM, "storing a sample");
            sqlite3_finalize(st);
            return status;
        }
    }
    sqlite3_finalize(st);
    return HML_OK;
}

hml_status store_put_run(store *s, const store_run_record *run, int64_t *run_id, hml_err *err)
{
    hml_status status = sql_exec(s, "BEGIN IMMEDIATE", err);
    if (status != HML_OK)
        return status;
    status = put_run_rows(s, run, run_id, err);
    if (status == HML_OK)
        status = sql_exec(s, "COMMIT", err);
    if (status != HML_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}
