/* cuda_train: trains the reference CNN through nn/backend.h as `hmlcost
 * train` does (same init, data order, optimizer), for the GPU check
 * (bench/gpu-check.sh) -- so the cuda backend can be timed and its CPU
 * fallback shown even before the workload wires --device cuda in.
 *
 *   cuda_train [--device cpu|cuda] [--require-device] [--data DIR|synthetic]
 *              [--epochs N] [--batch N] [--train-limit N] [--test-limit N]
 *              [--seed N] [--threads N] [--host-batches] [--report] [--profile]
 *              [--check K] [the --cuda-* options of `hmlcost train`]
 *
 * --host-batches feeds the backend normalised float batches from the host
 * (train_step) even when it can keep the data on the device. --report
 * prints the cuda backend's own report (set-up times, algorithms, and with
 * --profile the GPU time of every operation of a training step) on stderr;
 * --profile runs each training step eagerly behind a GPU-side wait, with
 * CUDA events between its operations (nn/cuda/cuda_profile.h). --check K,
 * after the timed run (not timed): from the same initial weights, the
 * device's first-step loss and gradients against the cpu backend's, and
 * both parameter sets after 1, 2, 3, 5, 10, 20 (up to K) steps (host
 * batches of epoch 0's order): the largest over tensors of the median of
 * |p_dev - p_cpu| in units of the learning rate (tests/nn/cuda's measure),
 * and after K steps per tensor |p_dev - p_cpu| / |p_cpu - p_0| (L2); in the
 * JSON as "check".
 * Prints one JSON line (the workload contract's keys that apply, plus
 * "epoch_s", each epoch's training seconds, and the backend's own record,
 * e.g. "cuda": algorithms, set-up times) on stdout; the fallback
 * warning on stderr. Exit 1 when the device was required and is unusable,
 * 2 on a usage error. Built with the tests, not run by CTest. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/cifar10.h"
#include "data/dataset.h"
#include "data/order.h"
#include "data/synthetic.h"
#include "meter/clock.h"
#include "nn/backend.h"
#include "nn/cuda/cuda_report.h"
#include "nn/cuda/device_select.h"
#include "nn/init.h"
#include "nn/model_spec.h"

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

static int fail(const hml_err *err)
{
    fprintf(stderr, "cuda_train: %s\n", err->msg);
    return err->status == HML_EUSAGE ? 2 : 1;
}

/* The --check comparison (see the top), written into the JSON line. */
typedef struct device_check {
    bool done;
    int steps;
    float loss_cpu, loss_dev;
    double grad_rel_max;              /* max over tensors of max|g_dev - g_cpu| / max|g_cpu| */
    double param_dev[NN_PARAM_TENSOR_COUNT]; /* |p_dev - p_cpu| / |p_cpu - p_0| after `steps` */
    int snapshots;
    int at[8];            /* steps taken */
    double median_lr[8];  /* max over tensors of median |p_dev - p_cpu| / lr */
} device_check;

static int compare_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* The largest over tensors of the median of |a - b| (scratch: NN_PARAM_COUNT floats). */
static double worst_tensor_median(const float *a, const float *b, float *scratch)
{
    const nn_param_spec *specs = nn_param_specs();
    double worst = 0;
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const size_t o = specs[t].offset, c = specs[t].count;
        for (size_t i = 0; i < c; i++)
            scratch[i] = fabsf(a[o + i] - b[o + i]);
        qsort(scratch, c, sizeof *scratch, compare_float);
        worst = fmax(worst, scratch[c / 2]);
    }
    return worst;
}

static double l2_diff(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += ((double)a[i] - (double)b[i]) * ((double)a[i] - (double)b[i]);
    return sqrt(s);
}

