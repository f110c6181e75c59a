/* The cuda backend against the cpu backend, on a GPU (skipped with exit 77
 * and "skipped: no GPU" elsewhere):
 *   - the first step: the same loss within 1e-4, logits and gradients close;
 *   - the first K_STEPS steps: parameters close to the cpu backend's (the
 *     tolerance and why: test_first_steps_match_cpu);
 *   - the device-resident data path (upload_data/train_batches) is
 *     bit-identical to train_step on host batches, partial batch included;
 *   - determinism: two models, the same steps, bit-identical parameters;
 *   - evaluate_batches equals evaluate;
 *   - one epoch on real CIFAR-10 (the first 10,000 training images; the
 *     first 2,000 test images, what bench/gpu-check.sh carries): test
 *     accuracy within 1 percentage point of the cpu backend's, as the mean
 *     over several seeds (how many and why: test_one_epoch_accuracy_within_
 *     one_point; skipped without data).
 * Arguments: the --cuda-* options of `hmlcost train` (bench/gpu-check.sh
 * checks each gradient path this way); none: the defaults. */
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

enum {
    BATCH = 64,
    SEED = 7,
    K_STEPS = 2,        /* test_first_steps_match_cpu */
    ACCURACY_SEEDS = 10 /* test_one_epoch_accuracy_within_one_point; HMLCOST_PARITY_SEEDS */
};

static const nn_backend *gpu, *cpu;
static data_set train_set, test_set;
static bool real_data;
static float *initial;
static nn_cuda_config cuda_options; /* from the arguments */

static nn_model_config config(int batch)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return (nn_model_config){.batch = batch,
                             .threads = cores > 0 ? (int)cores : 1,
                             .optimizer = nn_optimizer_defaults(NN_OPT_ADAM),
                             .cuda = cuda_options};
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

static int compare_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* The median of |a[i] - b[i]| over n values (n >= 1). */
static double median_abs_diff(const float *a, const float *b, size_t n)
{
    float *d = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++)
        d[i] = fabsf(a[i] - b[i]);
    qsort(d, n, sizeof *d, compare_float);
    double m = d[n / 2];
    free(d);
    return m;
}

/* The first K_STEPS Adam steps on the cpu and the cuda backend, from the
 * same weights on the same batches: for every tensor, the median over its
 * elements of |p_cuda - p_cpu| must be at most 2 % of the learning rate
 * (an Adam step moves almost every weight by about lr).
 *
 * Why a median, two steps and 2 %: Adam divides each gradient by its own
 * magnitude, so a weight whose gradient is near zero moves by about +lr or
 * -lr depending on the gradient's sign, which rounding alone can flip; and
 * every later step spreads such flips. Measured on the cpu backend itself
 * (CIFAR-10, seeds 1-3): the cpu at 1 thread against 2 threads (a
 * different summation order) gives a worst tensor median of 9e-7..7e-5 lr
 * after 2 steps, 8e-5..1.3e-3 after 3, 1.4e-3..7e-3 after 4; initial
 * weights perturbed by a relative 1e-6 (1e-5) give up to 5e-4 (8e-3) lr
 * after 2 steps. A learning rate 2 % off gives 0.035..0.039 lr after 2
 * steps: the check catches any error of that size in the data, the
 * gradients or the optimizer's state, and tolerates rounding with a margin
 * of 25x over fp32-level differences. Largest deviations (a few flipped
 * weights of 2 lr) are printed, not checked. */
static void test_first_steps_match_cpu(void **state)
{
    (void)state;
    uint32_t *order = malloc(sizeof(uint32_t) * train_set.count);
    data_epoch_order(SEED, 0, (uint32_t)train_set.count, order);
    float *x = malloc(sizeof(float) * BATCH * NN_INPUT_SIZE);
    int32_t labels[BATCH];
    nn_model *mc = create(cpu, BATCH), *mg = create(gpu, BATCH);
    for (int k = 0; k < K_STEPS; k++) {
        float lc, lg;
        data_fill_batch(&train_set, order, (size_t)k * BATCH, BATCH, x, labels);
        TRY(cpu->train_step(mc, x, labels, BATCH, &lc, err));
        TRY(gpu->train_step(mg, x, labels, BATCH, &lg, err));
        printf("step %d loss: cpu %.7f cuda %.7f\n", k + 1, lc, lg);
    }
    float *pc = malloc(sizeof(float) * NN_PARAM_COUNT), *pg = malloc(sizeof(float) * NN_PARAM_COUNT);
    TRY(cpu->get_params(mc, pc, err));
    TRY(gpu->get_params(mg, pg, err));
    const double lr = config(BATCH).optimizer.lr;
    const nn_param_spec *specs = nn_param_specs();
    double worst = 0;
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const size_t o = specs[t].offset, c = specs[t].count;
        double med = median_abs_diff(pc + o, pg + o, c) / lr;
        double mx = max_diff(pc + o, pg + o, c) / lr;
        printf("  after %d steps %-13s median |dp| %.2e lr, max %.2e lr\n", K_STEPS,
               specs[t].name, med, mx);
        worst = fmax(worst, med);
    }
    assert_true(worst <= 0.02);
    cpu->destroy(mc);
    gpu->destroy(mg);
    free(pc);
    free(pg);
    free(x);
    free(order);
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

