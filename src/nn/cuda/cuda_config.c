/* The cuda backend's options: parsing, defaults, names (cuda_config.h). */
#include "nn/cuda/cuda_config.h"

#include <stdio.h>
#include <string.h>

#include "nn/cuda/grad_defaults.h"
#include "nn/model_spec.h"

const nn_cuda_option nn_cuda_options[] = {
    {"cuda-algo", "HOW", "table|heuristic|find",
     "cuDNN's algorithms: table (default), heuristic or find"},
    {"cuda-algos", "LIST", NULL, "these cuDNN algorithms, e.g. \"conv2.bwd_filter=2\""},
    {"cuda-tf32", NULL, NULL, "let cuDNN and cuBLAS use TF32 (default: plain fp32)"},
    {"cuda-no-graphs", NULL, NULL, "launch every step eagerly (default: CUDA graphs)"},
    {"cuda-unfused", NULL, NULL, "conv, then bias+ReLU apart (default: one cuDNN call)"},
    {"cuda-bias-grad", "HOW", "tiled|split|single",
     "bias gradients: tiled, split or single kernels"},
    {"cuda-wgrad", "BY", "own|cudnn", "conv1's weight gradient: own kernel or cudnn"},
    {"cuda-pool-bwd", "BY", "fused|cudnn", "pooling backward: fused (+ReLU, bias) or cudnn"},
};
const int nn_cuda_option_count = (int)(sizeof nn_cuda_options / sizeof nn_cuda_options[0]);

static const char *const bias_grad_names[] = {"", "tiled", "split", "single"};

const char *nn_cuda_bias_grad_name(nn_cuda_bias_grad g)
{
    return g > NN_CUDA_BIAS_GRAD_DEFAULT && g <= NN_CUDA_BIAS_GRAD_SINGLE ? bias_grad_names[g]
                                                                          : "?";
}

nn_cuda_grad_path nn_cuda_grad_path_of(const nn_cuda_config *c)
{
    const bool own = CUDA_OWN_GRAD_KERNELS_DEFAULT;
    nn_cuda_grad_path p = {
        .bias_grad = c->bias_grad != NN_CUDA_BIAS_GRAD_DEFAULT ? c->bias_grad
                     : own                                     ? NN_CUDA_BIAS_GRAD_TILED
                                                               : NN_CUDA_BIAS_GRAD_SPLIT,
        .wgrad_own = c->wgrad == NN_CUDA_KERNEL_DEFAULT ? own : c->wgrad == NN_CUDA_KERNEL_OWN,
        .pool_fused =
            c->pool_bwd == NN_CUDA_KERNEL_DEFAULT ? own : c->pool_bwd == NN_CUDA_KERNEL_OWN,
    };
    return p;
}

const nn_cuda_option *nn_cuda_option_find(const char *name)
{
    for (int i = 0; i < nn_cuda_option_count; i++)
        if (name && strcmp(name, nn_cuda_options[i].name) == 0)
            return &nn_cuda_options[i];
    return NULL;
}

/* value's index among the '|'-separated words of form, -1 when none. */
static int word_index(const char *form, const char *value)
{
    const size_t len = strlen(value);
    int index = 0;
    for (const char *w = form; *w; index++) {
        const char *bar = strchr(w, '|');
        const size_t wlen = bar ? (size_t)(bar - w) : strlen(w);
        if (len && wlen == len && strncmp(w, value, len) == 0)
            return index;
        if (!bar)
            break;
        w = bar + 1;
    }
    return -1;
}

/* The convolutions' names, for checking --cuda-algos. */
static int conv_layer_names(const char **names, int size)
{
    const nn_layer_spec *layers = nn_layer_specs();
    int count = 0;
    for (int i = 0; i < NN_LAYER_COUNT && count < size; i++)
        if (layers[i].kind == NN_LAYER_CONV)
            names[count++] = layers[i].name;
    return count;
}