static hml_status run_check(const nn_backend *dev, const nn_model_config *cfg, const float *p0,
                            const data_set *train, long seed, int steps, device_check *out,
                            hml_err *err)
{
    const nn_backend *cpu = nn_backend_cpu();
    const int batch = cfg->batch;
    nn_model *mc = NULL, *md = NULL;
    float *x = malloc(sizeof(float) * (size_t)batch * NN_INPUT_SIZE);
    int32_t *labels = malloc(sizeof(int32_t) * (size_t)batch);
    float *gc = malloc(sizeof(float) * NN_PARAM_COUNT), *gd = malloc(sizeof(float) * NN_PARAM_COUNT);
    float *scratch = malloc(sizeof(float) * NN_PARAM_COUNT);
    uint32_t *order = malloc(sizeof(uint32_t) * train->count);
    hml_status st = HML_OK;
    if (!x || !labels || !gc || !gd || !order || !scratch) {
        st = hml_fail(err, HML_ESYSTEM, "check: out of memory");
        goto done;
    }
    if ((st = cpu->create(cfg, p0, &mc, err)) || (st = dev->create(cfg, p0, &md, err)))
        goto done;
    data_epoch_order((uint64_t)seed, 0, (uint32_t)train->count, order);
    const size_t n0 = train->count < (size_t)batch ? train->count : (size_t)batch;
    data_fill_batch(train, order, 0, n0, x, labels);
    if ((st = cpu->gradients(mc, x, labels, (int)n0, NULL, &out->loss_cpu, gc, err)) ||
        (st = dev->gradients(md, x, labels, (int)n0, NULL, &out->loss_dev, gd, err)))
        goto done;
    const nn_param_spec *specs = nn_param_specs();
    out->grad_rel_max = 0;
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        double scale = 0, diff = 0;
        for (size_t i = specs[t].offset; i < specs[t].offset + specs[t].count; i++) {
            scale = fmax(scale, fabs((double)gc[i]));
            diff = fmax(diff, fabs((double)gc[i] - (double)gd[i]));
        }
        if (scale > 0 && diff / scale > out->grad_rel_max)
            out->grad_rel_max = diff / scale;
    }
    for (int k = 0; k < steps; k++) {
        size_t at = ((size_t)k * (size_t)batch) % (train->count - n0 + 1);
        float lc, ld;
        data_fill_batch(train, order, at, n0, x, labels);
        if ((st = cpu->train_step(mc, x, labels, (int)n0, &lc, err)) ||
            (st = dev->train_step(md, x, labels, (int)n0, &ld, err)))
            goto done;
        const int taken = k + 1;
        if ((taken == 1 || taken == 2 || taken == 3 || taken == 5 || taken == 10 || taken == 20) &&
            out->snapshots < 8) {
            if ((st = cpu->get_params(mc, gc, err)) || (st = dev->get_params(md, gd, err)))
                goto done;
            out->at[out->snapshots] = taken;
            out->median_lr[out->snapshots++] =
                worst_tensor_median(gc, gd, scratch) / (double)cfg->optimizer.lr;
        }
    }
    if ((st = cpu->get_params(mc, gc, err)) || (st = dev->get_params(md, gd, err)))
        goto done;
    for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
        const size_t o = specs[t].offset, c = specs[t].count;
        const double moved = l2_diff(gc + o, p0 + o, c);
        out->param_dev[t] = moved > 0 ? l2_diff(gd + o, gc + o, c) / moved : 0;
    }
    out->steps = steps;
    out->done = true;
done:
    if (mc)
        cpu->destroy(mc);
    if (md)
        dev->destroy(md);
    free(x);
    free(labels);
    free(gc);
    free(gd);
    free(order);
    free(scratch);
    return st;
}

static long arg_long(const char *name, const char *value)
{
    char *end;
    long v = value ? strtol(value, &end, 10) : -1;
    if (!value || *end || v < 0) {
        fprintf(stderr, "cuda_train: %s needs a non-negative number\n", name);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const double t_start = clock_monotonic_s();
    const char *device = "cuda", *data = NULL;
    bool require = false, host_batches = false, report = false;
    long epochs = 2, batch = 64, train_limit = 0, test_limit = 0, seed = 1, check_steps = -1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN), threads = cores > 0 ? cores : 1;
    nn_cuda_config cuda = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const nn_cuda_option *cuda_option =
            !strncmp(a, "--", 2) ? nn_cuda_option_find(a + 2) : NULL;
        if (cuda_option) {
            hml_err bad = {0};
            if (nn_cuda_config_set(&cuda, a + 2, cuda_option->value ? v : NULL, &bad) != HML_OK) {
                fprintf(stderr, "cuda_train: %s\n", bad.msg);
                return 2;
            }
            i += cuda_option->value ? 1 : 0;
            continue;
        }
        if (!strcmp(a, "--device") && v) device = argv[++i];
        else if (!strcmp(a, "--data") && v) data = argv[++i];
        else if (!strcmp(a, "--require-device")) require = true;
        else if (!strcmp(a, "--host-batches")) host_batches = true;
        else if (!strcmp(a, "--report")) report = true;
        else if (!strcmp(a, "--profile")) cuda.profile = true;
        else if (!strcmp(a, "--check")) check_steps = arg_long(a, v), i++;
        else if (!strcmp(a, "--epochs")) epochs = arg_long(a, v), i++;
        else if (!strcmp(a, "--batch")) batch = arg_long(a, v), i++;
        else if (!strcmp(a, "--train-limit")) train_limit = arg_long(a, v), i++;
        else if (!strcmp(a, "--test-limit")) test_limit = arg_long(a, v), i++;
        else if (!strcmp(a, "--seed")) seed = arg_long(a, v), i++;
        else if (!strcmp(a, "--threads")) threads = arg_long(a, v), i++;
        else {
            fprintf(stderr, "cuda_train: unknown option '%s'\n", a);
            return 2;
        }
    }
    if (batch < 1 || epochs < 1 || threads < 1) {
        fprintf(stderr, "cuda_train: --batch, --epochs and --threads must be >= 1\n");
        return 2;
    }
    hml_err err = {0};
    int status = 0;
    data_set train = {0}, test = {0};
    const nn_backend *b = NULL;
    nn_model *model = NULL;
    float *params = NULL, *losses = NULL, *x = NULL;
    uint32_t *order = NULL;
    int32_t *labels = NULL;
    double *epoch_loss = NULL, *epoch_s = NULL;
    device_check check = {0};
