#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/init.h"

static int read_values(FILE *in, const char *key, size_t want, float **out)
{
    char name[64];
    size_t count = 0;
    if (fscanf(in, "%63s %zu", name, &count) != 2 || strcmp(name, key) != 0 || count != want) {
        fprintf(stderr, "fixture: expected '%s %zu', got '%s %zu'\n", key, want, name, count);
        return -1;
    }
    *out = malloc(count * sizeof **out);
    for (size_t i = 0; i < count; i++)
        if (fscanf(in, "%f", &(*out)[i]) != 1) {
            fprintf(stderr, "fixture: short '%s'\n", key);
            return -1;
        }
    return 0;
}

int fixture_load(const char *path, fixture *f)
{
    memset(f, 0, sizeof *f);
    FILE *in = fopen(path, "r");
    if (!in) {
        fprintf(stderr, "fixture: cannot open %s\n", path);
        return -1;
    }
    char line[512];
    if (!fgets(line, sizeof line, in) || line[0] != '#')
        goto bad;
    unsigned long long seed = 0;
    size_t nlabels = 0;
    if (fscanf(in, " seed %llu batch %d labels %zu", &seed, &f->batch, &nlabels) != 3 ||
        (int)nlabels != f->batch)
        goto bad;
    f->seed = seed;
    f->labels = malloc((size_t)f->batch * sizeof *f->labels);
    for (int i = 0; i < f->batch; i++)
        if (fscanf(in, "%d", &f->labels[i]) != 1)
            goto bad;
    float *loss = NULL;
    if (read_values(in, "input", (size_t)f->batch * NN_INPUT_SIZE, &f->input) ||
        read_values(in, "logits", (size_t)f->batch * NN_CLASSES, &f->logits) ||
        read_values(in, "loss", 1, &loss))
        goto bad;
    f->loss = loss[0];
    free(loss);
    const nn_param_spec *specs = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        fixture_tensor *ft = &f->tensors[t];
        if (fscanf(in, " tensor %63s %zu %zu %lf %lf", ft->name, &ft->count, &ft->stride, &ft->sum,
                   &ft->sumsq) != 5 ||
            strcmp(ft->name, specs[t].name) != 0 || ft->count != specs[t].count || ft->stride < 1)
            goto bad;
        ft->samples = (ft->count + ft->stride - 1) / ft->stride;
        if (read_values(in, "initial", ft->samples, &ft->initial) ||
            read_values(in, "grad", ft->samples, &ft->grad) ||
            read_values(in, "after_adam", ft->samples, &ft->after_adam))
            goto bad;
    }
    fclose(in);
    return 0;
bad:
    fprintf(stderr, "fixture: %s is malformed\n", path);
    fclose(in);
    fixture_free(f);
    return -1;
}

void fixture_free(fixture *f)
{
    free(f->labels);
    free(f->input);
    free(f->logits);
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        free(f->tensors[t].initial);
        free(f->tensors[t].grad);
        free(f->tensors[t].after_adam);
    }
    memset(f, 0, sizeof *f);
}

void fixture_initial_params(const fixture *f, float *params)
{
    nn_init_glorot(f->seed, params);
    const nn_param_spec *specs = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++)
        if (specs[t].is_bias)
            for (size_t k = 0; k < specs[t].count; k++)
                params[specs[t].offset + k] = (float)(0.01 * ((int)(k % 7) - 3));
}
