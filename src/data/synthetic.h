/* Deterministic CIFAR-shaped data for tests and machines without CIFAR-10:
 * every class has a random template image; an image is its class's
 * template plus noise, so a model can learn it (the loss goes down) and the
 * same seed always gives the same bytes. */
#ifndef HMLCOST_DATA_SYNTHETIC_H
#define HMLCOST_DATA_SYNTHETIC_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "data/dataset.h"

/* count records; `split` separates the training (0) and test (1) sets
 * drawn from the same templates. */
hml_status data_synthetic(uint64_t seed, int split, size_t count, data_set *out, hml_err *err);

#endif
