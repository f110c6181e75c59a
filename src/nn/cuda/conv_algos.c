/* The cuda backend's algorithm rules (conv_algos.h). cuDNN's enum values are
 * written out as numbers here (this file sees no CUDA header); they are
 * part of cuDNN's API and stable across 7.x .. 9.x (cudnn_ops.h). */
#include "nn/cuda/conv_algos.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dir_names[CONV_DIRS] = {"fwd", "bwd_data", "bwd_filter"};

/* cudnnConvolutionFwdAlgo_t, cudnnConvolutionBwdDataAlgo_t,
 * cudnnConvolutionBwdFilterAlgo_t, in value order. */
static const char *const fwd_names[] = {"IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT",
                                        "FFT", "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
static const char *const bwd_data_names[] = {"ALGO_0", "ALGO_1", "FFT", "FFT_TILING", "WINOGRAD",
                                             "WINOGRAD_NONFUSED"};
static const char *const bwd_filter_names[] = {"ALGO_0", "ALGO_1", "FFT", "ALGO_3", "WINOGRAD",
                                               "WINOGRAD_NONFUSED", "FFT_TILING"};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *conv_dir_name(conv_dir dir)
{
    return (int)dir >= 0 && (int)dir < CONV_DIRS ? dir_names[dir] : "?";
}

int conv_algo_count(conv_dir dir)
{
    switch (dir) {
    case CONV_FWD: return COUNT(fwd_names);
    case CONV_BWD_DATA: return COUNT(bwd_data_names);
    case CONV_BWD_FILTER: return COUNT(bwd_filter_names);
    default: return 0;
    }
}

const char *conv_algo_name(conv_dir dir, int algo)
{
    if (algo < 0 || algo >= conv_algo_count(dir))
        return "?";
    return dir == CONV_FWD ? fwd_names[algo]
           : dir == CONV_BWD_DATA ? bwd_data_names[algo]
                                  : bwd_filter_names[algo];
}

bool conv_algo_deterministic(conv_dir dir, int algo)
{
    if (algo < 0 || algo >= conv_algo_count(dir))
        return false;
    if (dir == CONV_BWD_DATA)
        return algo != 0;
    if (dir == CONV_BWD_FILTER)
        return algo != 0 && algo != 3 && algo != 4;
    return true;
}

const char *conv_policy_name(conv_algo_policy policy)
{
    switch (policy) {
    case CONV_POLICY_TABLE: return "table";
    case CONV_POLICY_HEURISTIC: return "heuristic";
    case CONV_POLICY_FIND: return "find";
    }
    return "?";
}

const char *conv_source_name(conv_algo_source source)
{
    switch (source) {
    case CONV_SOURCE_PINNED: return "pinned";
    case CONV_SOURCE_TABLE: return "table";
    case CONV_SOURCE_HEURISTIC: return "heuristic";
    case CONV_SOURCE_FIND: return "find";
    }
    return "?";
}

hml_status conv_algo_policy_parse(const char *value, conv_algo_policy *out, hml_err *err)
{
    static const conv_algo_policy all[] = {CONV_POLICY_TABLE, CONV_POLICY_HEURISTIC,
                                           CONV_POLICY_FIND};
    if (!value || !*value) {
        *out = CONV_POLICY_TABLE;
        return HML_OK;
    }
    for (int i = 0; i < COUNT(all); i++)
        if (strcmp(value, conv_policy_name(all[i])) == 0) {
            *out = all[i];
            return HML_OK;
        }
    return hml_fail(err, HML_EUSAGE,
                    "--cuda-algo: unknown value '%.60s' (use table, heuristic or find)",
                    value);
}

bool conv_status_is_refusal(int status)
{
    const int category = status / 1000 * 1000;
    return category == 2000 || category == 3000;
}

/* ---- the tables ---------------------------------------------------------------------------
 * sm90-fp32: NVIDIA H200 (sm_90, 132 SMs), cuDNN 9.14.0, batch 64, NCHW, plain
 * fp32 (FMA math), bench/gpu-explore.sh (2026-11-26). Per direction, the fastest of
 * the deterministic algorithms as timed inside a training step (section C:
 * heuristics' picks and cudnnFind's picks, CUDA events) and, where the step
 * profile did not time a candidate, re-timed over 10 calls (section D):
 *   conv1 fwd        0 IMPLICIT_GEMM      0.018 ms fused (heuristics' 1: 0.017 + 0.010 bias/ReLU)
 *   conv1 bwd_filter 5 WINOGRAD_NONFUSED  0.102 ms (the heuristics' pick too; 2 FFT: 80 MB)
 *   conv2 fwd        5 FFT_TILING         0.036 ms fused (4 FFT: 0.037 + 0.009; 0: 0.057)
 *   conv2 bwd_data   5 WINOGRAD_NONFUSED  0.043 ms (1: 0.062)
 *   conv2 bwd_filter 2 FFT                0.051 ms (heuristics' 1: 0.607 ms, 44 % of a step)
 *   conv3 fwd        0 IMPLICIT_GEMM      0.039 ms fused (1: 0.031 + 0.007; cudnnFind's pick
 *                                         in all 6 processes)
 *   conv3 bwd_data   1 ALGO_1             0.034 ms, no workspace (3: 0.046)
 *   conv3 bwd_filter 5 WINOGRAD_NONFUSED  0.039-0.041 ms (2: 0.053 re-timed)
 *   conv4 fwd        4 FFT                0.035 + 0.006 unfused (0: 0.055 fused)
 *   conv4 bwd_data   1 ALGO_1             0.058 ms, no workspace (5: 0.056 re-timed; 2: 0.070)
 *   conv4 bwd_filter 2 FFT                0.039 ms re-timed (5: 0.042-0.049)
 * Every one is deterministic by cuDNN's documentation and by cudnnFind's
 * report; the largest workspace is 43 MB (conv2 bwd_filter). The H100
 * (also sm_90, 114 or 132 SMs) runs the same kernels; it was not measured. */
static const conv_algo_table_entry sm90_fp32_entries[] = {
    {"conv1", CONV_FWD, 0},        {"conv1", CONV_BWD_FILTER, 5},
    {"conv2", CONV_FWD, 5},        {"conv2", CONV_BWD_DATA, 5},
    {"conv2", CONV_BWD_FILTER, 2}, {"conv3", CONV_FWD, 0},
    {"conv3", CONV_BWD_DATA, 1},   {"conv3", CONV_BWD_FILTER, 5},
    {"conv4", CONV_FWD, 4},        {"conv4", CONV_BWD_DATA, 1},
    {"conv4", CONV_BWD_FILTER, 2},
};

static const conv_algo_table tables[] = {
    {"sm90-fp32", 9, 0,
     "NVIDIA H200, cuDNN 9.14.0, batch 64, fp32: bench/gpu-explore.sh, 2026-11-26 (step profile and "
     "cudnnFind sweep)",
     sm90_fp32_entries, COUNT(sm90_fp32_entries)},
};

const conv_algo_table *conv_algo_table_for(int cc_major, int cc_minor, bool tf32)
{
    if (tf32)
        return NULL;
    for (int i = 0; i < COUNT(tables); i++)
        if (tables[i].cc_major == cc_major && tables[i].cc_minor == cc_minor)
            return &tables[i];
    return NULL;
}

int conv_algo_table_lookup(const conv_algo_table *table, const char *layer, conv_dir dir)
{
    if (!table || !layer)
        return -1;
    for (int i = 0; i < table->count; i++)
        if (table->entries[i].dir == dir && strcmp(table->entries[i].layer, layer) == 0)
            return table->entries[i].algo;
    return -1;
}

/* ---- pins ---------------------------------------------------------------------------------- */

static bool is_separator(char c) { return c == ',' || isspace((unsigned char)c); }

/* One item "layer.dir=algo" of length len at s. */
static hml_status parse_pin(const char *s, size_t len, conv_algo_pin *pin, hml_err *err)
{
    char item[96];
    if (len >= sizeof item)
        return hml_fail(err, HML_EUSAGE, "--cuda-algos: item '%.40s...' is too long", s);
    memcpy(item, s, len);
    item[len] = '\0';
    char *dot = strchr(item, '.'), *eq = strchr(item, '=');
    if (!dot || !eq || eq < dot || dot == item || dot - item >= CONV_LAYER_NAME)
        return hml_fail(err, HML_EUSAGE,
                        "--cuda-algos: '%s' is not layer.direction=algorithm "
                        "(e.g. conv2.bwd_filter=2)",
                        item);
    *dot = '\0';
    *eq = '\0';
    const char *dir = dot + 1, *number = eq + 1;
    int d = -1;
    for (int k = 0; k < CONV_DIRS; k++)
        if (strcmp(dir, dir_names[k]) == 0)
            d = k;
    if (d < 0)
        return hml_fail(err, HML_EUSAGE,
                        "--cuda-algos: '%s.%s': unknown direction (fwd, bwd_data, "
                        "bwd_filter)",
                        item, dir);
    char *end = NULL;
    long algo = *number ? strtol(number, &end, 10) : -1;
    if (!*number || *end || algo < 0 || algo >= conv_algo_count((conv_dir)d))
        return hml_fail(err, HML_EUSAGE,
                        "--cuda-algos: '%s.%s=%s': the algorithm must be 0..%d", item, dir,
                        number, conv_algo_count((conv_dir)d) - 1);
    if (!conv_algo_deterministic((conv_dir)d, (int)algo))
        return hml_fail(err, HML_EUSAGE,
                        "--cuda-algos: '%s.%s=%ld': %s is not deterministic (or not "
                        "implemented) in cuDNN",
                        item, dir, algo, conv_algo_name((conv_dir)d, (int)algo));
    const size_t layer_len = (size_t)(dot - item); /* < CONV_LAYER_NAME, checked above */
    memcpy(pin->layer, item, layer_len);
    pin->layer[layer_len] = '\0';
    pin->dir = (conv_dir)d;
    pin->algo = (int)algo;
    return HML_OK;
}

hml_status conv_algo_pins_parse(const char *text, conv_algo_pins *out, hml_err *err)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return HML_OK;
    const char *p = text;
    while (*p) {
        while (*p && is_separator(*p))
            p++;
        if (!*p)
            break;
        size_t len = 0;
        while (p[len] && !is_separator(p[len]))
            len++;
        if (out->count == CONV_PINS_MAX)
            return hml_fail(err, HML_EUSAGE, "--cuda-algos: more than %d items",
                            CONV_PINS_MAX);
        conv_algo_pin pin;
        if (parse_pin(p, len, &pin, err) != HML_OK)
            return err->status;
        if (conv_algo_pins_lookup(out, pin.layer, pin.dir) >= 0)
            return hml_fail(err, HML_EUSAGE, "--cuda-algos: %s.%s is given twice",
                            pin.layer, conv_dir_name(pin.dir));
        out->pin[out->count++] = pin;
        p += len;
    }
    return HML_OK;
}

