/* The order in which training images are visited: a permutation per epoch,
 * derived from the seed alone (not from the thread count or the backend),
 * so every backend trains on the same batches in the same order. */
#ifndef HMLCOST_DATA_ORDER_H
#define HMLCOST_DATA_ORDER_H

#include <stdint.h>

/* Fills order[0..n) with a Fisher-Yates permutation of 0..n-1 for
 * (seed, epoch); epoch counts from 0. */
void data_epoch_order(uint64_t seed, int epoch, uint32_t n, uint32_t *order);

#endif
