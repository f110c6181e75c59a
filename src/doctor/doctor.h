/* `hmlcost doctor`: audits the environment, the host and the workload's
 * settings for the four smells (and the BLAS build they run on) without
 * running anything heavy; with a probe (probe.h) the batch and threads
 * checks advise from measured trials. Each check family lives in its own
 * file (libpath.c, threads.c, batch.c, reuse.c, blas.c) and adds findings
 * to a report: one finding per problem, each with evidence and a fix that
 * is a fact or was measured.
 *
 * The checks read a doctor_context, never the process directly, so tests
 * can craft environments, hosts and library caches. */
#ifndef HMLCOST_DOCTOR_DOCTOR_H
#define HMLCOST_DOCTOR_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/host.h"
#include "doctor/probe.h"
#include "doctor/report.h"

/* The workload's settings the checks need (from `-- train args`, or the
 * defaults of `hmlcost train` when a --workload command is audited). */
typedef struct doctor_workload {
    const char *command;     /* --workload CMD; NULL: hmlcost train */
    long threads;            /* train --threads; 0: not given (train uses the CPUs available) */
    long batch;              /* train --batch (SMELL_REFERENCE_BATCH when not given);
                                0 for a command (unknown) */
    long model_builds;       /* train --model-builds (1 when not given) */
    bool keep_stale_models;
    const char *device;      /* train --device: "cpu" (default) or "cuda" */
} doctor_workload;

typedef struct doctor_context {
    char *const *env;          /* "NAME=VALUE" strings, NULL-terminated (environ) */
    doctor_workload workload;
    host_info host;         /* this machine, or the described host (common/host.h) */
    const char *ld_cache;      /* the loader's cache file ("/etc/ld.so.cache") */
    const char *const *system_dirs; /* the loader's default directories, NULL-terminated */
    const char *const *blas_names;  /* libraries probed for OpenBLAS, NULL-terminated;
                                       NULL: the BLAS checks are skipped */
    const probe_result *probe; /* measured trials (--probe or stored); NULL: none */
} doctor_context;

/* The threads the workload runs with: --threads, else the first level of
 * OMP_NUM_THREADS in ctx->env, else one per physical core (the default of
 * hmlcost train). */
long doctor_workload_threads(const doctor_context *ctx);

/* The loader's default directories and the BLAS sonames on this platform. */
extern const char *const doctor_default_system_dirs[];
extern const char *const doctor_default_blas_names[];

/* The value of name in ctx->env, or NULL when unset. */
const char *doctor_getenv(const doctor_context *ctx, const char *name);

/* Reads --threads, --batch, --model-builds, --keep-stale-models and
 * --device from train arguments (the rest is train's business). */
hml_status doctor_workload_from_train_args(char *const *argv, size_t argc, doctor_workload *wl,
                                           hml_err *err);

/* The context of this process: its environment env, this system's loader
 * cache and directories, the BLAS libraries to probe, the workload (command,
 * or hmlcost train with train_args) and the host facts (meter_host_facts).
 * Train arguments are the user's input: any error reading them is a usage
 * error, "doctor: train arguments: ...". */
hml_status doctor_context_of_process(doctor_context *ctx, char *const *env, const char *command,
                                     char *const *train_args, size_t train_argc, hml_err *err);

/* The check families. Each appends its findings; an error return means the
 * check itself could not run (out of memory), not that it found something. */
hml_status doctor_check_libpath(const doctor_context *ctx, doctor_report *report, hml_err *err);
hml_status doctor_check_threads(const doctor_context *ctx, doctor_report *report, hml_err *err);
hml_status doctor_check_batch(const doctor_context *ctx, doctor_report *report, hml_err *err);
hml_status doctor_check_reuse(const doctor_context *ctx, doctor_report *report, hml_err *err);
hml_status doctor_check_blas(const doctor_context *ctx, doctor_report *report, hml_err *err);

/* Directories that hold other builds of libraries the workload loads (for
 * hmlcost train: the libraries this process has loaded; for a command: any
 * library the system resolves), where the loader picks a different file
 * now: the libpath smell's default --libpath-dirs. globs: candidate
 * directories (doctor_default_other_build_globs: Debian's BLAS/LAPACK
 * alternatives, CUDA toolkits and their stubs). *dirs is a colon-separated
 * list, "" when none; the caller frees it. */
extern const char *const doctor_default_other_build_globs[];
hml_status doctor_other_build_dirs(const doctor_context *ctx, const char *const *globs,
                                   char **dirs, hml_err *err);

/* All of them, in the order above. */
hml_status doctor_check_all(const doctor_context *ctx, doctor_report *report, hml_err *err);

#endif
