/* Reads tests/nn/fixtures/pytorch_reference.txt (tools/make_fixture.py). */
#ifndef HMLCOST_TESTS_NN_FIXTURE_H
#define HMLCOST_TESTS_NN_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "nn/model_spec.h"

typedef struct fixture_tensor {
    char name[64];
    size_t count, stride, samples; /* samples = elements 0, stride, 2*stride, ... */
    double sum, sumsq;             /* of the whole gradient */
    float *initial, *grad, *after_adam; /* samples each */
} fixture_tensor;

typedef struct fixture {
    uint64_t seed;
    int batch;
    int32_t *labels;
    float *input;  /* batch * 3072 */
    float *logits; /* batch * 10 */
    float loss;
    fixture_tensor tensors[NN_PARAM_TENSOR_COUNT];
} fixture;

/* 0 on success; on failure prints why and returns -1. */
int fixture_load(const char *path, fixture *f);
void fixture_free(fixture *f);

/* hmlcost's initial weights for the fixture: nn_init_glorot(seed) with the
 * biases set to 0.01 * (k % 7 - 3), as the generator does. */
void fixture_initial_params(const fixture *f, float *params);

#endif
