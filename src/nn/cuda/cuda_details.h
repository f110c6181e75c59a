/* What the cuda backend did in this process, for the result JSON: the GPU,
 * the library versions, the switches in force, every cuDNN algorithm chosen
 * for the full batch and how (conv_algos.h), notes (a layer whose fused call
 * cuDNN refused, a table algorithm refused for another batch size, a CUDA
 * graph that could not be captured), and the set-up steps' wall times.
 * Plain C with cJSON and no CUDA header, so its JSON is tested without a GPU
 * (tests/nn/cuda/test_cuda_details.c); cuda_backend.c fills it. The
 * workload writes the object as the result's "cuda" key (docs/contracts.md). */
#ifndef HMLCOST_NN_CUDA_CUDA_DETAILS_H
#define HMLCOST_NN_CUDA_CUDA_DETAILS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "nn/cuda/conv_algos.h"

enum {
    CUDA_DETAILS_RECORDS = 16, /* conv layers x directions (4 x 3 - conv1's bwd_data) */
    CUDA_DETAILS_NOTES = 16,
    CUDA_DETAILS_NOTE = 200,
    CUDA_DETAILS_TIMINGS = 48,
    CUDA_DETAILS_LIBS = 4,
};

typedef struct cuda_details {
    char device[256];        /* "NVIDIA H200"; "" before the context exists */
    int cc_major, cc_minor;  /* compute capability */
    int multiprocessors;
    char driver_cuda[32], cudnn[32], cublas[32]; /* "13.0", "9.14.0", "13.1.0" */
    bool tf32, graphs, fused, profile;
    const char *bias_grad;        /* --cuda-bias-grad: "tiled", "split", "single" (static) */
    bool wgrad_own;               /* --cuda-wgrad own (else cudnn) */
    bool pool_fused;              /* --cuda-pool-bwd fused (else cudnn) */
    conv_algo_policy policy;      /* as asked (--cuda-algo) */
    const char *policy_used;      /* "table", "heuristic", "find" (a static string) */
    const char *table;            /* the table's name when used, else NULL */
    char policy_note[CUDA_DETAILS_NOTE]; /* why the policy used differs, "" when not */
    int pins;                     /* --cuda-algos items */
    conv_algo_record records[CUDA_DETAILS_RECORDS]; /* the first full-batch plan's */
    int record_count;
    char notes[CUDA_DETAILS_NOTES][CUDA_DETAILS_NOTE];
    int note_count;
    int notes_dropped;            /* notes beyond CUDA_DETAILS_NOTES */
    const char *timing_label[CUDA_DETAILS_TIMINGS]; /* static strings */
    double timing_s[CUDA_DETAILS_TIMINGS];
    int timing_count;
    const char *lib_name[CUDA_DETAILS_LIBS]; /* static strings */
    double lib_load_s[CUDA_DETAILS_LIBS];
    int lib_count;
    double probe_s;
} cuda_details;

/* Appends a note (printf format, one line), once: an identical note is not
 * repeated; beyond CUDA_DETAILS_NOTES notes, notes_dropped counts them. */
void cuda_details_note(cuda_details *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The JSON object text (malloc'd; the caller frees it). */
hml_status cuda_details_json(const cuda_details *d, char **out, hml_err *err);

#endif
