/* The shape table, initialisation, loss, optimizer formulas and the cpu
 * backend's behaviour as a whole: determinism, batch sizes, parameters in
 * and out, kernels chosen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/synthetic.h"
#include "nn/backend.h"
#include "nn/cpu_backend.h"
#include "nn/init.h"
#include "nn/loss.h"
#include "nn/model_spec.h"
#include "nn/optimizer.h"

static void shape_table_is_consistent(void **state)
{
    (void)state;
    const nn_layer_spec *l = nn_layer_specs();
    const nn_param_spec *p = nn_param_specs();
    size_t offset = 0;
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        assert_int_equal(p[t].offset, offset);
        size_t count = 1;
        for (int d = 0; d < p[t].ndims; d++)
            count *= (size_t)p[t].dims[d];
        assert_int_equal(p[t].count, count);
        assert_int_equal(l[p[t].layer].weight_tensor + (p[t].is_bias ? 1 : 0), t);
        offset += count;
    }
    assert_int_equal(offset, NN_PARAM_COUNT);
    assert_int_equal(NN_PARAM_COUNT, 1250858);
    /* Each layer reads what the one before wrote; dense1 reads the flatten. */
    assert_int_equal(l[0].in_c * l[0].in_h * l[0].in_w, NN_INPUT_SIZE);
    for (int i = 1; i < NN_LAYER_COUNT; i++)
        assert_int_equal(l[i].in_c * l[i].in_h * l[i].in_w,
                         l[i - 1].out_c * l[i - 1].out_h * l[i - 1].out_w);
    for (int i = 0; i < NN_LAYER_COUNT; i++)
        if (l[i].kind != NN_LAYER_DENSE)
            assert_int_equal(l[i].out_h, (l[i].in_h + 2 * l[i].pad - l[i].kernel) / l[i].stride + 1);
    assert_int_equal(l[NN_LAYER_COUNT - 1].out_c, NN_CLASSES);
    /* ~6.1 TFLOP per 50,000-image epoch (3 passes x 2 FLOP per MAC). */
    double tflop = nn_forward_macs_per_image() * 6 * 50000 / 1e12;
    assert_true(tflop > 6.0 && tflop < 6.4);
}

static void glorot_init_has_the_right_range_and_is_seeded(void **state)
{
    (void)state;
    float *a = malloc(NN_PARAM_COUNT * sizeof *a), *b = malloc(NN_PARAM_COUNT * sizeof *b);
    nn_init_glorot(5, a);
    nn_init_glorot(5, b);
    assert_memory_equal(a, b, NN_PARAM_COUNT * sizeof *a);
    nn_init_glorot(6, b);
    assert_true(memcmp(a, b, NN_PARAM_COUNT * sizeof *a) != 0);
    const nn_param_spec *p = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const float *v = a + p[t].offset;
        if (p[t].is_bias) {
            for (size_t i = 0; i < p[t].count; i++)
                assert_true(v[i] == 0.0f);
            continue;
        }
        double limit = sqrt(6.0 / (p[t].fan_in + p[t].fan_out)), var = 0, max = 0;
        for (size_t i = 0; i < p[t].count; i++) {
            max = fmax(max, fabs(v[i]));
            var += (double)v[i] * v[i];
        }
        var /= (double)p[t].count;
        assert_true(max <= limit);
        /* Uniform(-l, l) has variance l^2 / 3. */
        assert_true(fabs(var / (limit * limit / 3) - 1) < (p[t].count > 5000 ? 0.05 : 0.25));
    }
    free(a);
    free(b);
}

static void cross_entropy_matches_hand_computation(void **state)
{
    (void)state;
    /* Row 0: logits (0, 0, ...) -> loss log 10. Row 1: huge logits stay finite. */
    float logits[2 * NN_CLASSES] = {0};
    logits[NN_CLASSES + 4] = 1000.0f;
    logits[NN_CLASSES + 5] = 999.0f;
    int32_t labels[2] = {3, 5};
    float diff[2 * NN_CLASSES];
    int correct = 0;
    double sum = nn_softmax_cross_entropy(logits, labels, 2, NN_CLASSES, diff, &correct);
    double want1 = log(1.0 + exp(1.0)); /* -log(e^-1 / (1 + e^-1 + ~0)) */
    assert_true(fabs(sum - (log(10.0) + want1)) < 1e-9);
    assert_int_equal(correct, 0);
    assert_true(fabs(diff[3] - (0.1 - 1.0) / 2) < 1e-7);
    assert_true(fabs(diff[0] - 0.1 / 2) < 1e-7);
    double row = 0;
    for (int k = 0; k < NN_CLASSES; k++)
        row += diff[NN_CLASSES + k];
    assert_true(fabs(row) < 1e-7);
    labels[1] = 4;
    correct = 0;
    nn_softmax_cross_entropy(logits, labels, 2, NN_CLASSES, NULL, &correct);
    assert_int_equal(correct, 1);
}

