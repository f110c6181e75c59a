/* An experiment plan: the command, its arms (a baseline and treatments) and
 * the protocol's options. Built by the CLI from options, by plan_load_ini
 * from a plan file, or programmatically (the smells catalogue builds arms
 * for `hmlcost run --smell`), then run by runner_run_plan (protocol.h).
 *
 * Ownership: every string in a plan is owned by it (copied on the way in)
 * and released by plan_free. */
#ifndef HMLCOST_RUNNER_PLAN_H
#define HMLCOST_RUNNER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "meter/meter.h"

typedef struct plan_arm {
    char *name;        /* unique within the plan; [A-Za-z0-9._-]+ */
    bool is_baseline;  /* exactly one arm of a valid plan */
    char *smell;       /* smell id (docs/contracts.md) or NULL */
    char *compare_with; /* the arm this one is compared with; NULL: the plan's baseline */
    char **env;        /* changes to the environment: "VAR=VAL" sets, "VAR" (no '=') unsets */
    size_t env_count;
    char **args;       /* appended to the command's argv */
    size_t arg_count;
    char **argv;       /* this arm's own command, replacing the plan's; NULL: the plan's */
    size_t argc;
} plan_arm;

typedef enum plan_order {
    PLAN_ORDER_INTERLEAVED, /* rounds: every arm once per round, shuffled per round (default) */
    PLAN_ORDER_RANDOM,      /* all runs of all arms in one shuffled sequence */
    PLAN_ORDER_BLOCKED,     /* all runs of the first arm, then the next (as the study did) */
} plan_order;

typedef struct plan {
    char *name;        /* optional label of the experiment, NULL: none */
    char **argv;       /* the command every arm runs (unless an arm has its own) */
    size_t argc;
    bool shell;        /* run argv joined by spaces through /bin/sh -c */
    plan_arm *arms;
    size_t arm_count;
    long runs;         /* measured runs per arm, >= 1 (default 10) */
    long warmup;       /* discarded runs before the measured ones (default 0) */
    plan_order order;
    uint64_t seed;     /* shuffles the order (default 1) */
    double cooldown_s; /* pause between runs (default 0) */
    double timeout_s;  /* per run; 0: none */
    bool show_output;  /* children's stdout/stderr pass through; else /dev/null */
    meter_options meter;
    char *min_cost;    /* the smallest cost of interest the report judges by, as
                          stats_min_cost_format writes it; NULL: the default */
} plan;

void plan_init(plan *p); /* defaults as listed above; no arms, no command */
void plan_free(plan *p);

/* Sets (copies) the experiment's label; NULL: none. */
hml_status plan_set_name(plan *p, const char *name, hml_err *err);

/* Applies a --min-cost list (stats/min_cost.h) over the plan's current
 * setting (the default when none); usage error on a bad list. */
hml_status plan_set_min_cost(plan *p, const char *list, hml_err *err);

/* Copies argv[0..argc) as the plan's command. */
hml_status plan_set_command(plan *p, size_t argc, char *const argv[], hml_err *err);

/* Appends an arm with that name (copied) and returns it in *arm (valid until
 * the next plan_add_arm). The first arm added is the baseline until
 * plan_set_baseline says otherwise. Fails on a bad or duplicate name. */
hml_status plan_add_arm(plan *p, const char *name, plan_arm **arm, hml_err *err);
plan_arm *plan_find_arm(const plan *p, const char *name);
hml_status plan_set_baseline(plan *p, const char *name, hml_err *err);

/* One change "VAR=VAL" (or "VAR" to unset). */
hml_status plan_arm_add_env(plan_arm *arm, const char *change, hml_err *err);
/* A space-separated list of changes, "A=1 B='two words'" (quotes as in sh). */
hml_status plan_arm_add_env_list(plan_arm *arm, const char *list, hml_err *err);
hml_status plan_arm_add_arg(plan_arm *arm, const char *arg, hml_err *err);
/* "--flag value 'a b'": split like sh words (quotes, no expansion). */
hml_status plan_arm_add_arg_list(plan_arm *arm, const char *list, hml_err *err);
hml_status plan_arm_set_argv(plan_arm *arm, size_t argc, char *const argv[], hml_err *err);
hml_status plan_arm_set_smell(plan_arm *arm, const char *smell_id, hml_err *err);
/* Several baselines in one plan (the study's per-smell design): each smell
 * arm names its own; plan_validate checks that the arm exists. */
hml_status plan_arm_set_compare_with(plan_arm *arm, const char *arm_name, hml_err *err);

/* Splits text into sh-like words (single/double quotes, backslash escapes, no
 * expansion). *words is a NULL-terminated array the caller frees with
 * plan_words_free. */
hml_status plan_split_words(const char *text, char ***words, size_t *count, hml_err *err);
void plan_words_free(char **words);

/* Checks the whole plan: a command (or every arm has its own), >= 1 arm,
 * exactly one baseline, runs >= 1, sane numbers. Usage errors. */
hml_status plan_validate(const plan *p, hml_err *err);

/* The arm's full argv (command + args, or sh -c "..."), NULL-terminated,
 * freed with plan_words_free. */
hml_status plan_arm_command(const plan *p, const plan_arm *arm, char ***argv, hml_err *err);

/* The canonical JSON of everything that defines the experiment (arms,
 * commands, environment changes, runs, order, seed, warm-up, timeout,
 * interval, energy/carbon options), or NULL when memory runs out; caller
 * frees with cJSON_free. The same command line or plan file always gives the
 * same text. */
char *plan_to_json(const plan *p);

/* 16 hex digits identifying the experiment (a hash of plan_to_json): the
 * same plan resumes the same experiment in the store. */
hml_status plan_key(const plan *p, char key[17], hml_err *err);

/* Reads an INI plan file (inih) into p, which plan_init prepared:
 *   [run]   command = ..., shell = yes|no, runs, warmup, order, seed, cooldown,
 *           timeout, interval, baseline, pue, grid-intensity, country, cpu-tdp,
 *           show-output, name, min-cost
 *   [arm NAME]  env = A=1 B=2, args = --flag value, command = ..., smell = ID
 * Errors name the file and line. Values already set in p (e.g. from the
 * command line) are overridden by the file. */
hml_status plan_load_ini(plan *p, const char *path, hml_err *err);

const char *plan_order_name(plan_order order);
hml_status plan_parse_order(const char *text, plan_order *order, hml_err *err);

#endif
