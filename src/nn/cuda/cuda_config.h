/* The cuda backend's choices, carried in nn_model_config (nn/backend.h) and
 * set from the command line (`hmlcost train --cuda-algo find ...`). Zero in
 * every field is the default, so a configuration made with `= {0}` or a
 * designated initialiser gets the defaults. Plain C with no CUDA header: the
 * CLI parses them, and tests check them, in any build.
 *
 * The defaults are the fastest deterministic configuration measured on an
 * H200 (docs/gpu.md): the table algorithms, the fused conv+bias+ReLU, CUDA
 * graphs, plain fp32, and the gradient path of grad_defaults.h. Every
 * departure is named in the backend string (nn_cuda_config_name). */
#ifndef HMLCOST_NN_CUDA_CUDA_CONFIG_H
#define HMLCOST_NN_CUDA_CUDA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "nn/cuda/conv_algos.h"

/* The bias gradients (with the ReLU backward): single, one pass, a block per
 * channel (a thread per feature for dense layers); split, conv layers in two
 * passes over (image chunk, channel) blocks, dense as single; tiled, conv as
 * split, dense layers in blocks of 32 features x 8 image groups. */
typedef enum nn_cuda_bias_grad {
    NN_CUDA_BIAS_GRAD_DEFAULT, /* grad_defaults.h's */
    NN_CUDA_BIAS_GRAD_TILED,
    NN_CUDA_BIAS_GRAD_SPLIT,
    NN_CUDA_BIAS_GRAD_SINGLE,
} nn_cuda_bias_grad;

/* Who computes a gradient step: our kernel (own_grad.h) or cuDNN. */
typedef enum nn_cuda_kernel {
    NN_CUDA_KERNEL_DEFAULT, /* grad_defaults.h's */
    NN_CUDA_KERNEL_OWN,
    NN_CUDA_KERNEL_CUDNN,
} nn_cuda_kernel;

typedef struct nn_cuda_config {
    conv_algo_policy algo; /* --cuda-algo: table (0), heuristic, find (conv_algos.h) */
    conv_algo_pins pins;   /* --cuda-algos: these algorithms exactly */
    bool tf32;             /* --cuda-tf32: cuDNN and cuBLAS may use TF32 tensor cores */
    bool no_graphs;        /* --cuda-no-graphs: every step launched eagerly */
    bool unfused;          /* --cuda-unfused: convolution, then our bias+ReLU kernel */
    bool profile;          /* per-operation GPU times (cuda_report.h; bench/cuda_train --profile) */
    nn_cuda_bias_grad bias_grad; /* --cuda-bias-grad */
    nn_cuda_kernel wgrad;        /* --cuda-wgrad: conv1's weight and bias gradients */
    nn_cuda_kernel pool_bwd;     /* --cuda-pool-bwd: max-pooling backward (+ReLU, bias) */
} nn_cuda_config;

/* The gradient path with the defaults filled in (grad_defaults.h). */
typedef struct nn_cuda_grad_path {
    nn_cuda_bias_grad bias_grad; /* never _DEFAULT */
    bool wgrad_own, pool_fused;
} nn_cuda_grad_path;
nn_cuda_grad_path nn_cuda_grad_path_of(const nn_cuda_config *c);
const char *nn_cuda_bias_grad_name(nn_cuda_bias_grad g); /* "tiled", "split", "single" */

/* The options, as `hmlcost train` and bench/cuda_train take them. */
typedef struct nn_cuda_option {
    const char *name;    /* without the leading "--" */
    const char *value;   /* the value's name in help ("HOW"); NULL for a switch */
    const char *choices; /* the values taken, "tiled|split|single"; NULL: any */
    const char *help;    /* one line of at most 56 characters */
} nn_cuda_option;
extern const nn_cuda_option nn_cuda_options[];
extern const int nn_cuda_option_count;
/* The option of that name ("cuda-algo"), NULL when there is none. */
const nn_cuda_option *nn_cuda_option_find(const char *name);

/* Applies option `name` ("cuda-algo"; value NULL for a switch). A bad value
 * is HML_EUSAGE naming the option ("--cuda-algo: unknown value ..."); c is
 * then unchanged. */
hml_status nn_cuda_config_set(nn_cuda_config *c, const char *name, const char *value,
                              hml_err *err);

/* The departures from the defaults, as the backend string appends them:
 * "" for the defaults, else e.g. "+tf32+find+biassingle". */
void nn_cuda_config_name(const nn_cuda_config *c, char *buf, size_t size);

/* Whether two configurations make the same choices. */
bool nn_cuda_config_same(const nn_cuda_config *a, const nn_cuda_config *b);

#endif