static void adam_and_sgd_follow_their_formulas(void **state)
{
    (void)state;
    enum { N = 37 };
    float p[N], g[N], m[N] = {0}, v[N] = {0};
    double pd[N], md[N] = {0}, vd[N] = {0};
    for (int i = 0; i < N; i++) {
        p[i] = (float)(pd[i] = 0.1 * (i - 18));
    }
    nn_optimizer_config c = nn_optimizer_defaults(NN_OPT_ADAM);
    assert_true(c.lr == 1e-3f && c.beta1 == 0.9f && c.beta2 == 0.999f && c.eps == 1e-7f);
    for (long t = 1; t <= 5; t++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)(0.01 * ((i * 7 + t * 3) % 11 - 5));
        nn_adam_update(p, g, m, v, N, t, &c);
        for (int i = 0; i < N; i++) {
            md[i] = c.beta1 * md[i] + (1 - c.beta1) * g[i];
            vd[i] = c.beta2 * vd[i] + (1 - c.beta2) * (double)g[i] * g[i];
            double lr_t = c.lr * sqrt(1 - pow(c.beta2, t)) / (1 - pow(c.beta1, t));
            pd[i] -= lr_t * md[i] / (sqrt(vd[i]) + c.eps);
        }
    }
    for (int i = 0; i < N; i++)
        assert_true(fabs(p[i] - pd[i]) < 1e-6);
    nn_optimizer_config s = nn_optimizer_defaults(NN_OPT_SGD);
    float u[N] = {0};
    for (int i = 0; i < N; i++) {
        p[i] = 1.0f;
        g[i] = 0.5f;
    }
    nn_sgd_update(p, g, u, N, &s);
    nn_sgd_update(p, g, u, N, &s);
    /* u1 = 0.5, p1 = 1 - 0.005; u2 = 0.9 * 0.5 + 0.5 = 0.95, p2 = p1 - 0.0095 */
    assert_true(fabs(p[3] - (1.0 - 0.005 - 0.0095)) < 1e-6);
}

/* A small model on synthetic data. */
typedef struct rig {
    data_set data;
    float *x;
    int32_t *labels;
} rig;

static void rig_make(rig *r, int n)
{
    hml_err err = {0};
    assert_int_equal(data_synthetic(9, 0, (size_t)n, &r->data, &err), HML_OK);
    r->x = malloc((size_t)n * NN_INPUT_SIZE * sizeof *r->x);
    r->labels = malloc((size_t)n * sizeof *r->labels);
    data_fill_batch(&r->data, NULL, 0, (size_t)n, r->x, r->labels);
}

static void rig_free(rig *r)
{
    data_set_free(&r->data);
    free(r->x);
    free(r->labels);
}

static nn_model *model_make(int batch, int threads, uint64_t seed)
{
    float *params = malloc(NN_PARAM_COUNT * sizeof *params);
    nn_init_glorot(seed, params);
    nn_model_config cfg = {.batch = batch, .threads = threads,
                           .optimizer = nn_optimizer_defaults(NN_OPT_ADAM)};
    nn_model *m = NULL;
    hml_err err = {0};
    if (nn_backend_cpu()->create(&cfg, params, &m, &err))
        fail_msg("create: %s", err.msg);
    free(params);
    return m;
}

/* Trains `steps` steps over batches of 32 then 8 images; returns losses. */
static void train(nn_model *m, const rig *r, int steps, float *losses)
{
    hml_err err = {0};
    for (int s = 0; s < steps; s++) {
        int n = s % 2 ? 8 : 32;
        size_t at = (size_t)(s % 2 ? 32 : 0);
        if (nn_backend_cpu()->train_step(m, r->x + at * NN_INPUT_SIZE, r->labels + at, n,
                                         &losses[s], &err))
            fail_msg("train_step: %s", err.msg);
    }
}

static void training_is_bit_identical_run_after_run(void **state)
{
    (void)state;
    rig r;
    rig_make(&r, 40);
    enum { STEPS = 6 };
    float a[STEPS], b[STEPS];
    float *pa = malloc(NN_PARAM_COUNT * sizeof *pa), *pb = malloc(NN_PARAM_COUNT * sizeof *pb);
    hml_err err = {0};
    for (int threads = 1; threads <= 2; threads++) {
        nn_model *m1 = model_make(32, threads, 3), *m2 = model_make(32, threads, 3);
        train(m1, &r, STEPS, a);
        train(m2, &r, STEPS, b);
        assert_memory_equal(a, b, sizeof a);
        assert_int_equal(nn_backend_cpu()->get_params(m1, pa, &err), HML_OK);
        assert_int_equal(nn_backend_cpu()->get_params(m2, pb, &err), HML_OK);
        assert_memory_equal(pa, pb, NN_PARAM_COUNT * sizeof *pa);
        assert_true(a[STEPS - 2] < a[0]); /* it learns */
        nn_backend_cpu()->destroy(m1);
        nn_backend_cpu()->destroy(m2);
    }
    free(pa);
    free(pb);
    rig_free(&r);
}

