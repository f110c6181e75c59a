/* How the cuda backend chooses a cuDNN algorithm for each direction of each
 * convolution -- the decisions, as plain C with no CUDA header, so they are
 * tested on machines without a GPU (tests/nn/cuda/test_conv_algos.c).
 * cuda_backend.c asks cuDNN the questions (workspace sizes, heuristics,
 * cudnnFind timings) and follows these rules.
 *
 * Determinism is the hard requirement: the same seed must give bit-identical
 * results run after run, so every process must pick the same algorithms.
 *   table      (default) a fixed algorithm per (layer, direction) for a GPU
 *              architecture whose best deterministic fp32 algorithms were
 *              measured (conv_algo_table_for); no heuristic query, no timing.
 *              A GPU without a table, or TF32, uses "heuristic".
 *   heuristic  cuDNN's heuristics' first deterministic algorithm whose math
 *              and workspace fit: the same in every process (no timing), but
 *              on an H200 its conv2 backward-filter pick is 13x slower than
 *              the best (bench/gpu-explore.sh, 2026-11-26).
 *   find       cudnnFind*AlgorithmEx times every algorithm in this process;
 *              conv_algo_pick_stable picks by a rule that ignores small
 *              timing differences. Timing can still differ between
 *              processes, so "find" is opt-in; the chosen algorithms are
 *              recorded (conv_algo_spec_format) and can be pinned.
 *   pins       --cuda-algos "conv2.bwd_filter=2 conv1.fwd=0 ...": these
 *              directions use exactly these algorithms (any policy).
 * A table or pinned algorithm that cuDNN does not take for a shape (its
 * workspace query fails, or it needs more than the workspace limit) falls
 * back to the heuristic pick for that direction (find's, with policy find),
 * and the record says so. */
#ifndef HMLCOST_NN_CUDA_CONV_ALGOS_H
#define HMLCOST_NN_CUDA_CONV_ALGOS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* The three directions of a convolution. */
typedef enum conv_dir { CONV_FWD, CONV_BWD_DATA, CONV_BWD_FILTER, CONV_DIRS } conv_dir;

typedef enum conv_algo_policy {
    CONV_POLICY_TABLE,
    CONV_POLICY_HEURISTIC,
    CONV_POLICY_FIND,
} conv_algo_policy;

/* Where one chosen algorithm came from. */
typedef enum conv_algo_source {
    CONV_SOURCE_PINNED,    /* --cuda-algos */
    CONV_SOURCE_TABLE,     /* conv_algo_table_for */
    CONV_SOURCE_HEURISTIC, /* cudnnGetConvolution*Algorithm_v7 */
    CONV_SOURCE_FIND,      /* cudnnFind*AlgorithmEx + conv_algo_pick_stable */
} conv_algo_source;

enum {
    CONV_ALGO_MAX = 8,      /* algorithm ids are 0 .. count - 1 (forward has 8) */
    CONV_LAYER_NAME = 16,
    CONV_PINS_MAX = 32,
};

/* "fwd", "bwd_data", "bwd_filter"; "?" out of range. */
const char *conv_dir_name(conv_dir dir);
/* The number of cuDNN algorithms of a direction (8, 6, 7). */
int conv_algo_count(conv_dir dir);
/* cuDNN's name without its prefix: fwd 5 -> "FFT_TILING", bwd_filter 1 ->
 * "ALGO_1"; "?" when out of range. */
const char *conv_algo_name(conv_dir dir, int algo);
/* Whether cuDNN documents the algorithm as deterministic and implemented
 * (backward-data 0 and backward-filter 0 and 3 are not deterministic;
 * backward-filter 4 is not implemented). */
bool conv_algo_deterministic(conv_dir dir, int algo);
const char *conv_policy_name(conv_algo_policy policy);
const char *conv_source_name(conv_algo_source source);

/* --cuda-algo's value: NULL or "" -> table; "table", "heuristic",
 * "find"; anything else is a usage error naming the variable. */
hml_status conv_algo_policy_parse(const char *value, conv_algo_policy *out, hml_err *err);

