/* The project's one seeded random stream: shuffling, synthetic data and
 * (src/nn/init.c) weight initialisation all draw from it, so a seed means
 * the same numbers on every machine, compiler and backend.
 * splitmix64 expands the seed; xoshiro256** generates. */
#ifndef HMLCOST_DATA_RNG_H
#define HMLCOST_DATA_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct hml_rng {
    uint64_t s[4];
} hml_rng;

/* A stream for (seed, stream): different purposes (init, shuffle of epoch e,
 * synthetic data) use different stream ids so they never share numbers. */
void hml_rng_init(hml_rng *rng, uint64_t seed, uint64_t stream);
uint64_t hml_rng_next(hml_rng *rng);
/* Uniform in [0, 1) with 24 random bits: exactly representable as float. */
float hml_rng_uniform_float(hml_rng *rng);
/* n draws of hml_rng_uniform_float, in order (the same numbers, faster). */
void hml_rng_uniform_floats(hml_rng *rng, float *out, size_t n);
/* Uniform integer in [0, bound), bound > 0, without modulo bias. */
uint32_t hml_rng_below(hml_rng *rng, uint32_t bound);

/* Stream ids used by the project (documented here so none collide). */
enum {
    HML_RNG_STREAM_INIT = 1,      /* nn_init_glorot */
    HML_RNG_STREAM_SYNTHETIC = 2, /* data_synthetic */
    HML_RNG_STREAM_SHUFFLE = 3,   /* data_epoch_order: stream 3 + epoch << 8 */
};

#endif
