/* A backend runs the reference CNN (model_spec.h) on one device. The
 * workload (src/workload/) only talks to this interface, so adding a device
 * means writing one nn_backend and registering it in backend.c; nothing
 * else changes.
 *
 * What is shared and must NOT be re-implemented by a backend, so all
 * backends train the same model on the same data in the same order:
 *   - the model's shapes and the canonical parameter layout: model_spec.h;
 *   - the initial weights from the seed: nn_init_glorot (init.h);
 *   - the data order and normalisation: data_epoch_order (data/order.h),
 *     data_fill_batch (data/dataset.h) which gives x as normalised floats;
 *   - the optimizer's formulas: optimizer.h (Adam with Keras's epsilon
 *     placement, SGD with momentum) -- a backend may run them on its device
 *     but must compute the same thing;
 *   - the loss: mean softmax cross-entropy over the n images of a batch.
 *
 * Conventions for every function below:
 *   x: (n, 3, 32, 32) float, NCHW, host memory, already normalised;
 *   labels: n values in 0..9, host memory;
 *   1 <= n <= cfg.batch (the last batch of an epoch may be smaller; the
 *   workload does not announce it: a backend sets up per-size kernels on
 *   first use, as Keras traces a new batch shape; prepare_batch lets a
 *   caller do it ahead);
 *   params / grads: NN_PARAM_COUNT floats in the canonical layout, host.
 * Errors: return an hml_status and fill err (common/error.h); never print.
 * Determinism: the same inputs and the same cfg (threads included) must
 * give bit-identical results, run after run. */
#ifndef HMLCOST_NN_BACKEND_H
#define HMLCOST_NN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "nn/cuda/cuda_config.h"
#include "nn/optimizer.h"

/* Data slots of upload_data (below). */
enum { NN_DATA_TRAIN = 0, NN_DATA_TEST = 1 };
struct data_set; /* data/dataset.h */

typedef struct nn_model_config {
    int batch;   /* largest n a train_step/evaluate will see */
    int threads; /* CPU threads the backend may use (cpu: the compute threads) */
    nn_optimizer_config optimizer;
    nn_cuda_config cuda; /* the cuda backend's choices; zero: its defaults (others ignore it) */
} nn_model_config;

/* A model on a device: parameters, gradients, optimizer state and whatever
 * the backend prepared (primitives, workspaces). Owned by the backend.
 * Never defined: each backend defines its own struct (cpu_model, ...) and
 * casts its pointer to and from nn_model *, so two backends linked into one
 * binary never give one type two definitions. */
typedef struct nn_model nn_model;

typedef struct nn_backend {
    const char *device; /* "cpu", "cuda": the value of --device */

    /* Whether the backend can run here; when not, why (one line), e.g.
     * "no CUDA device found". Called before create; must be cheap. */
    hml_status (*available)(hml_err *err);

    /* Fills buf with "<library>-<version>", e.g. "onednn-2.6.3", followed by
     * each choice of cfg that departs from the backend's defaults
     * ("cudnn-9.14.0+find"). Needs no model. */
    void (*describe)(const nn_model_config *cfg, char *buf, size_t size);

    /* Builds a model: allocates parameters, gradients and optimizer state,
     * copies the initial params (canonical) in, and creates every kernel
     * needed for batches of cfg->batch images. This is one "model build"
     * (the model-reuse smell repeats it). */
    hml_status (*create)(const nn_model_config *cfg, const float *initial_params,
                         nn_model **out, hml_err *err);

    /* Prepares kernels for batches of n < cfg.batch images (the last
     * partial batch). Optional to call: train_step/evaluate must also work
     * for a size not prepared (preparing it then). */
    hml_status (*prepare_batch)(nn_model *model, int n, hml_err *err);

    /* One optimizer step on a batch: forward, loss, backward, update.
     * *loss: the batch's mean cross-entropy before the update. */
    hml_status (*train_step)(nn_model *model, const float *x, const int32_t *labels, int n,
                             float *loss, hml_err *err);

    /* Forward only: *correct = number of argmax hits, *loss_sum = summed
     * (not mean) cross-entropy of the n images. Parameters unchanged. */
    hml_status (*evaluate)(nn_model *model, const float *x, const int32_t *labels, int n,
                           int *correct, double *loss_sum, hml_err *err);

    /* For tests (the PyTorch fixture): forward and backward without an
     * update. Writes logits (n, 10), *loss (mean) and grads (canonical,
     * the gradient of the mean loss). Any output pointer may be NULL. */
    hml_status (*gradients)(nn_model *model, const float *x, const int32_t *labels, int n,
                            float *logits, float *loss, float *grads, hml_err *err);

    /* Copies the current parameters out / in, canonical layout. */
    hml_status (*get_params)(nn_model *model, float *params, hml_err *err);
    hml_status (*set_params)(nn_model *model, const float *params, hml_err *err);

    /* Bytes the model holds (parameters, optimizer state, activations,
     * workspaces): reported with the model-reuse smell. */
    size_t (*footprint_bytes)(const nn_model *model);

    /* Frees everything; NULL is allowed. */
    void (*destroy)(nn_model *model);

    /* Optional, NULL when a backend has none (the cpu backend has none; the
     * workload then uses train_step/evaluate with data_fill_batch): the
     * data sets kept on the device as their uint8 records and normalised
     * there, so no float batch crosses the bus and the host does not wait
     * per step (the cuda backend).
     * upload_data: copies set's records to the device once, into slot
     *   NN_DATA_TRAIN or NN_DATA_TEST (replacing what was there).
     * train_batches: exactly what train_step would do on
     *   data_fill_batch(train set, order, first + k*cfg.batch, n_k, ...) for
     *   k = 0, 1, ... over `count` images in batches of cfg.batch (the last
     *   may be smaller): losses[k] = step k's loss (ceil(count / cfg.batch)
     *   entries). Waits for the device once, at the end.
     * evaluate_batches: what evaluate would give over test images
     *   first .. first+count-1 in batches of cfg.batch, summed. */
    hml_status (*upload_data)(nn_model *model, int slot, const struct data_set *set,
                              hml_err *err);
    hml_status (*train_batches)(nn_model *model, const uint32_t *order, size_t first,
                                size_t count, float *losses, hml_err *err);
    hml_status (*evaluate_batches)(nn_model *model, size_t first, size_t count, int *correct,
                                   double *loss_sum, hml_err *err);

    /* Optional, NULL when a backend has none (cpu): what the backend chose
     * and measured in this process -- the device, library versions, the
     * algorithms it picked and how, set-up times -- as the text of one JSON
     * object, malloc'd (the caller frees it; *json NULL: nothing to say).
     * The workload writes it as the result's key named after the device
     * ("cuda"; docs/contracts.md). */
    hml_status (*details_json)(const nn_model *model, char **json, hml_err *err);
} nn_backend;

/* The backend for a --device name ("cpu", "cuda"); NULL when no backend
 * of that name was compiled into this binary. */
const nn_backend *nn_backend_find(const char *device);

/* The backends compiled in; cuda is only present when built (HMLCOST_HAVE_CUDA). */
const nn_backend *nn_backend_cpu(void);
#ifdef HMLCOST_HAVE_CUDA
const nn_backend *nn_backend_cuda(void);
#endif

#endif
