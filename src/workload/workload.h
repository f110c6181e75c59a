/* `hmlcost train`'s workload: data -> model -> train -> evaluate -> result.
 * It prints nothing (src/cli/ does): progress goes through a callback and
 * the result is a struct that result_json.h turns into the JSON line of
 * docs/contracts.md. */
#ifndef HMLCOST_WORKLOAD_WORKLOAD_H
#define HMLCOST_WORKLOAD_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "nn/cuda/cuda_config.h"
#include "nn/optimizer.h"

enum {
    WORKLOAD_DEFAULT_BATCH = 64,
    WORKLOAD_DEFAULT_EPOCHS = 10,
    WORKLOAD_DEFAULT_SEED = 1,
    WORKLOAD_SYNTHETIC_TRAIN = 50000, /* synthetic sizes mirror CIFAR-10's */
    WORKLOAD_SYNTHETIC_TEST = 10000,
};

typedef struct workload_options {
    const char *data;      /* --data: a directory, "synthetic", or NULL (search) */
    size_t train_limit;    /* 0: all */
    size_t test_limit;     /* 0: all */
    int epochs;
    int batch;
    uint64_t seed;
    int threads;           /* 0: $OMP_NUM_THREADS, else the physical cores */
    const char *device;    /* "cpu" or "cuda" */
    bool require_device;   /* no fallback to cpu: an error instead */
    nn_optimizer_config optimizer;
    nn_cuda_config cuda;   /* --cuda-*: the cuda backend's choices (zero: its defaults) */
    /* Smell switches (model-reuse): build the model this many
     * times, training the last; keep the earlier ones alive or free them. */
    int model_builds;
    bool keep_stale_models;
} workload_options;

/* Defaults: batch 64, 10 epochs, seed 1, Adam (Keras defaults), cpu,
 * 1 model build. */
void workload_options_defaults(workload_options *opt);

/* Reported during training, at most once per batch. */
typedef struct workload_progress {
    int epoch;             /* 1-based */
    int epochs;
    size_t images_done;    /* in this epoch */
    size_t images_total;   /* per epoch */
    double loss;           /* running mean over this epoch so far */
    double images_per_s;   /* this epoch so far */
    double epoch_elapsed_s;
    bool epoch_done;
} workload_progress;

typedef void (*workload_progress_fn)(const workload_progress *progress, void *user);

/* Everything the result JSON carries; filled by workload_run. */
typedef struct workload_library {
    char name[128];
    char path[4096];
    char version[64];
} workload_library;

typedef struct workload_result {
    /* as used */
    char device_requested[16], device_used[16];
    char fallback_reason[1100]; /* "" when none */
    char device_warning[1500];  /* nn_device_fallback_warning's line, "" when none */
    char data_path[16];         /* "host-batches" (train_step) or "device-data" (train_batches) */
    char backend[64];
    char data[4200];          /* "cifar10:<dir>" or "synthetic" */
    char data_note[1100];      /* why synthetic was used when no data was asked for; "" if n/a */
    int threads;               /* OpenMP team size actually seen */
    char threads_source[32];   /* "--threads", "OMP_NUM_THREADS", "physical cores" */
    int batch, epochs;
    uint64_t seed;
    size_t train_images, test_images;
    long parameters;
    char optimizer[16];
    double lr;
    int last_batch;            /* size of each epoch's last batch (kept, not dropped) */
    /* outcome */
    double accuracy;
    double test_loss;
    double *loss;              /* epochs entries, mean training loss per epoch; owned */
    double images_per_s;
    /* phases (seconds) */
    double start_s, data_s, build_s, train_s, eval_s;
    double first_step_s;       /* process start -> first training step begins */
    double cpu_before_main_s;  /* CPU time the process used before main (loader, constructors) */
    double onednn_load_s;      /* dlopen of oneDNN after main (nn/onednn_load.h) */
    double process_to_main_s;  /* the dynamic loader's part of start_s; < 0: unknown */
    char start_clock[64];      /* how process start was timed */
    /* smells */
    int model_builds;
    bool keep_stale_models;
    double *build_s_each;      /* model_builds entries; owned */
    size_t model_bytes;        /* one model's footprint */
    size_t stale_model_bytes;  /* memory held by earlier models during training */
    int threads_requested;     /* 0 when not given */
    char omp_num_threads_env[64];
    int logical_cpus;
    int ld_library_path_entries;
    int ld_library_path_missing;
    int primitive_cache_capacity; /* oneDNN's, -1 if unknown */
    /* libraries from the link map */
    workload_library *libraries;
    size_t library_count;
    /* the backend's own record (nn_backend.details_json): JSON object text,
     * written as the key named device_used; owned, NULL when none */
    char *backend_details;
} workload_result;

/* Runs the whole workload. On success fills *result (free it with
 * workload_result_free). Errors: HML_EUSAGE for bad options or data (the
 * message names the file/option), others for system failures. */
hml_status workload_run(const workload_options *opt, workload_progress_fn progress, void *user,
                        workload_result *result, hml_err *err);

void workload_result_free(workload_result *result);

#endif
