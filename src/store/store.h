/* The run store: one SQLite file (WAL mode, busy timeout) holding
 * experiments, their arms, runs with every metric and its method, the
 * sampled time series and the hosts. The schema is versioned with
 * PRAGMA user_version and migrated forward on open (store_schema.c).
 *
 * Writing (the runner): store_open -> store_put_host -> store_begin_experiment
 * (finds the experiment by its plan key, so the same plan resumes) ->
 * store_put_arm per arm -> store_put_run per finished run (one transaction:
 * the run row, its metrics, its samples and the workload's result JSON).
 *
 * Reading (the report): store_list_experiments / store_latest_experiment /
 * store_get_experiment -> store_list_arms -> store_list_runs (each run with
 * its metrics) -> store_list_samples, store_get_host.
 *
 * Every list is returned as a heap array the caller releases with the
 * matching *_free function. Times are ISO 8601 UTC text ("2025-01-31T12:00:00.123Z"). */
#ifndef HMLCOST_STORE_STORE_H
#define HMLCOST_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "meter/host.h"
#include "meter/metric.h"

#define STORE_SCHEMA_VERSION 4

typedef struct store store;

typedef enum store_mode {
    STORE_READ_WRITE, /* creates the file and the schema when missing */
    STORE_READ_ONLY,  /* the file must exist; never written (report) */
} store_mode;

/* Opens (or creates) the store. A file that is not an SQLite database, a
 * store from a newer hmlcost, or a path that cannot be written: HML_EUSAGE,
 * and the file is left as it was. */
hml_status store_open(store **out, const char *path, store_mode mode, hml_err *err);
void store_close(store *s);

/* Run statuses (docs/contracts.md). */
typedef enum store_run_status {
    STORE_RUN_OK,      /* exit 0 */
    STORE_RUN_FAILED,  /* non-zero exit */
    STORE_RUN_CRASHED, /* killed by a signal */
    STORE_RUN_TIMEOUT, /* killed after --timeout */
    STORE_RUN_ERROR,   /* could not be started */
} store_run_status;

const char *store_run_status_name(store_run_status status); /* "ok", "failed", ... */
hml_status store_run_status_parse(const char *text, store_run_status *status, hml_err *err);

/* ---- runs under way ---------------------------------------------------- */

/* A run recorded before it starts, until its processes are gone. */
typedef struct store_live_run {
    char token[40];
    long owner_pid;
    long long owner_start; /* clock ticks after boot */
    char hostname[256];
    char boot_id[40];
    char cgroups[2048]; /* '\n'-separated directories; "" when none */
    char started_at[32];
} store_live_run;

hml_status store_put_live_run(store *s, const store_live_run *run, hml_err *err);
hml_status store_drop_live_run(store *s, const char *token, hml_err *err);
/* Every recorded run (*runs is NULL when none); free with free(). */
hml_status store_list_live_runs(store *s, store_live_run **runs, size_t *count, hml_err *err);

/* ---- writing ---------------------------------------------------------- */

/* Inserts the host unless an identical one is stored; *host_id either way. */
hml_status store_put_host(store *s, const meter_host *host, int64_t *host_id, hml_err *err);

/* What defines an experiment; plan_json is the canonical plan (plan.h). */
typedef struct store_experiment_spec {
    const char *plan_key;  /* 16 hex digits, plan_key() */
    const char *name;      /* label or NULL */
    const char *plan_json;
    const char *command;   /* the baseline's command line, for display */
    int64_t host_id;
    long runs_per_arm;
    long warmup;
    const char *order;     /* "interleaved", "random", "blocked" */
    uint64_t seed;
} store_experiment_spec;

/* Finds the experiment with spec->plan_key, or creates it. *resumed says
 * whether it existed; an existing one asked for more runs per arm grows to
 * that many (its finished runs are kept), never shrinks. */
hml_status store_begin_experiment(store *s, const store_experiment_spec *spec,
                                  int64_t *experiment_id, bool *resumed, hml_err *err);

