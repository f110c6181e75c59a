#include "data/rng.h"

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void hml_rng_init(hml_rng *rng, uint64_t seed, uint64_t stream)
{
    /* Mix the stream id in through a second splitmix step so that nearby
     * (seed, stream) pairs give unrelated states. */
    uint64_t state = seed;
    uint64_t mixed = splitmix64(&state) ^ (stream * 0xd1b54a32d192ed03ULL);
    state = mixed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&state);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** (Blackman and Vigna). */
uint64_t hml_rng_next(hml_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float hml_rng_uniform_float(hml_rng *rng)
{
    return (float)(hml_rng_next(rng) >> 40) * 0x1.0p-24f;
}

void hml_rng_uniform_floats(hml_rng *rng, float *out, size_t n)
{
    hml_rng local = *rng;
    for (size_t i = 0; i < n; i++)
        out[i] = (float)(hml_rng_next(&local) >> 40) * 0x1.0p-24f;
    *rng = local;
}

uint32_t hml_rng_below(hml_rng *rng, uint32_t bound)
{
    /* Lemire's multiply-and-reject. */
    uint64_t m = (uint64_t)(uint32_t)(hml_rng_next(rng) >> 32) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(hml_rng_next(rng) >> 32) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}
