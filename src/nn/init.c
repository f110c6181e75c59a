#include "nn/init.h"

#include <math.h>
#include <string.h>

#include "data/rng.h"
#include "nn/model_spec.h"

void nn_init_glorot(uint64_t seed, float *params)
{
    hml_rng rng;
    hml_rng_init(&rng, seed, HML_RNG_STREAM_INIT);
    const nn_param_spec *specs = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const nn_param_spec *p = &specs[t];
        float *out = params + p->offset;
        if (p->is_bias) {
            memset(out, 0, p->count * sizeof *out);
            continue;
        }
        float limit = (float)sqrt(6.0 / (double)(p->fan_in + p->fan_out));
        hml_rng_uniform_floats(&rng, out, p->count);
        for (size_t i = 0; i < p->count; i++)
            out[i] = (2.0f * out[i] - 1.0f) * limit;
    }
}