typedef struct store_arm_spec {
    const char *name;
    int position;          /* 0-based order of the arm in the plan */
    bool is_baseline;
    const char *smell;     /* or NULL */
    const char *compare_with; /* the arm it is compared with, or NULL: the baseline */
    const char *argv_json; /* JSON array of strings: the full command */
    const char *env_json;  /* JSON array of "VAR=VAL" / "VAR" changes */
} store_arm_spec;

/* Inserts the arm or returns the existing one of that name. */
hml_status store_put_arm(store *s, int64_t experiment_id, const store_arm_spec *arm,
                         int64_t *arm_id, hml_err *err);

/* The run indices of an arm already stored (any status), ascending. */
hml_status store_arm_run_indices(store *s, int64_t arm_id, long **indices, size_t *count,
                                 hml_err *err);

/* Whether the arm's run with that index is stored (by us or by another
 * process running the same plan on the same store). */
hml_status store_has_run(store *s, int64_t arm_id, long run_index, bool *stored, hml_err *err);

typedef struct store_run_record {
    int64_t arm_id;
    long run_index;          /* 0..runs_per_arm-1 within the arm */
    long position;           /* place in the experiment's schedule, 0-based */
    const char *started_at;  /* ISO 8601 UTC */
    int64_t host_id;
    store_run_status status;
    const char *reason;      /* why not ok ("exit status 3", "SIGSEGV", ...) or NULL */
    const char *notes;       /* how energy was obtained and why, or NULL */
    const char *result_json; /* the workload's line, verbatim, or NULL */
    const meter_metric *metrics;
    size_t metric_count;
    const meter_sample *samples;
    size_t sample_count;
} store_run_record;

/* Stores one finished run in a single transaction. A run with the same arm
 * and index already stored: HML_EUSAGE, nothing written. *run_id may be NULL. */
hml_status store_put_run(store *s, const store_run_record *run, int64_t *run_id, hml_err *err);

/* ---- reading ---------------------------------------------------------- */

typedef struct store_experiment {
    int64_t id;
    char plan_key[17];
    char *name;       /* NULL when none */
    char *created_at;
    char *command;
    char *plan_json;
    int64_t host_id;
    long runs_per_arm;
    long warmup;
    char order[16];
    uint64_t seed;
    long runs_stored; /* runs of all arms in the store, any status */
} store_experiment;

typedef struct store_arm {
    int64_t id;
    int64_t experiment_id;
    int position;
    char *name;
    bool is_baseline;
    char *smell;     /* NULL when none */
    char *compare_with; /* NULL: the experiment's baseline */
    char *argv_json;
    char *env_json;
} store_arm;

typedef struct store_run {
    int64_t id;
    int64_t arm_id;
    long run_index;
    long position;
    char *started_at;
    int64_t host_id;
    store_run_status status;
    char *reason;      /* NULL when none */
    char *notes;       /* NULL when none */
    char *result_json; /* NULL when the workload wrote none */
    meter_metric *metrics; /* sorted by name */
    size_t metric_count;
} store_run;

/* Newest first. */
hml_status store_list_experiments(store *s, store_experiment **list, size_t *count, hml_err *err);
/* The experiment last created or added to (a top-up makes an older one the
 * latest); *found false when the store has none. */
hml_status store_latest_experiment(store *s, store_experiment *exp, bool *found, hml_err *err);
hml_status store_get_experiment(store *s, int64_t id, store_experiment *exp, bool *found,
                                hml_err *err);
/* In plan order (position). */
hml_status store_list_arms(store *s, int64_t experiment_id, store_arm **list, size_t *count,
                           hml_err *err);
/* In run_index order, every status, each with its metrics. */
hml_status store_list_runs(store *s, int64_t arm_id, store_run **list, size_t *count,
                           hml_err *err);
/* In time order. */
hml_status store_list_samples(store *s, int64_t run_id, meter_sample **list, size_t *count,
                              hml_err *err);
hml_status store_get_host(store *s, int64_t host_id, meter_host *host, bool *found, hml_err *err);

/* The run's metric called name, or NULL. */
const meter_metric *store_run_metric(const store_run *run, const char *name);

void store_experiment_clear(store_experiment *exp);
void store_experiments_free(store_experiment *list, size_t count);
void store_arms_free(store_arm *list, size_t count);
void store_runs_free(store_run *list, size_t count);

#endif