/* A cuDNN status that means "not for this configuration" (the categories
 * BAD_PARAM 2xxx and NOT_SUPPORTED 3xxx of cuDNN 9), as opposed to a failure
 * of the library or the GPU. */
bool conv_status_is_refusal(int status);

/* ---- the per-architecture table ---------------------------------------------------------- */

typedef struct conv_algo_table_entry {
    const char *layer; /* "conv1" .. */
    conv_dir dir;
    int algo;
} conv_algo_table_entry;

typedef struct conv_algo_table {
    const char *name;       /* e.g. "sm90-fp32" (recorded in the result) */
    int cc_major, cc_minor; /* compute capability it was measured on */
    const char *measured;   /* where the figures come from (one line) */
    const conv_algo_table_entry *entries;
    int count;
} conv_algo_table;

/* The table for a GPU of compute capability major.minor, NULL when none (or
 * tf32: the tables are for plain fp32). */
const conv_algo_table *conv_algo_table_for(int cc_major, int cc_minor, bool tf32);
/* The table's algorithm for (layer, dir); -1 when it has none. */
int conv_algo_table_lookup(const conv_algo_table *table, const char *layer, conv_dir dir);

/* ---- pins (--cuda-algos) ----------------------------------------------------------- */

typedef struct conv_algo_pin {
    char layer[CONV_LAYER_NAME];
    conv_dir dir;
    int algo;
} conv_algo_pin;

typedef struct conv_algo_pins {
    int count;
    conv_algo_pin pin[CONV_PINS_MAX];
} conv_algo_pins;

/* Parses "layer.dir=algo" items separated by spaces or commas (NULL or "":
 * none). Errors (HML_EUSAGE, naming --cuda-algos and the item): bad
 * syntax, an unknown direction, an algorithm out of range or not
 * deterministic, a (layer, dir) given twice, more than CONV_PINS_MAX items.
 * Layer names are not checked here (the backend checks them against the
 * model: conv_algo_pins_check_layers). */
hml_status conv_algo_pins_parse(const char *text, conv_algo_pins *out, hml_err *err);
/* Every pinned layer is one of names[0..count-1]; else HML_EUSAGE. */
hml_status conv_algo_pins_check_layers(const conv_algo_pins *pins, const char *const *names,
                                       int count, hml_err *err);
/* The pinned algorithm for (layer, dir); -1 when none. */
int conv_algo_pins_lookup(const conv_algo_pins *pins, const char *layer, conv_dir dir);

/* ---- cudnnFind's stable rule ------------------------------------------------------------- */

typedef struct conv_algo_trial {
    int algo;
    bool usable;     /* succeeded, deterministic, math and workspace allowed */
    double ms;       /* measured time */
    size_t workspace;
} conv_algo_trial;

/* Relative and absolute slack of the rule (see conv_algo_pick_stable). */
#define CONV_FIND_TOLERANCE 0.10
#define CONV_FIND_SLACK_MS 0.005

/* The index of the trial to use: among the usable trials whose time is
 * within tolerance (relative) + slack_ms (absolute) of the fastest usable
 * one, the lowest algorithm id (ties of equal id: the first). So two
 * processes whose timings differ by less than the slack pick the same
 * algorithm; -1 when none is usable. */
int conv_algo_pick_stable(const conv_algo_trial *trials, int count, double tolerance,
                          double slack_ms);

/* ---- records ----------------------------------------------------------------------------- */

/* What was chosen for one direction of one layer (for the result JSON). */
typedef struct conv_algo_record {
    bool used;
    char layer[CONV_LAYER_NAME];
    conv_dir dir;
    int algo;
    conv_algo_source source;
    size_t workspace;
    double find_ms;          /* find only; < 0 otherwise */
    int rejected_algo;       /* a table/pinned algorithm cuDNN refused; -1 when none */
    char rejected_why[120];  /* why, "" when none */
} conv_algo_record;

/* "conv1.fwd=0 conv1.bwd_filter=5 ..." of the used records, in order: the
 * form --cuda-algos reads. Returns the length needed. */
size_t conv_algo_spec_format(const conv_algo_record *records, int count, char *buf,
                             size_t size);

#endif
