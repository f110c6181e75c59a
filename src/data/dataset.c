#include "data/dataset.h"

#include <pthread.h>
#include <stdlib.h>

const float data_channel_mean[3] = {0.4914f, 0.4822f, 0.4465f};
const float data_channel_std[3] = {0.2470f, 0.2435f, 0.2616f};

/* byte -> normalised float, per channel: 3 x 256 floats, computed once. */
static float normalise_table[3][256];
static pthread_once_t normalise_table_once = PTHREAD_ONCE_INIT;

static void build_normalise_table(void)
{
    for (int c = 0; c < 3; c++)
        for (int b = 0; b < 256; b++)
            normalise_table[c][b] =
                ((float)b / 255.0f - data_channel_mean[c]) / data_channel_std[c];
}

void data_fill_batch(const data_set *set, const uint32_t *order, size_t first, size_t n,
                     float *x, int32_t *labels)
{
    pthread_once(&normalise_table_once, build_normalise_table);
    for (size_t i = 0; i < n; i++) {
        size_t index = order ? order[first + i] : first + i;
        const uint8_t *record = set->records + index * DATA_RECORD_BYTES;
        labels[i] = record[0];
        const uint8_t *pixels = record + 1;
        float *out = x + i * DATA_IMAGE_BYTES;
        /* The record's R, G, B planes are already the NCHW image. */
        for (int c = 0; c < 3; c++) {
            const float *table = normalise_table[c];
            for (int p = 0; p < 1024; p++)
                out[c * 1024 + p] = table[pixels[c * 1024 + p]];
        }
    }
}

void data_set_free(data_set *set)
{
    if (!set)
        return;
    free(set->records);
    set->records = NULL;
    set->count = 0;
}
