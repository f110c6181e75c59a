/* The reference CNN, as data: the one table of layer shapes and parameter
 * tensors that every backend (cpu/oneDNN, cuda/cuDNN) and every test reads.
 *
 * The model (Keras cifar10_cnn without dropout), input x: (N, 3, 32, 32):
 *   conv1  3->32  3x3 pad 1, ReLU   (N, 32, 32, 32)
 *   conv2 32->32  3x3 pad 0, ReLU   (N, 32, 30, 30)
 *   pool1 max 2x2 stride 2          (N, 32, 15, 15)
 *   conv3 32->64  3x3 pad 1, ReLU   (N, 64, 15, 15)
 *   conv4 64->64  3x3 pad 0, ReLU   (N, 64, 13, 13)
 *   pool2 max 2x2 stride 2          (N, 64,  6,  6)   (floor: row/col 12 dropped)
 *   dense1 2304->512, ReLU          (N, 512)          (flatten in C, H, W order)
 *   dense2  512->10                 (N, 10) logits
 *   softmax cross-entropy, mean over the batch.
 *
 * Canonical parameter layout ("canonical" everywhere in src/nn): one flat
 * float block, tensors in the order of nn_param_specs, each in PyTorch's
 * layout: conv weight (O, I, KH, KW), dense weight (O, I), bias (O). dense1's
 * I index is c*36 + h*6 + w of pool2's output, as torch.flatten gives it.
 * Backends may keep parameters in any internal layout but import and export
 * this one. 1,250,858 floats. */
#ifndef HMLCOST_NN_MODEL_SPEC_H
#define HMLCOST_NN_MODEL_SPEC_H

#include <stdbool.h>
#include <stddef.h>

enum {
    NN_INPUT_C = 3,
    NN_INPUT_H = 32,
    NN_INPUT_W = 32,
    NN_INPUT_SIZE = NN_INPUT_C * NN_INPUT_H * NN_INPUT_W, /* 3072 floats per image */
    NN_CLASSES = 10,
    NN_LAYER_COUNT = 8,
    NN_PARAM_TENSOR_COUNT = 12, /* weight + bias of the 4 convs and 2 dense layers */
    NN_PARAM_COUNT = 1250858,
};

typedef enum nn_layer_kind { NN_LAYER_CONV, NN_LAYER_MAXPOOL, NN_LAYER_DENSE } nn_layer_kind;

typedef struct nn_layer_spec {
    nn_layer_kind kind;
    const char *name;   /* "conv1", "pool1", "dense1", ... */
    int in_c, in_h, in_w;    /* per image; dense layers: in_c = features, in_h = in_w = 1 */
    int out_c, out_h, out_w; /* per image */
    int kernel, stride, pad; /* conv/pool only (square, symmetric padding) */
    bool relu;               /* ReLU applied to this layer's output */
    int weight_tensor;       /* index into nn_param_specs, -1 for pooling */
} nn_layer_spec;

typedef struct nn_param_spec {
    const char *name; /* "conv1.weight", "conv1.bias", ... (PyTorch's names) */
    int layer;        /* index into nn_layer_specs */
    bool is_bias;
    int ndims;
    int dims[4];      /* canonical shape, ndims used */
    size_t offset;    /* in floats, into the canonical block */
    size_t count;     /* floats */
    int fan_in, fan_out; /* Glorot: in*kh*kw and out*kh*kw (weights only) */
} nn_param_spec;

/* The tables: NN_LAYER_COUNT layers, NN_PARAM_TENSOR_COUNT tensors. */
const nn_layer_spec *nn_layer_specs(void);
const nn_param_spec *nn_param_specs(void);

/* Multiply-add operations of one image's forward pass (conv + dense), for
 * FLOP estimates: training costs about 3x this times 2 FLOP per MAC. */
double nn_forward_macs_per_image(void);

#endif
