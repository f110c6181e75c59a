/* The cuda backend against the cpu backend, on a GPU (skipped with exit 77
 * and "skipped: no GPU" elsewhere):
 *   - the first step: the same loss within 1e-4, logits and gradients close;
 *   - the device-resident data path (upload_data/train_batches) is
 *     bit-identical to train_step on host batches, partial batch included;
 *   - determinism: two models, the same steps, bit-identical parameters;
 *   - evaluate_batches equals evaluate;
 *   - one epoch on real CIFAR-10 (the first 10,000 training images; the
 *     first 2,000 test images, what bench/gpu-check.sh carries): test
 *     accuracy within 1 percentage point of the cpu backend's (skipped
 *     without data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/cifar10.h"
#include "data/dataset.h"
#include "data/order.h"
#include "data/synthetic.h"
#include "nn/backend.h"
#include "nn/init.h"
#include "nn/model_spec.h"

enum { BATCH = 64, SEED = 7 };

static const nn_backend *gpu, *cpu;
static data_set train_set, test_set;
static bool real_data;
static float *initial;

static nn_model_config config(int batch)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return (nn_model_config){.batch = batch,
                             .threads = cores > 0 ? (int)cores : 1,
                             .optimizer = nn_optimizer_defaults(NN_OPT_ADAM)};
}

static nn_model *create(const nn_backend *b, int batch)
{
    nn_model_config cfg = config(batch);
    nn_model *m = NULL;
    hml_err err = {0};
    if (b->create(&cfg, initial, &m, &err) != HML_OK)
        fail_msg("%s create: %s", b->device, err.msg);
    return m;
}

#define TRY(call)                                                                               \
    do {                                                                                        \
        hml_err err_ = {0};                                                                     \
        hml_err *err = &err_;                                                                   \
        if ((call) != HML_OK)                                                                   \
            fail_msg("%s: %s", #call, err_.msg);                                                \
        (void)err;                                                                              \
    } while (0)

static double max_abs(const float *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs((double)a[i]));
    return m;
}

static double max_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs((double)a[i] - (double)b[i]));
    return m;
}

static void test_first_step_matches_cpu(void **state)
{
    (void)state;
    float *x = malloc(sizeof(float) * BATCH * NN_INPUT_SIZE);
    int32_t labels[BATCH];
    data_fill_batch(&train_set, NULL, 0, BATCH, x, labels);
    nn_model *mc = create(cpu, BATCH), *mg = create(gpu, BATCH);
    float logits_c[BATCH * NN_CLASSES], logits_g[BATCH * NN_CLASSES], loss_c, loss_g;
    float *grads_c = malloc(sizeof(float) * NN_PARAM_COUNT);
    float *grads_g = malloc(sizeof(float) * NN_PARAM_COUNT);
    TRY(cpu->gradients(mc, x, labels, BATCH, logits_c, &loss_c, grads_c, err));
    TRY(gpu->gradients(mg, x, labels, BATCH, logits_g, &loss_g, grads_g, err));
    printf("first-step loss: cpu %.7f cuda %.7f (diff %.2e)\n", loss_c, loss_g,
           fabs(loss_c - loss_g));
    assert_true(fabs(loss_c - loss_g) <= 1e-4);
    assert_true(max_diff(logits_c, logits_g, BATCH * NN_CLASSES) <= 1e-3);
    const nn_param_spec *specs = nn_param_specs();
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const float *gc = grads_c + specs[t].offset, *gg = grads_g + specs[t].offset;
        double scale = max_abs(gc, specs[t].count), diff = max_diff(gc, gg, specs[t].count);
        printf("  %-13s max|g| %.3e  max diff %.3e\n", specs[t].name, scale, diff);
        assert_true(diff <= 1e-3 * scale + 1e-7);
    }
    /* The training step reports the same loss. */
    float step_c, step_g;
    TRY(cpu->train_step(mc, x, labels, BATCH, &step_c, err));
    TRY(gpu->train_step(mg, x, labels, BATCH, &step_g, err));
    assert_true(fabs(step_c - step_g) <= 1e-4);
    assert_true(fabs(step_g - loss_g) <= 1e-6);
    cpu->destroy(mc);
    gpu->destroy(mg);
    free(grads_c);
    free(grads_g);
    free(x);
}

/* 2 full batches and a partial one, from host floats and from the device's
 * uint8 copy: the same losses and parameters, bit for bit. */