#define FAIL()                                                                                  \
    do {                                                                                        \
        status = fail(&err);                                                                    \
        goto done;                                                                              \
    } while (0)

    /* data */
    const double t_data = clock_monotonic_s();
    char dir[4096] = "synthetic";
    if (data && !strcmp(data, "synthetic")) {
        if (data_synthetic((uint64_t)seed, 0, train_limit ? (size_t)train_limit : 10000, &train,
                           &err) != HML_OK ||
            data_synthetic((uint64_t)seed, 1, test_limit ? (size_t)test_limit : 2000, &test,
                           &err) != HML_OK)
            FAIL();
    } else if (cifar10_find_dir(data, dir, sizeof dir, &err) != HML_OK ||
               cifar10_load_train(dir, (size_t)train_limit, &train, &err) != HML_OK ||
               cifar10_load_test(dir, (size_t)test_limit, &test, &err) != HML_OK) {
        FAIL();
    }

    /* build: device choice (with its fallback), model, data upload */
    const double t_build = clock_monotonic_s();
    nn_device_choice choice;
    if (nn_device_select(device, require, &choice, &err) != HML_OK)
        FAIL();
    char warning[1400];
    nn_device_fallback_warning(&choice, warning, sizeof warning);
    if (warning[0])
        fprintf(stderr, "cuda_train: %s\n", warning);
    b = choice.backend;
    params = malloc(sizeof(float) * NN_PARAM_COUNT);
    nn_init_glorot((uint64_t)seed, params);
    nn_model_config cfg = {.batch = (int)batch, .threads = (int)threads,
                           .optimizer = nn_optimizer_defaults(NN_OPT_ADAM), .cuda = cuda};
    if (b->create(&cfg, params, &model, &err) != HML_OK)
        FAIL();
    const bool on_device = b->train_batches && !host_batches;
    if (on_device && (b->upload_data(model, NN_DATA_TRAIN, &train, &err) != HML_OK ||
                      b->upload_data(model, NN_DATA_TEST, &test, &err) != HML_OK))
        FAIL();
    if (train.count % (size_t)batch &&
        b->prepare_batch(model, (int)(train.count % (size_t)batch), &err) != HML_OK)
        FAIL();

    /* train */
    const double t_train = clock_monotonic_s();
    const size_t n = train.count, batches = (n + (size_t)batch - 1) / (size_t)batch;
    order = malloc(sizeof(uint32_t) * n);
    losses = malloc(sizeof(float) * batches);
    x = malloc(sizeof(float) * (size_t)batch * NN_INPUT_SIZE);
    labels = malloc(sizeof(int32_t) * (size_t)batch);
    epoch_loss = calloc((size_t)epochs, sizeof(double));
    epoch_s = calloc((size_t)epochs, sizeof(double));
    if (!order || !losses || !x || !labels || !epoch_loss || !epoch_s) {
        hml_fail(&err, HML_ESYSTEM, "out of memory");
        FAIL();
    }
    for (long e = 0; e < epochs; e++) {
        const double t_epoch = clock_monotonic_s();
        data_epoch_order((uint64_t)seed, (int)e, (uint32_t)n, order);
        if (on_device) {
            if (b->train_batches(model, order, 0, n, losses, &err) != HML_OK)
                FAIL();
        } else {
            for (size_t k = 0; k < batches; k++) {
                size_t m = k + 1 < batches ? (size_t)batch : n - k * (size_t)batch;
                data_fill_batch(&train, order, k * (size_t)batch, m, x, labels);
                if (b->train_step(model, x, labels, (int)m, &losses[k], &err) != HML_OK)
                    FAIL();
            }
        }
        double sum = 0;
        for (size_t k = 0; k < batches; k++) {
            size_t m = k + 1 < batches ? (size_t)batch : n - k * (size_t)batch;
            sum += (double)losses[k] * (double)m;
        }
        epoch_loss[e] = sum / (double)n;
        epoch_s[e] = clock_monotonic_s() - t_epoch;
    }

    /* eval */
    const double t_eval = clock_monotonic_s();
    int correct = 0;
    double loss_sum = 0;
    if (on_device) {
        if (b->evaluate_batches(model, 0, test.count, &correct, &loss_sum, &err) != HML_OK)
            FAIL();
    } else {
        for (size_t i = 0; i < test.count; i += (size_t)batch) {
            size_t m = test.count - i < (size_t)batch ? test.count - i : (size_t)batch;
            int c;
            double l;
            data_fill_batch(&test, NULL, i, m, x, labels);
            if (b->evaluate(model, x, labels, (int)m, &c, &l, &err) != HML_OK)
                FAIL();
            correct += c;
            loss_sum += l;
        }
    }
    const double t_end = clock_monotonic_s();
    if (check_steps >= 0 &&
        run_check(b, &cfg, params, &train, seed, (int)check_steps, &check, &err) != HML_OK)
        FAIL();

    char backend[128];
    b->describe(&cfg, backend, sizeof backend);
    printf("{\"schema\":1,\"workload\":\"reference-cnn\",\"driver\":\"bench/cuda_train\",");
    printf("\"device_requested\":\"%s\",\"device_used\":\"%s\",\"fallback_reason\":",
           choice.requested, choice.used);
    if (choice.fallback_reason[0])
        print_json_string(choice.fallback_reason);
    else
        printf("null");
    printf(",\"backend\":");
    print_json_string(backend);
    printf(",\"path\":\"%s\",\"threads\":%ld,\"batch\":%ld,\"epochs\":%ld,\"seed\":%ld,",
           on_device ? "device-data" : "host-batches", threads, batch, epochs, seed);
    printf("\"data\":");
    print_json_string(dir);
    printf(",\"train_images\":%zu,\"test_images\":%zu,\"parameters\":%d,", n, test.count,
           NN_PARAM_COUNT);
    printf("\"accuracy\":%.6f,\"test_loss\":%.6f,\"loss\":[", (double)correct / (double)test.count,
           loss_sum / (double)test.count);
    for (long e = 0; e < epochs; e++)
        printf("%s%.6f", e ? "," : "", epoch_loss[e]);
    printf("],\"epoch_s\":[");
    for (long e = 0; e < epochs; e++)
        printf("%s%.4f", e ? "," : "", epoch_s[e]);
    printf("],\"images_per_s\":%.1f,", (double)n * (double)epochs / (t_eval - t_train));
    if (check.done) {
        const nn_param_spec *specs = nn_param_specs();
        double worst = 0;
        printf("\"check\":{\"steps\":%d,\"first_loss_cpu\":%.7f,\"first_loss_device\":%.7f,"
               "\"first_loss_diff\":%.3e,\"grad_rel_max\":%.3e,\"param_dev\":{",
               check.steps, (double)check.loss_cpu, (double)check.loss_dev,
               fabs((double)check.loss_cpu - (double)check.loss_dev), check.grad_rel_max);
        for (int t = 0; t < NN_PARAM_TENSOR_COUNT; t++) {
            printf("%s\"%s\":%.3e", t ? "," : "", specs[t].name, check.param_dev[t]);
            worst = fmax(worst, check.param_dev[t]);
        }
        printf("},\"param_dev_max\":%.3e,\"median_dp_lr\":{", worst);
        for (int k = 0; k < check.snapshots; k++)
            printf("%s\"%d\":%.3e", k ? "," : "", check.at[k], check.median_lr[k]);
        printf("}},");
    }
    char *details = NULL;
    if (b->details_json && b->details_json(model, &details, &err) == HML_OK && details)
        printf("\"%s\":%s,", b->device, details);
    free(details);
    printf("\"phase_s\":{\"data\":%.4f,\"build\":%.4f,\"train\":%.4f,\"eval\":%.4f,"
           "\"main\":%.4f},\"footprint_bytes\":%zu}\n",
           t_build - t_data, t_train - t_build, t_eval - t_train, t_end - t_eval,
           t_end - t_start, b->footprint_bytes(model));
done:
    if (b)
        b->destroy(model);
#ifdef HMLCOST_HAVE_CUDA
    if (report && b && !strcmp(b->device, "cuda")) {
        static char text[16384];
        cuda_backend_report(text, sizeof text);
        fputs(text, stderr);
    }
#else
    if (report)
        fprintf(stderr, "cuda_train: --report: built without the cuda backend\n");
#endif
    free(params);
    free(order);
    free(losses);
    free(x);
    free(labels);
    free(epoch_loss);
    free(epoch_s);
    data_set_free(&train);
    data_set_free(&test);
    return status;
}
