#include "nn/optimizer.h"

#include <math.h>

nn_optimizer_config nn_optimizer_defaults(nn_optimizer_kind kind)
{
    nn_optimizer_config c = {
        .kind = kind, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-7f, .momentum = 0.9f};
    if (kind == NN_OPT_SGD)
        c.lr = 1e-2f;
    return c;
}

const char *nn_optimizer_name(nn_optimizer_kind kind)
{
    return kind == NN_OPT_SGD ? "sgd" : "adam";
}

float nn_adam_step_size(const nn_optimizer_config *cfg, long t)
{
    double correction = sqrt(1.0 - pow(cfg->beta2, (double)t)) / (1.0 - pow(cfg->beta1, (double)t));
    return (float)(cfg->lr * correction);
}

void nn_adam_update(float *restrict p, const float *restrict g, float *restrict m,
                    float *restrict v, size_t n, long t, const nn_optimizer_config *cfg)
{
    /* The step size once per step; the loop in float. */
    const float step = nn_adam_step_size(cfg, t);
    const float b1 = cfg->beta1, b2 = cfg->beta2, eps = cfg->eps;
    const float one_minus_b1 = 1.0f - b1, one_minus_b2 = 1.0f - b2;
    const long count = (long)n;
#pragma omp parallel for simd schedule(static)
    for (long i = 0; i < count; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + one_minus_b1 * gi;
        float vi = b2 * v[i] + one_minus_b2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * mi / (sqrtf(vi) + eps);
    }
}

void nn_sgd_update(float *restrict p, const float *restrict g, float *restrict u, size_t n,
                   const nn_optimizer_config *cfg)
{
    const float lr = cfg->lr, momentum = cfg->momentum;
    const long count = (long)n;
#pragma omp parallel for simd schedule(static)
    for (long i = 0; i < count; i++) {
        float ui = momentum * u[i] + g[i];
        u[i] = ui;
        p[i] -= lr * ui;
    }
}
