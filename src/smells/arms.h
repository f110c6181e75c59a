/* The arm builder: turns `--smell <list>` plus treatment options into the
 * arms of a study (names, environment changes, workload arguments or a
 * command line). It decides nothing about running them: the runner makes
 * them a plan's arms (runner/plan_smells.h).
 *
 * Example, shared baseline, hmlcost train with args "--epochs 1":
 *   baseline      argv: --epochs 1
 *   model-reuse   argv: --epochs 1 --model-builds 10
 *   minibatch     argv: --epochs 1 --batch 1024
 *   libpath       env:  LD_LIBRARY_PATH=/nonexistent/hmlcost-libpath/0001:...
 *   parallelism   argv: --epochs 1 --threads 16   env: OMP_NUM_THREADS=16 */
#ifndef HMLCOST_SMELLS_ARMS_H
#define HMLCOST_SMELLS_ARMS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "smells/catalogue.h"

/* Where the libpath treatment's non-existent directories live. /nonexistent
 * is, by Debian policy, a path that never exists. */
#define SMELL_LIBPATH_BOGUS_ROOT "/nonexistent/hmlcost-libpath"

typedef enum smell_baseline_mode {
    SMELL_BASELINE_SHARED,    /* one baseline arm that every smell arm is compared with */
    SMELL_BASELINE_PER_SMELL, /* the study's design: a baseline arm per smell arm */
} smell_baseline_mode;

/* What the user asked for. Zero / NULL fields take the defaults. */
typedef struct smell_request {
    const char *smells;          /* "all", or ids / variant names separated by commas */
    smell_baseline_mode baseline;
    long model_builds;           /* 0: SMELL_DEFAULT_MODEL_BUILDS */
    bool keep_stale_models;      /* model-reuse runs as its kept variant */
    long smell_batch;            /* 0: SMELL_DEFAULT_BATCH_FACTOR x the baseline batch */
    long smell_threads;          /* 0: SMELL_DEFAULT_THREADS_FACTOR x cpus */
    long libpath_entries;        /* < 0: SMELL_DEFAULT_LIBPATH_ENTRIES */
    const char *libpath_dirs;    /* colon-separated directories placed after the
                                    non-existent ones; NULL: none */
    long baseline_batch;         /* a command's baseline {batch}; 0: SMELL_REFERENCE_BATCH */
} smell_request;

/* The workload the arms run, and the facts the defaults depend on. */
typedef struct smell_workload {
    const char *command;        /* NULL: `hmlcost train` with train_args; else a shell
                                   command line that may hold {batch}, {model_builds},
                                   {threads} */
    char *const *train_args;    /* the arguments after `--` (may be NULL when none) */
    size_t train_argc;
    long cpus;                  /* logical CPUs available to the process (>= 1) */
    const char *ld_library_path; /* its current value; NULL when unset */
} smell_workload;

/* One environment change: value NULL means "unset the variable". */
typedef struct smell_env {
    char *name;
    char *value;
} smell_env;

typedef struct smell_arm {
    char *name;               /* "baseline", "baseline-<arm>" or a variant name */
    const smell_info *smell;  /* NULL for a baseline arm */
    const smell_variant *variant; /* NULL for a baseline arm */
    char *baseline;           /* the arm this one is compared with; NULL for baselines */
    char *treatment;          /* what the arm changes, one line; "" for a baseline */
    smell_env *env;           /* changes to the runner's environment, in order */
    size_t env_count;
    char **argv;              /* hmlcost train: its arguments (without "train");
                                 NULL for a command */
    size_t argc;
    char *command;            /* a command: placeholders filled; NULL for train */
} smell_arm;

typedef struct smell_arms {
    smell_arm *arm;
    size_t count;
} smell_arms;

/* Resolves the smell list into variants in catalogue order, duplicates
 * dropped: "all" names the default variants (both model-reuse faces among
 * them), a smell id its own variant; keep_stale_models turns model-reuse
 * into model-reuse-kept. out has room for every variant. */
hml_status smell_select(const char *list, bool keep_stale_models, const smell_variant **out,
                        size_t *count, hml_err *err);

/* Does the list select the smell with this id (a bad list selects none)? */
bool smell_selected(const char *list, bool keep_stale_models, const char *smell_id);

/* Builds the arms: baseline(s) first for a shared baseline, else each smell
 * arm right after its own baseline. Refuses (HML_EUSAGE, one line) smells
 * that cannot apply to the workload, treatment options for smells not
 * selected, and treatments equal to the baseline. */
hml_status smell_arms_build(const smell_request *req, const smell_workload *wl,
                            smell_arms *out, hml_err *err);
void smell_arms_free(smell_arms *arms);

/* command with every {batch}, {model_builds} and {threads} replaced by the
 * values; NULL when out of memory. The caller frees it. */
char *smell_fill_placeholders(const char *command, long batch, long model_builds, long threads);

/* The arm called name, or NULL. */
const smell_arm *smell_arms_find(const smell_arms *arms, const char *name);

#endif
