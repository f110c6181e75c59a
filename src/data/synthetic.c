#include "data/synthetic.h"

#include <stdlib.h>
#include <string.h>

#include "data/rng.h"

/* Templates: per class, every byte uniform in [64, 192). An image: its
 * class's template plus noise uniform in [-48, 48): classes overlap in any
 * single pixel but are easy to tell apart over the whole image. */
enum { TEMPLATE_LOW = 64, TEMPLATE_RANGE = 128, NOISE_RANGE = 96 };

hml_status data_synthetic(uint64_t seed, int split, size_t count, data_set *out, hml_err *err)
{
    out->records = NULL;
    out->count = 0;
    if (count == 0)
        return hml_fail(err, HML_EUSAGE, "synthetic data: zero images requested");
    uint8_t(*templates)[DATA_IMAGE_BYTES] = malloc(sizeof(uint8_t[DATA_CLASSES][DATA_IMAGE_BYTES]));
    uint8_t *records = malloc(count * DATA_RECORD_BYTES);
    if (!templates || !records) {
        free(templates);
        free(records);
        return hml_fail(err, HML_ESYSTEM, "synthetic data: out of memory for %zu images", count);
    }
    hml_rng rng;
    hml_rng_init(&rng, seed, HML_RNG_STREAM_SYNTHETIC);
    for (int k = 0; k < DATA_CLASSES; k++)
        for (int p = 0; p < DATA_IMAGE_BYTES; p++)
            templates[k][p] = (uint8_t)(TEMPLATE_LOW + hml_rng_below(&rng, TEMPLATE_RANGE));

    hml_rng_init(&rng, seed, HML_RNG_STREAM_SYNTHETIC + ((uint64_t)(split + 1) << 8));
    for (size_t i = 0; i < count; i++) {
        uint8_t *record = records + i * DATA_RECORD_BYTES;
        int label = (int)hml_rng_below(&rng, DATA_CLASSES);
        record[0] = (uint8_t)label;
        const uint8_t *t = templates[label];
        /* 8 noise bytes per 64-bit draw keeps generation cheap. */
        for (int p = 0; p < DATA_IMAGE_BYTES; p += 8) {
            uint64_t bits = hml_rng_next(&rng);
            for (int b = 0; b < 8; b++) {
                int noise = (int)(((bits >> (8 * b)) & 0xff) * NOISE_RANGE / 256) - NOISE_RANGE / 2;
                record[1 + p + b] = (uint8_t)(t[p + b] + noise);
            }
        }
    }
    free(templates);
    out->records = records;
    out->count = count;
    return HML_OK;
}