static void test_device_data_path_is_bit_identical(void **state)
{
    (void)state;
    const size_t count = 2 * BATCH + 17;
    uint32_t *order = malloc(sizeof(uint32_t) * train_set.count);
    data_epoch_order(SEED, 0, (uint32_t)train_set.count, order);
    nn_model *host = create(gpu, BATCH), *dev = create(gpu, BATCH);
    float host_losses[3], dev_losses[3];
    float *x = malloc(sizeof(float) * BATCH * NN_INPUT_SIZE);
    int32_t labels[BATCH];
    for (size_t k = 0; k < 3; k++) {
        size_t n = k < 2 ? BATCH : count - 2 * BATCH;
        data_fill_batch(&train_set, order, k * BATCH, n, x, labels);
        TRY(gpu->train_step(host, x, labels, (int)n, &host_losses[k], err));
    }
    TRY(gpu->upload_data(dev, NN_DATA_TRAIN, &train_set, err));
    TRY(gpu->train_batches(dev, order, 0, count, dev_losses, err));
    float *ph = malloc(sizeof(float) * NN_PARAM_COUNT), *pd = malloc(sizeof(float) * NN_PARAM_COUNT);
    TRY(gpu->get_params(host, ph, err));
    TRY(gpu->get_params(dev, pd, err));
    for (int k = 0; k < 3; k++)
        assert_memory_equal(&host_losses[k], &dev_losses[k], sizeof(float));
    assert_memory_equal(ph, pd, sizeof(float) * NN_PARAM_COUNT);
    /* And a second call continues the optimizer's steps (t = 4, 5, ...). */
    for (size_t k = 0; k < 2; k++) {
        data_fill_batch(&train_set, order, 200 + k * BATCH, BATCH, x, labels);
        TRY(gpu->train_step(host, x, labels, BATCH, &host_losses[k], err));
    }
    TRY(gpu->train_batches(dev, order, 200, 2 * BATCH, dev_losses, err));
    TRY(gpu->get_params(host, ph, err));
    TRY(gpu->get_params(dev, pd, err));
    assert_memory_equal(host_losses, dev_losses, 2 * sizeof(float));
    assert_memory_equal(ph, pd, sizeof(float) * NN_PARAM_COUNT);
    assert_true(gpu->footprint_bytes(dev) > 4 * sizeof(float) * NN_PARAM_COUNT);
    gpu->destroy(host);
    gpu->destroy(dev);
    free(ph);
    free(pd);
    free(x);
    free(order);
}

static void test_runs_are_bit_identical(void **state)
{
    (void)state;
    uint32_t *order = malloc(sizeof(uint32_t) * train_set.count);
    data_epoch_order(SEED, 1, (uint32_t)train_set.count, order);
    float *p[2];
    float losses[2][8];
    for (int r = 0; r < 2; r++) {
        nn_model *m = create(gpu, BATCH);
        TRY(gpu->upload_data(m, NN_DATA_TRAIN, &train_set, err));
        TRY(gpu->train_batches(m, order, 0, 8 * BATCH, losses[r], err));
        p[r] = malloc(sizeof(float) * NN_PARAM_COUNT);
        TRY(gpu->get_params(m, p[r], err));
        gpu->destroy(m);
    }
    assert_memory_equal(losses[0], losses[1], sizeof losses[0]);
    assert_memory_equal(p[0], p[1], sizeof(float) * NN_PARAM_COUNT);
    assert_true(losses[0][7] < losses[0][0]); /* it learns */
    free(p[0]);
    free(p[1]);
    free(order);
}

static void test_evaluate_batches_equals_evaluate(void **state)
{
    (void)state;
    nn_model *m = create(gpu, BATCH);
    const size_t first = 5, count = 3 * BATCH + 9;
    float *x = malloc(sizeof(float) * BATCH * NN_INPUT_SIZE);
    int32_t labels[BATCH];
    int correct = 0, c;
    double loss = 0.0, l;
    for (size_t done = 0; done < count; done += BATCH) {
        size_t n = count - done < BATCH ? count - done : BATCH;
        data_fill_batch(&test_set, NULL, first + done, n, x, labels);
        TRY(gpu->evaluate(m, x, labels, (int)n, &c, &l, err));
        correct += c;
        loss += l;
    }
    int dev_correct;
    double dev_loss;
    TRY(gpu->upload_data(m, NN_DATA_TEST, &test_set, err));
    TRY(gpu->evaluate_batches(m, first, count, &dev_correct, &dev_loss, err));
    assert_int_equal(correct, dev_correct);
    assert_true(fabs(loss - dev_loss) <= 1e-9 * fabs(loss));
    gpu->destroy(m);
    free(x);
}