hml_status conv_algo_pins_check_layers(const conv_algo_pins *pins, const char *const *names,
                                       int count, hml_err *err)
{
    for (int i = 0; i < pins->count; i++) {
        bool known = false;
        for (int k = 0; k < count && !known; k++)
            known = strcmp(pins->pin[i].layer, names[k]) == 0;
        if (!known)
            return hml_fail(err, HML_EUSAGE,
                            "--cuda-algos: '%s' is not a convolution of the model",
                            pins->pin[i].layer);
    }
    return HML_OK;
}

int conv_algo_pins_lookup(const conv_algo_pins *pins, const char *layer, conv_dir dir)
{
    if (!pins || !layer)
        return -1;
    for (int i = 0; i < pins->count; i++)
        if (pins->pin[i].dir == dir && strcmp(pins->pin[i].layer, layer) == 0)
            return pins->pin[i].algo;
    return -1;
}

/* ---- cudnnFind's rule ----------------------------------------------------------------------- */

int conv_algo_pick_stable(const conv_algo_trial *trials, int count, double tolerance,
                          double slack_ms)
{
    double best = -1;
    for (int i = 0; i < count; i++)
        if (trials[i].usable && trials[i].ms >= 0 && (best < 0 || trials[i].ms < best))
            best = trials[i].ms;
    if (best < 0)
        return -1;
    const double limit = best * (1.0 + tolerance) + slack_ms;
    int pick = -1;
    for (int i = 0; i < count; i++)
        if (trials[i].usable && trials[i].ms >= 0 && trials[i].ms <= limit &&
            (pick < 0 || trials[i].algo < trials[pick].algo))
            pick = i;
    return pick;
}

size_t conv_algo_spec_format(const conv_algo_record *records, int count, char *buf, size_t size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (int i = 0; i < count; i++) {
        if (!records[i].used)
            continue;
        int w = snprintf(used < size ? buf + used : NULL, used < size ? size - used : 0,
                         "%s%s.%s=%d", used ? " " : "", records[i].layer,
                         conv_dir_name(records[i].dir), records[i].algo);
        if (w > 0)
            used += (size_t)w;
    }
    return used;
}