/* Trains one epoch on a backend from the seed's initial weights and data
 * order: host batches for cpu, device data for cuda. */
static double epoch_accuracy(const nn_backend *b, uint64_t seed)
{
    uint32_t *order = malloc(sizeof(uint32_t) * train_set.count);
    data_epoch_order(seed, 0, (uint32_t)train_set.count, order);
    float *params = malloc(sizeof(float) * NN_PARAM_COUNT);
    nn_init_glorot(seed, params);
    nn_model_config cfg = config(BATCH);
    nn_model *m = NULL;
    TRY(b->create(&cfg, params, &m, err));
    free(params);
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
    free(order);
    return (double)correct / (double)n_test;
}

/* The parity criterion, accuracy after one epoch within 1 percentage point
 * of the cpu backend's, measured so that it means something: the mean
 * over ACCURACY_SEEDS seeds (each its own initial weights and data order)
 * of cuda's accuracy minus cpu's must be within 1 point.
 *
 * Why not one seed: two runs that differ only in rounding drift apart
 * within a few steps (test_first_steps_match_cpu) and end as two different
 * models. Their accuracies on 2,000 test images differ by chance alone:
 * the test set's binomial error is sqrt(0.47 * 0.53 / 2000) = 1.1 points
 * per model, and the cpu backend against itself (1 and 2 threads, 10,000
 * training images, 2,000 test images, seeds 1-12) differs by a
 * standard deviation of 1.2 points per seed, by up to 2.5 (mean -0.8); the
 * one-seed check on an H200 saw 2.35. Over 10 seeds the mean's standard
 * error is 1.2 / sqrt(10) = 0.38 points: a backend that trains the same
 * model fails this check with probability about 1 %, one that is 2 points
 * worse fails it with about 99 %. The paired differences' mean, standard
 * deviation and 95 % interval are printed. */
static void test_one_epoch_accuracy_within_one_point(void **state)
{
    (void)state;
    if (!real_data) {
        printf("skipped: CIFAR-10 not found (set HMLCOST_DATA)\n");
        skip();
    }
    int seeds = ACCURACY_SEEDS;
    const char *env = getenv("HMLCOST_PARITY_SEEDS");
    if (env && atoi(env) > 0)
        seeds = atoi(env);
    double sum = 0, sum_sq = 0, sum_gpu = 0;
    for (int k = 0; k < seeds; k++) {
        const uint64_t seed = 1000 + (uint64_t)k;
        double acc_cpu = epoch_accuracy(cpu, seed), acc_gpu = epoch_accuracy(gpu, seed);
        double d = acc_gpu - acc_cpu;
        printf("seed %llu: one epoch on %zu images, %zu test images: accuracy cpu %.4f cuda %.4f "
               "(%+.2f points)\n",
               (unsigned long long)seed, train_set.count, test_set.count, acc_cpu, acc_gpu,
               100 * d);
        sum += d;
        sum_sq += d * d;
        sum_gpu += acc_gpu;
    }
    const double mean = sum / seeds;
    const double sd = seeds > 1 ? sqrt(fmax(0, (sum_sq - seeds * mean * mean) / (seeds - 1))) : 0;
    const double half = 1.96 * sd / sqrt(seeds);
    printf("cuda - cpu over %d seeds: mean %+.2f points (sd %.2f, 95 %% interval %+.2f..%+.2f)\n",
           seeds, 100 * mean, 100 * sd, 100 * (mean - half), 100 * (mean + half));
    assert_true(fabs(mean) <= 0.01);
    assert_true(sum_gpu / seeds > 0.25);
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

int main(int argc, char **argv)
{
    hml_err err = {0};
    for (int i = 1; i < argc; i++) {
        const nn_cuda_option *o =
            strncmp(argv[i], "--", 2) ? NULL : nn_cuda_option_find(argv[i] + 2);
        const char *value = o && o->value && i + 1 < argc ? argv[i + 1] : NULL;
        if (!o || nn_cuda_config_set(&cuda_options, argv[i] + 2, value, &err) != HML_OK) {
            printf("test_cuda_parity: %s\n", o ? err.msg : "arguments: --cuda-* options only");
            return 2;
        }
        i += value ? 1 : 0;
    }
    gpu = nn_backend_find("cuda");
    cpu = nn_backend_cpu();
    if (!gpu || gpu->available(&err) != HML_OK) {
        printf("skipped: no GPU (%s)\n", gpu ? err.msg : "built without the cuda backend");
        return 77;
    }
    char describe[128];
    const nn_model_config defaults = config(BATCH);
    gpu->describe(&defaults, describe, sizeof describe);
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
        cmocka_unit_test(test_first_steps_match_cpu),
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