/* Trains one epoch on a backend: host batches for cpu, device data for cuda. */
static double epoch_accuracy(const nn_backend *b, const uint32_t *order)
{
    nn_model *m = create(b, BATCH);
    const size_t n_train = train_set.count, n_test = test_set.count;
    int correct = 0;
    double loss = 0.0;
    if (b->train_batches) {
        float *losses = malloc(sizeof(float) * (n_train / BATCH + 1));
        TRY(b->upload_data(m, NN_DATA_TRAIN, &train_set, err));
        TRY(b->upload_data(m, NN_DATA_TEST, &test_set, err));
        TRY(b->train_batches(m, order, 0, n_train, losses, err));
        TRY(b->evaluate_batches(m, 0, n_test, &correct, &loss, err));
        free(losses);
    } else {
        float *x = malloc(sizeof(float) * BATCH * NN_INPUT_SIZE);
        int32_t labels[BATCH];
        float step_loss;
        for (size_t i = 0; i < n_train; i += BATCH) {
            size_t n = n_train - i < BATCH ? n_train - i : BATCH;
            data_fill_batch(&train_set, order, i, n, x, labels);
            TRY(b->train_step(m, x, labels, (int)n, &step_loss, err));
        }
        for (size_t i = 0; i < n_test; i += BATCH) {
            size_t n = n_test - i < BATCH ? n_test - i : BATCH;
            int c;
            double l;
            data_fill_batch(&test_set, NULL, i, n, x, labels);
            TRY(b->evaluate(m, x, labels, (int)n, &c, &l, err));
            correct += c;
        }
        free(x);
    }
    b->destroy(m);
    return (double)correct / (double)n_test;
}

static void test_one_epoch_accuracy_within_one_point(void **state)
{
    (void)state;
    if (!real_data) {
        printf("skipped: CIFAR-10 not found (set HMLCOST_DATA)\n");
        skip();
    }
    uint32_t *order = malloc(sizeof(uint32_t) * train_set.count);
    data_epoch_order(SEED, 0, (uint32_t)train_set.count, order);
    double acc_cpu = epoch_accuracy(cpu, order), acc_gpu = epoch_accuracy(gpu, order);
    printf("one epoch on %zu images, %zu test images: accuracy cpu %.4f cuda %.4f\n",
           train_set.count, test_set.count, acc_cpu, acc_gpu);
    assert_true(fabs(acc_cpu - acc_gpu) <= 0.01);
    assert_true(acc_gpu > 0.25);
    free(order);
}

static bool load_real_data(void)
{
    char dir[4096];
    hml_err err = {0};
    const char *env = getenv("HMLCOST_DATA");
    char shared[4096];
    snprintf(shared, sizeof shared, "%s/cifar10", HMLCOST_SHARED_DATA);
    if (cifar10_find_dir(env && *env ? env : shared, dir, sizeof dir, &err) != HML_OK)
        return false;
    if (cifar10_load_train(dir, 10000, &train_set, &err) != HML_OK ||
        cifar10_load_test(dir, 2000, &test_set, &err) != HML_OK) {
        printf("CIFAR-10 at %s not usable: %s\n", dir, err.msg);
        data_set_free(&train_set);
        data_set_free(&test_set);
        return false;
    }
    printf("data: CIFAR-10 at %s (%zu training, %zu test images)\n", dir, train_set.count,
           test_set.count);
    return true;
}

int main(void)
{
    gpu = nn_backend_find("cuda");
    cpu = nn_backend_cpu();
    hml_err err = {0};
    if (!gpu || gpu->available(&err) != HML_OK) {
        printf("skipped: no GPU (%s)\n", gpu ? err.msg : "built without the cuda backend");
        return 77;
    }
    char describe[128];
    gpu->describe(describe, sizeof describe);
    printf("cuda backend: %s\n", describe);
    real_data = load_real_data();
    if (!real_data) {
        if (data_synthetic(SEED, 0, 1024, &train_set, &err) != HML_OK ||
            data_synthetic(SEED, 1, 512, &test_set, &err) != HML_OK) {
            printf("synthetic data: %s\n", err.msg);
            return 1;
        }
        printf("data: synthetic (%zu training, %zu test images)\n", train_set.count,
               test_set.count);
    }
    initial = malloc(sizeof(float) * NN_PARAM_COUNT);
    nn_init_glorot(SEED, initial);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_step_matches_cpu),
        cmocka_unit_test(test_device_data_path_is_bit_identical),
        cmocka_unit_test(test_runs_are_bit_identical),
        cmocka_unit_test(test_evaluate_batches_equals_evaluate),
        cmocka_unit_test(test_one_epoch_accuracy_within_one_point),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(initial);
    data_set_free(&train_set);
    data_set_free(&test_set);
    return failed;
}