static void parameters_round_trip_and_stay_put_in_evaluation(void **state)
{
    (void)state;
    rig r;
    rig_make(&r, 16);
    nn_model *m = model_make(16, 2, 4);
    float *in = malloc(NN_PARAM_COUNT * sizeof *in), *out = malloc(NN_PARAM_COUNT * sizeof *out);
    hml_err err = {0};
    nn_init_glorot(77, in);
    for (size_t i = 0; i < NN_PARAM_COUNT; i += 1001)
        in[i] += 0.5f;
    assert_int_equal(nn_backend_cpu()->set_params(m, in, &err), HML_OK);
    assert_int_equal(nn_backend_cpu()->get_params(m, out, &err), HML_OK);
    assert_memory_equal(in, out, NN_PARAM_COUNT * sizeof *in);
    int correct = -1;
    double loss_sum = -1;
    assert_int_equal(nn_backend_cpu()->evaluate(m, r.x, r.labels, 16, &correct, &loss_sum, &err),
                     HML_OK);
    assert_true(correct >= 0 && correct <= 16 && loss_sum > 0);
    assert_int_equal(nn_backend_cpu()->get_params(m, out, &err), HML_OK);
    assert_memory_equal(in, out, NN_PARAM_COUNT * sizeof *in);
    /* Evaluation of 16 images = the sum of two batches of 8. */
    int c1 = 0, c2 = 0;
    double l1 = 0, l2 = 0;
    nn_backend_cpu()->evaluate(m, r.x, r.labels, 8, &c1, &l1, &err);
    nn_backend_cpu()->evaluate(m, r.x + 8 * NN_INPUT_SIZE, r.labels + 8, 8, &c2, &l2, &err);
    assert_int_equal(c1 + c2, correct);
    assert_true(fabs(l1 + l2 - loss_sum) < 1e-4 * loss_sum);
    nn_backend_cpu()->destroy(m);
    free(in);
    free(out);
    rig_free(&r);
}

static void bad_batch_sizes_and_labels_are_errors(void **state)
{
    (void)state;
    rig r;
    rig_make(&r, 8);
    nn_model *m = model_make(8, 1, 1);
    hml_err err = {0};
    float loss;
    assert_int_not_equal(nn_backend_cpu()->train_step(m, r.x, r.labels, 9, &loss, &err), HML_OK);
    assert_int_not_equal(nn_backend_cpu()->train_step(m, r.x, r.labels, 0, &loss, &err), HML_OK);
    r.labels[3] = 10;
    assert_int_not_equal(nn_backend_cpu()->train_step(m, r.x, r.labels, 8, &loss, &err), HML_OK);
    assert_non_null(strstr(err.msg, "label 10"));
    nn_backend_cpu()->destroy(m);
    nn_model_config cfg = {.batch = 0, .threads = 1, .optimizer = nn_optimizer_defaults(NN_OPT_ADAM)};
    float *params = calloc(NN_PARAM_COUNT, sizeof *params);
    assert_int_equal(nn_backend_cpu()->create(&cfg, params, &m, &err), HML_EUSAGE);
    free(params);
    rig_free(&r);
}

/* oneDNN falls back to reference kernels (10-1000x slower) when a layout
 * does not suit its optimised ones; none of the model's plans may. */
static void no_reference_kernels_in_the_plans(void **state)
{
    (void)state;
    nn_model *m = model_make(64, 2, 1);
    char buf[8192];
    hml_err err = {0};
    const int sizes[] = {64, 16, 1, 37};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_int_equal(nn_cpu_describe_kernels(m, sizes[i], buf, sizeof buf, &err), HML_OK);
        if (strstr(buf, "ref:") || strstr(buf, "ref_"))
            fail_msg("a reference kernel at batch %d:\n%s", sizes[i], buf);
        if (i == 0)
            print_message("%s", buf);
    }
    assert_true(nn_backend_cpu()->footprint_bytes(m) > 4 * NN_PARAM_COUNT * sizeof(float));
    nn_backend_cpu()->destroy(m);
}

static void backend_lookup(void **state)
{
    (void)state;
    assert_ptr_equal(nn_backend_find("cpu"), nn_backend_cpu());
    assert_null(nn_backend_find("tpu"));
    assert_null(nn_backend_find(NULL));
    char buf[64];
    const nn_model_config cfg = {.batch = 1, .threads = 1};
    nn_backend_cpu()->describe(&cfg, buf, sizeof buf);
    assert_non_null(strstr(buf, "onednn-"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shape_table_is_consistent),
        cmocka_unit_test(glorot_init_has_the_right_range_and_is_seeded),
        cmocka_unit_test(cross_entropy_matches_hand_computation),
        cmocka_unit_test(adam_and_sgd_follow_their_formulas),
        cmocka_unit_test(training_is_bit_identical_run_after_run),
        cmocka_unit_test(parameters_round_trip_and_stay_put_in_evaluation),
        cmocka_unit_test(bad_batch_sizes_and_labels_are_errors),
        cmocka_unit_test(no_reference_kernels_in_the_plans),
        cmocka_unit_test(backend_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
