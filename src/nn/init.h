/* Initial weights: Keras defaults (Glorot-uniform weights, zero biases),
 * drawn from the seed in one place so every backend starts from
 * bit-identical weights. */
#ifndef HMLCOST_NN_INIT_H
#define HMLCOST_NN_INIT_H

#include <stdint.h>

/* params: NN_PARAM_COUNT floats, canonical layout (model_spec.h). Each
 * weight element is (2u - 1) * sqrt(6 / (fan_in + fan_out)), u uniform in
 * [0, 1) from hml_rng(seed, HML_RNG_STREAM_INIT), tensors in canonical
 * order, elements in canonical order. Biases are 0. */
void nn_init_glorot(uint64_t seed, float *params);

#endif
