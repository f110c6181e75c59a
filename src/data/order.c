#include "data/order.h"

#include "data/rng.h"

void data_epoch_order(uint64_t seed, int epoch, uint32_t n, uint32_t *order)
{
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    hml_rng rng;
    hml_rng_init(&rng, seed, HML_RNG_STREAM_SHUFFLE + ((uint64_t)epoch << 8));
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = hml_rng_below(&rng, i);
        uint32_t tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
}