hml_status nn_cuda_config_set(nn_cuda_config *c, const char *name, const char *value, hml_err *err)
{
    const nn_cuda_option *o = nn_cuda_option_find(name);
    if (!o)
        return hml_fail(err, HML_EINTERNAL, "--%s: not a cuda option", name ? name : "(null)");
    if (o->value && !value)
        return hml_fail(err, HML_EUSAGE, "--%s needs a value", name);
    if (!o->value) {
        if (!strcmp(name, "cuda-tf32"))
            c->tf32 = true;
        else if (!strcmp(name, "cuda-no-graphs"))
            c->no_graphs = true;
        else
            c->unfused = true;
        return HML_OK;
    }
    if (!strcmp(name, "cuda-algo"))
        return conv_algo_policy_parse(value, &c->algo, err);
    if (!strcmp(name, "cuda-algos")) {
        const char *names[NN_LAYER_COUNT];
        const int convs = conv_layer_names(names, NN_LAYER_COUNT);
        conv_algo_pins pins;
        if (conv_algo_pins_parse(value, &pins, err) != HML_OK ||
            conv_algo_pins_check_layers(&pins, names, convs, err) != HML_OK)
            return err->status;
        c->pins = pins;
        return HML_OK;
    }
    const int k = word_index(o->choices, value);
    if (k < 0)
        return hml_fail(err, HML_EUSAGE, "--%s: unknown value '%.60s' (use %s)", name, value,
                        o->choices);
    if (!strcmp(name, "cuda-bias-grad"))
        c->bias_grad = (nn_cuda_bias_grad)(NN_CUDA_BIAS_GRAD_TILED + k);
    else if (!strcmp(name, "cuda-wgrad"))
        c->wgrad = k == 0 ? NN_CUDA_KERNEL_OWN : NN_CUDA_KERNEL_CUDNN;
    else
        c->pool_bwd = k == 0 ? NN_CUDA_KERNEL_OWN : NN_CUDA_KERNEL_CUDNN;
    return HML_OK;
}

void nn_cuda_config_name(const nn_cuda_config *c, char *buf, size_t size)
{
    /* The gradient path: each setting that is not grad_defaults.h's, by its value. */
    const nn_cuda_config none = {0};
    const nn_cuda_grad_path path = nn_cuda_grad_path_of(c), def = nn_cuda_grad_path_of(&none);
    char bias[16] = "";
    if (path.bias_grad != def.bias_grad)
        snprintf(bias, sizeof bias, "+bias%s", nn_cuda_bias_grad_name(path.bias_grad));
    const char *wgrad = path.wgrad_own == def.wgrad_own ? ""
                        : path.wgrad_own                ? "+ownwgrad"
                                                        : "+cudnnwgrad";
    const char *pool = path.pool_fused == def.pool_fused ? ""
                       : path.pool_fused                 ? "+fusedpool"
                                                         : "+cudnnpool";
    snprintf(buf, size, "%s%s%s%s%s%s%s%s%s", c->tf32 ? "+tf32" : "",
             c->algo == CONV_POLICY_TABLE  ? ""
             : c->algo == CONV_POLICY_FIND ? "+find"
                                           : "+heuristic",
             c->pins.count ? "+pinned" : "", c->unfused ? "+unfused" : "", bias, wgrad, pool,
             c->no_graphs ? "+nographs" : "", c->profile ? "+profile" : "");
}

bool nn_cuda_config_same(const nn_cuda_config *a, const nn_cuda_config *b)
{
    const nn_cuda_grad_path pa = nn_cuda_grad_path_of(a), pb = nn_cuda_grad_path_of(b);
    if (a->algo != b->algo || a->tf32 != b->tf32 || a->no_graphs != b->no_graphs ||
        a->unfused != b->unfused || a->profile != b->profile || pa.bias_grad != pb.bias_grad ||
        pa.wgrad_own != pb.wgrad_own || pa.pool_fused != pb.pool_fused ||
        a->pins.count != b->pins.count)
        return false;
    for (int i = 0; i < a->pins.count; i++) {
        const conv_algo_pin *p = &a->pins.pin[i];
        if (conv_algo_pins_lookup(&b->pins, p->layer, p->dir) != p->algo)
            return false;
    }
    return true;
}
