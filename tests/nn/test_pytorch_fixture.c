/* The whole model against PyTorch 1.13 (tests/nn/fixtures/, written by
 * tools/make_fixture.py): the same initial weights (bit for bit), input and
 * labels must give PyTorch's logits, loss, gradients and, after one Adam
 * step, parameters.
 *
 * Tolerances (float32 throughout; oneDNN runs Winograd for conv2..4, which
 * rounds differently from PyTorch's direct convolution):
 *   initial weights   exact (same generator, same float operations)
 *   logits            |d| <= 2e-5 + 1e-5 |ref|      (observed 4e-7)
 *   loss              |d| <= 1e-5 + 1e-5 |ref|
 *   gradients         per tensor, |d| <= 1e-4 * max|ref| of the tensor
 *                     + 1e-4 |ref|  (observed 1.4e-6 of the scale); and the
 *                     tensor's sum and sum of squares within 1e-3 relative
 * Both the plan built for the model's own batch size and a plan for a
 * smaller last batch (weights in the first plan's layout) are checked.
 *   Adam step         |d| <= 2e-6 (the first step moves each weight by about
 *                     lr = 1e-3 times the sign of its gradient) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "nn/backend.h"
#include "nn/model_spec.h"

static fixture fx;

static int load(void **state)
{
    (void)state;
    return fixture_load(HMLCOST_TEST_SOURCE_DIR "/nn/fixtures/pytorch_reference.txt", &fx);
}

static int unload(void **state)
{
    (void)state;
    fixture_free(&fx);
    return 0;
}

static nn_model *build(int threads, int batch)
{
    float *params = malloc(NN_PARAM_COUNT * sizeof *params);
    fixture_initial_params(&fx, params);
    nn_model_config cfg = {.batch = batch,
                           .threads = threads,
                           .optimizer = nn_optimizer_defaults(NN_OPT_ADAM)};
    nn_model *model = NULL;
    hml_err err = {0};
    hml_status s = nn_backend_cpu()->create(&cfg, params, &model, &err);
    if (s)
        fail_msg("create: %s", err.msg);
    free(params);
    return model;
}

static void initial_weights_match_the_generator_bit_for_bit(void **state)
{
    (void)state;
    float *params = malloc(NN_PARAM_COUNT * sizeof *params);
    fixture_initial_params(&fx, params);
    const nn_param_spec *specs = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const fixture_tensor *ft = &fx.tensors[t];
        for (size_t i = 0; i < ft->samples; i++)
            if (params[specs[t].offset + i * ft->stride] != ft->initial[i])
                fail_msg("%s[%zu]: %.9g != %.9g", ft->name, i * ft->stride,
                         params[specs[t].offset + i * ft->stride], ft->initial[i]);
    }
    free(params);
}

static void check_gradients(const float *grads, double *worst)
{
    const nn_param_spec *specs = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const fixture_tensor *ft = &fx.tensors[t];
        const float *g = grads + specs[t].offset;
        double scale = 0;
        for (size_t i = 0; i < ft->samples; i++)
            scale = fmax(scale, fabs(ft->grad[i]));
        for (size_t i = 0; i < ft->samples; i++) {
            double ref = ft->grad[i], got = g[i * ft->stride], d = fabs(got - ref);
            *worst = fmax(*worst, d / scale);
            if (d > 1e-4 * scale + 1e-4 * fabs(ref))
                fail_msg("%s[%zu]: %.9g, PyTorch %.9g (tensor scale %.3g)", ft->name,
                         i * ft->stride, got, ref, scale);
        }
        double sum = 0, sumsq = 0;
        for (size_t i = 0; i < ft->count; i++) {
            sum += g[i];
            sumsq += (double)g[i] * g[i];
        }
        if (fabs(sumsq - ft->sumsq) > 1e-3 * ft->sumsq)
            fail_msg("%s: sum of squares %.9g, PyTorch %.9g", ft->name, sumsq, ft->sumsq);
        if (fabs(sum - ft->sum) > 1e-3 * sqrt(ft->sumsq * (double)ft->count) + 1e-9)
            fail_msg("%s: sum %.9g, PyTorch %.9g", ft->name, sum, ft->sum);
    }
}

static void logits_loss_and_gradients_match_pytorch(void **state)
{
    (void)state;
    /* (threads, the batch the model is built for) */
    const int runs[][2] = {{1, fx.batch}, {2, fx.batch}, {2, 64}};
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        int threads = runs[r][0];
        nn_model *model = build(threads, runs[r][1]);
        float logits[64 * NN_CLASSES], loss = 0;
        float *grads = malloc(NN_PARAM_COUNT * sizeof *grads);
        hml_err err = {0};
        if (nn_backend_cpu()->gradients(model, fx.input, fx.labels, fx.batch, logits, &loss, grads,
                                        &err))
            fail_msg("gradients: %s", err.msg);
        double worst_logit = 0, worst_grad = 0;
        for (int i = 0; i < fx.batch * NN_CLASSES; i++) {
            double d = fabs(logits[i] - fx.logits[i]);
            worst_logit = fmax(worst_logit, d);
            if (d > 2e-5 + 1e-5 * fabs(fx.logits[i]))
                fail_msg("logit %d: %.9g, PyTorch %.9g", i, logits[i], fx.logits[i]);
        }
        assert_true(fabs(loss - fx.loss) <= 1e-5 + 1e-5 * fabs(fx.loss));
        check_gradients(grads, &worst_grad);
        print_message("threads %d, model batch %d: worst logit diff %.2g, worst gradient diff "
                      "%.2g of scale\n",
                      threads, runs[r][1], worst_logit, worst_grad);
        free(grads);
        nn_backend_cpu()->destroy(model);
    }
}

static void one_adam_step_matches_kerass_formula(void **state)
{
    (void)state;
    nn_model *model = build(2, fx.batch);
    float loss = 0;
    hml_err err = {0};
    if (nn_backend_cpu()->train_step(model, fx.input, fx.labels, fx.batch, &loss, &err))
        fail_msg("train_step: %s", err.msg);
    assert_true(fabs(loss - fx.loss) <= 1e-5 + 1e-5 * fabs(fx.loss));
    float *params = malloc(NN_PARAM_COUNT * sizeof *params);
    assert_int_equal(nn_backend_cpu()->get_params(model, params, &err), HML_OK);
    const nn_param_spec *specs = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const fixture_tensor *ft = &fx.tensors[t];
        for (size_t i = 0; i < ft->samples; i++) {
            float got = params[specs[t].offset + i * ft->stride];
            if (fabs(got - ft->after_adam[i]) > 2e-6)
                fail_msg("%s[%zu] after one step: %.9g, reference %.9g (was %.9g)", ft->name,
                         i * ft->stride, got, ft->after_adam[i], ft->initial[i]);
        }
    }
    free(params);
    nn_backend_cpu()->destroy(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initial_weights_match_the_generator_bit_for_bit),
        cmocka_unit_test(logits_loss_and_gradients_match_pytorch),
        cmocka_unit_test(one_adam_step_matches_kerass_formula),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
