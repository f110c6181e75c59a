#include "nn/model_spec.h"

/* Shapes per image; see the diagram in model_spec.h. */
static const nn_layer_spec layers[NN_LAYER_COUNT] = {
    {NN_LAYER_CONV, "conv1", 3, 32, 32, 32, 32, 32, 3, 1, 1, true, 0},
    {NN_LAYER_CONV, "conv2", 32, 32, 32, 32, 30, 30, 3, 1, 0, true, 2},
    {NN_LAYER_MAXPOOL, "pool1", 32, 30, 30, 32, 15, 15, 2, 2, 0, false, -1},
    {NN_LAYER_CONV, "conv3", 32, 15, 15, 64, 15, 15, 3, 1, 1, true, 4},
    {NN_LAYER_CONV, "conv4", 64, 15, 15, 64, 13, 13, 3, 1, 0, true, 6},
    {NN_LAYER_MAXPOOL, "pool2", 64, 13, 13, 64, 6, 6, 2, 2, 0, false, -1},
    {NN_LAYER_DENSE, "dense1", 2304, 1, 1, 512, 1, 1, 0, 0, 0, true, 8},
    {NN_LAYER_DENSE, "dense2", 512, 1, 1, 10, 1, 1, 0, 0, 0, false, 10},
};

#define CONV_W(name, layer, o, i, off)                                                         \
    {name ".weight", layer, false, 4, {o, i, 3, 3}, off, (size_t)(o) * (i) * 9, (i) * 9, (o) * 9}
#define BIAS(name, layer, o, off) {name ".bias", layer, true, 1, {o, 0, 0, 0}, off, o, 0, 0}
#define DENSE_W(name, layer, o, i, off)                                                        \
    {name ".weight", layer, false, 2, {o, i, 0, 0}, off, (size_t)(o) * (i), i, o}

/* Offsets are running sums of the counts (checked by tests/nn). */
static const nn_param_spec params[NN_PARAM_TENSOR_COUNT] = {
    CONV_W("conv1", 0, 32, 3, 0),
    BIAS("conv1", 0, 32, 864),
    CONV_W("conv2", 1, 32, 32, 896),
    BIAS("conv2", 1, 32, 10112),
    CONV_W("conv3", 3, 64, 32, 10144),
    BIAS("conv3", 3, 64, 28576),
    CONV_W("conv4", 4, 64, 64, 28640),
    BIAS("conv4", 4, 64, 65504),
    DENSE_W("dense1", 6, 512, 2304, 65568),
    BIAS("dense1", 6, 512, 1245216),
    DENSE_W("dense2", 7, 10, 512, 1245728),
    BIAS("dense2", 7, 10, 1250848),
};

const nn_layer_spec *nn_layer_specs(void) { return layers; }
const nn_param_spec *nn_param_specs(void) { return params; }

double nn_forward_macs_per_image(void)
{
    double macs = 0;
    for (int i = 0; i < NN_LAYER_COUNT; i++) {
        const nn_layer_spec *l = &layers[i];
        if (l->kind == NN_LAYER_CONV)
            macs += (double)l->out_c * l->out_h * l->out_w * l->in_c * l->kernel * l->kernel;
        else if (l->kind == NN_LAYER_DENSE)
            macs += (double)l->out_c * l->in_c;
    }
    return macs;
}
