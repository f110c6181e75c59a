/* The optimizers, as formulas over flat arrays, so every backend computes
 * the same update (a GPU backend ports these loops, keeping the formulas).
 *
 * Adam, as Keras computes it (epsilon added to sqrt(v) after the bias
 * correction has been folded into the step size, i.e. "epsilon hat"):
 *   t += 1
 *   m = beta1 m + (1 - beta1) g
 *   v = beta2 v + (1 - beta2) g^2
 *   p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
 * (PyTorch adds eps to sqrt(v / (1 - beta2^t)) instead; the difference only
 * matters while v is tiny.)
 *
 * SGD with momentum, as Keras and PyTorch (dampening 0) compute it:
 *   u = momentum u + g;  p -= lr u           (PyTorch's form)
 * Keras's form (u = momentum u - lr g; p += u) is the same for constant lr. */
#ifndef HMLCOST_NN_OPTIMIZER_H
#define HMLCOST_NN_OPTIMIZER_H

#include <stddef.h>

typedef enum nn_optimizer_kind { NN_OPT_ADAM, NN_OPT_SGD } nn_optimizer_kind;

typedef struct nn_optimizer_config {
    nn_optimizer_kind kind;
    float lr;       /* default 1e-3 */
    float beta1;    /* Adam, default 0.9 */
    float beta2;    /* Adam, default 0.999 */
    float eps;      /* Adam, default 1e-7 (Keras) */
    float momentum; /* SGD, default 0.9 */
} nn_optimizer_config;

/* Keras's defaults for kind (lr 1e-3 for Adam, 1e-2 for SGD). */
nn_optimizer_config nn_optimizer_defaults(nn_optimizer_kind kind);
const char *nn_optimizer_name(nn_optimizer_kind kind); /* "adam", "sgd" */

/* Adam's step size at step t (1-based): lr * sqrt(1 - beta2^t) / (1 - beta1^t),
 * the bias corrections in double, rounded to float once. */
float nn_adam_step_size(const nn_optimizer_config *cfg, long t);

/* Step t (1-based) of Adam over n elements; m, v start at 0. Elementwise,
 * so threading it cannot change results. */
void nn_adam_update(float *restrict p, const float *restrict g, float *restrict m,
                    float *restrict v, size_t n, long t, const nn_optimizer_config *cfg);

/* One SGD-with-momentum step over n elements; u starts at 0. */
void nn_sgd_update(float *restrict p, const float *restrict g, float *restrict u, size_t n,
                   const nn_optimizer_config *cfg);

#endif
