/* A labelled image set in CIFAR-10's own record format, and turning records
 * into the normalised float batches the backends train on.
 *
 * Records stay as they are on disk (3073 bytes: label, then 1024 R, 1024 G,
 * 1024 B, each 32x32 row-major), so loading a file is one read; the uint8 ->
 * float conversion happens per batch (data_fill_batch). */
#ifndef HMLCOST_DATA_DATASET_H
#define HMLCOST_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum {
    DATA_IMAGE_BYTES = 3072,             /* 3 x 32 x 32 */
    DATA_RECORD_BYTES = 1 + DATA_IMAGE_BYTES,
    DATA_RECORDS_PER_FILE = 10000,
    DATA_CLASSES = 10,
};

typedef struct data_set {
    uint8_t *records; /* count records of DATA_RECORD_BYTES; owned */
    size_t count;
} data_set;

/* Per-channel normalisation (CIFAR-10's mean and standard deviation). */
extern const float data_channel_mean[3]; /* 0.4914, 0.4822, 0.4465 */
extern const float data_channel_std[3];  /* 0.2470, 0.2435, 0.2616 */

/* Label of record i (0..9, validated at load). */
static inline int data_label(const data_set *set, size_t i)
{
    return set->records[i * DATA_RECORD_BYTES];
}

/* x: (n, 3, 32, 32) float, NCHW: image order[i] of set, each pixel
 * (byte / 255 - mean[c]) / std[c]; labels[i] = its label. order may be
 * NULL (then images first..first+n-1 in file order, first = 0). */
void data_fill_batch(const data_set *set, const uint32_t *order, size_t first, size_t n,
                     float *x, int32_t *labels);

void data_set_free(data_set *set);

#endif
