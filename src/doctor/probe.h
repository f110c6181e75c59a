/* `hmlcost doctor --probe`: a short measured trial of the settings the
 * minibatch and parallelism smells are about. Each trial is a fresh
 * process measured the way `hmlcost measure` measures one (runner/execute):
 * `hmlcost train` with --batch/--threads and a small --train-limit, or the
 * --workload command with {batch} and {threads} filled in. The findings of
 * the batch and threads checks then rest on these numbers. */
#ifndef HMLCOST_DOCTOR_PROBE_H
#define HMLCOST_DOCTOR_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/host.h"

/* A measured difference below this is never called a gain: trials this
 * short vary by a few per cent even on a quiet machine. */
#define PROBE_MIN_GAIN 0.05

typedef struct probe_trial {
    long batch, threads;
    bool ran;                  /* measured to the end with exit status 0 */
    char note[128];            /* why it did not run or failed; "" when it ran */
    long images;               /* images trained (0: the command does not say) */
    double images_per_s;       /* the workload's training rate; NaN: not reported */
    double wall_s;             /* the whole process */
    double energy_per_image_j; /* the process's energy / images; NaN: unknown */
    char energy_method[64];    /* "rapl", "estimate:cpu-4W-per-logical-cpu", ... */
    double peak_rss_bytes;
    double loss;               /* training loss after the trial; NaN: not reported */
} probe_trial;

typedef struct probe_result {
    char workload[1024];  /* "hmlcost train ARGS" or the command */
    char host[512];       /* the host it ran on (model, CPUs, caches, memory) */
    char measured_at[32]; /* ISO 8601 UTC */
    double seconds;       /* spent in all */
    long batch, threads;  /* the workload's own setting, the one compared with */
    probe_trial *trial;   /* trial[0] is the workload's own setting */
    size_t count;
    /* The workload's own setting once more, after all the others: how much
     * the machine changed during the probe (other processes, heat). */
    probe_trial control;
    double noise;         /* |own - control| / the slower of the two; NaN: no control */
    /* The machine's 1-minute load average before and after: the figures
     * hold for the load they were measured under. NaN: unknown. */
    double load_before, load_after;
} probe_result;

typedef struct probe_options {
    const char *exe;               /* this hmlcost binary (for `train`) */
    char *const *train_args;       /* the workload's train arguments, or NULL */
    size_t train_argc;
    const char *command;           /* --workload CMD with {batch}/{threads}; NULL: train */
    long batch, threads;           /* the workload's own setting (threads: what it would use) */
    long cpus;                     /* usable CPUs: thread counts go 1 .. 2 x cpus */
    double budget_s;               /* all trials together */
    volatile sig_atomic_t *interrupted;
    /* Called before each trial (i of n), and after it with done set. */
    void (*progress)(const probe_trial *t, size_t i, size_t n, bool done, void *user);
    void *user;
} probe_options;

/* The settings tried: batches 16 .. 1024 (powers of two) at the workload's
 * threads, then thread counts 1, 2, 4 .. 2 x cpus (and cpus itself) at its
 * batch; the workload's own setting first, as it calibrates the rest. */
hml_status probe_plan(const probe_options *o, probe_result *r, hml_err *err);

/* Runs the planned trials within the budget (a trial that would not fit is
 * skipped with a note). Errors are only the machine's (cannot spawn). */
hml_status probe_run(const probe_options *o, probe_result *r, hml_err *err);

/* The trial at (batch, threads) that ran, or NULL. */
const probe_trial *probe_find(const probe_result *r, long batch, long threads);

/* The fastest trial that ran with threads fixed (batch 0: any batch) or
 * batch fixed (threads 0: any threads); NULL when none ran. Ranked by
 * images/s, or by wall time when the command reports no rate. */
const probe_trial *probe_fastest(const probe_result *r, long batch, long threads);

/* The rate a trial is ranked by (images/s, or 1/wall_s). */
double probe_speed(const probe_trial *t);

/* The least relative gain the probe can stand behind: PROBE_MIN_GAIN, or
 * the noise when that is larger; INFINITY when the control did not run
 * (the noise is unknown, so no difference is a measured one). */
double probe_min_gain(const probe_result *r);

/* What a probe is stored under: the host (CPU model, CPUs, quota, L3,
 * memory, GPU) and the workload (the command, or `hmlcost train` with its
 * arguments less --batch and --threads, which the probe varies). */
void probe_describe_host(const host_info *h, char *out, size_t size);
void probe_describe_workload(const char *command, char *const *train_args, size_t argc,
                             char *out, size_t size);

/* Whether best ran faster than own by more than probe_min_gain (own and
 * best may be NULL: no); *gain: the relative difference. */
bool probe_beats(const probe_result *r, const probe_trial *own, const probe_trial *best,
                 double *gain);

void probe_result_free(probe_result *r);

#endif
