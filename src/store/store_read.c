/* Reading the run store (the report, resume, the CLI's summaries). */
#include "store/store.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "store/store_sql.h"

#define EXPERIMENT_COLUMNS                                                                         \
    "e.id, e.plan_key, e.name, e.created_at, e.command, e.plan_json, e.host_id, e.runs_per_arm, " \
    "e.warmup, e.run_order, e.seed, "                                                              \
    "(SELECT count(*) FROM runs r JOIN arms a ON r.arm_id = a.id WHERE a.experiment_id = e.id) "

static hml_status read_experiment(store *s, sqlite3_stmt *st, void *elem, hml_err *err)
{
    (void)s;
    store_experiment *e = elem;
    e->id = sqlite3_column_int64(st, 0);
    sql_column_copy(st, 1, e->plan_key, sizeof e->plan_key);
    e->name = sql_column_strdup(st, 2);
    e->created_at = sql_column_strdup_nonnull(st, 3);
    e->command = sql_column_strdup_nonnull(st, 4);
    e->plan_json = sql_column_strdup_nonnull(st, 5);
    e->host_id = sqlite3_column_int64(st, 6);
    e->runs_per_arm = (long)sqlite3_column_int64(st, 7);
    e->warmup = (long)sqlite3_column_int64(st, 8);
    sql_column_copy(st, 9, e->order, sizeof e->order);
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
    hml_status status = sql_select_rows(
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
    hml_status status = sql_prepare(s, sql, &st, err);
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
        status = sql_fail(s, err, HML_ESYSTEM, "reading an experiment");
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
    a->name = sql_column_strdup_nonnull(st, 3);
    a->is_baseline = sqlite3_column_int(st, 4) != 0;
    a->smell = sql_column_strdup(st, 5);
    a->argv_json = sql_column_strdup_nonnull(st, 6);
    a->env_json = sql_column_strdup_nonnull(st, 7);
    a->compare_with = sql_column_strdup(st, 8);
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
                sql_column_since(s, 2, "compare_with"));
    hml_status status = sql_select_rows(s, sql, experiment_id, sizeof **list, read_arm,
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
    sql_column_copy(st, 0, m->name, sizeof m->name);
    m->value = sqlite3_column_double(st, 1);
    sql_column_copy(st, 2, m->unit, sizeof m->unit);
    sql_column_copy(st, 3, m->method, sizeof m->method);
    return HML_OK;
}

static hml_status read_run(store *s, sqlite3_stmt *st, void *elem, hml_err *err)
{
    store_run *r = elem;
    r->id = sqlite3_column_int64(st, 0);
    r->arm_id = sqlite3_column_int64(st, 1);
    r->run_index = (long)sqlite3_column_int64(st, 2);
    r->position = (long)sqlite3_column_int64(st, 3);
    r->started_at = sql_column_strdup_nonnull(st, 4);
    r->host_id = sqlite3_column_int64(st, 5);
    if (store_run_status_parse((const char *)sqlite3_column_text(st, 6), &r->status, err) !=
        HML_OK)
        return hml_wrap(err, "store '%s'", s->path);
    r->reason = sql_column_strdup(st, 7);
    r->notes = sql_column_strdup(st, 8);
    r->result_json = sql_column_strdup(st, 9);
    if (!r->started_at)
        return hml_fail(err, HML_ESYSTEM, "store: out of memory");
    return HML_OK;
}

hml_status store_list_runs(store *s, int64_t arm_id, store_run **list, size_t *count,
                           hml_err *err)
{
    *list = NULL;
    *count = 0;
    hml_status status = sql_select_rows(s,
                                    "SELECT id, arm_id, run_index, position, started_at, "
                                    "host_id, status, reason, notes, result_json FROM runs "
                                    "WHERE arm_id = ? ORDER BY run_index",
                                    arm_id, sizeof **list, read_run, "listing runs",
                                    (void **)list, count, err);
    for (size_t i = 0; status == HML_OK && i < *count; i++) {
        store_run *run = &(*list)[i];
        status = sql_select_rows(
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
                sql_column_since(s, 3, "energy_j"));
    hml_status status = sql_select_rows(s, sql, run_id, sizeof **list, read_sample,
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
    hml_status status = sql_prepare(s,
                                "SELECT hostname, cpu_model, cores, threads, mem_bytes, "
                                "gpu_model, kernel, hmlcost_version FROM hosts WHERE id = ?",
                                &st, err);
    if (status != HML_OK)
        return status;
    sqlite3_bind_int64(st, 1, host_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sql_column_copy(st, 0, host->hostname, sizeof host->hostname);
        sql_column_copy(st, 1, host->cpu_model, sizeof host->cpu_model);
        host->cores = sqlite3_column_int(st, 2);
        host->threads = sqlite3_column_int(st, 3);
        host->mem_bytes = sqlite3_column_double(st, 4);
        sql_column_copy(st, 5, host->gpu_model, sizeof host->gpu_model);
        sql_column_copy(st, 6, host->kernel, sizeof host->kernel);
        sql_column_copy(st, 7, host->hmlcost_version, sizeof host->hmlcost_version);
        *found = true;
    } else if (rc != SQLITE_DONE) {
        status = sql_fail(s, err, HML_ESYSTEM, "reading a host");
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
