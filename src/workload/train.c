/* workload_run: the phases of `hmlcost train`, each timed:
 *   data  - find and load CIFAR-10 (or make synthetic data)
 *   build - build the model model_builds times (the model-reuse smell), the
 *           last one trains; every build starts from the same seed
 *   train - epochs of shuffled minibatches, the last batch kept even when
 *           smaller (as Keras does)
 *   eval  - accuracy and loss on the test set */
#include <limits.h>
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"
#include "common/text.h"
#include "data/cifar10.h"
#include "data/dataset.h"
#include "data/order.h"
#include "data/synthetic.h"
#include "nn/backend.h"
#include "nn/cuda/device_select.h"
#include "nn/init.h"
#include "nn/model_spec.h"
#include "workload/libraries.h"
#include "nn/onednn_load.h"
#include "workload/startup.h"
#include "workload/threads.h"
#include "workload/workload.h"

void workload_options_defaults(workload_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->epochs = WORKLOAD_DEFAULT_EPOCHS;
    opt->batch = WORKLOAD_DEFAULT_BATCH;
    opt->seed = WORKLOAD_DEFAULT_SEED;
    opt->device = "cpu";
    opt->optimizer = nn_optimizer_defaults(NN_OPT_ADAM);
    opt->model_builds = 1;
}

void workload_result_free(workload_result *result)
{
    if (!result)
        return;
    free(result->loss);
    free(result->build_s_each);
    free(result->libraries);
    free(result->backend_details);
    result->loss = NULL;
    result->build_s_each = NULL;
    result->libraries = NULL;
    result->backend_details = NULL;
}

/* Activation memory of one image in a training plan: every layer's output
 * and its gradient (the cpu backend holds both), plus the input. */
static size_t activation_bytes_per_image(void)
{
    const nn_layer_spec *l = nn_layer_specs();
    size_t floats = NN_INPUT_SIZE;
    for (int i = 0; i < NN_LAYER_COUNT; i++)
        floats += 2 * (size_t)l[i].out_c * l[i].out_h * l[i].out_w;
    return floats * sizeof(float);
}

static int count_path_entries(const char *path, int *missing)
{
    *missing = 0;
    if (!path || !*path)
        return 0;
    int entries = 0;
    const char *p = path;
    while (1) {
        const char *colon = strpbrk(p, ":;"); /* ld.so splits at both (elf/dl-load.c) */
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        entries++;
        char dir[4096];
        if (len == 0 || len >= sizeof dir) {
            (*missing)++;
        } else {
            memcpy(dir, p, len);
            dir[len] = '\0';
            if (access(dir, F_OK) != 0)
                (*missing)++;
        }
        if (!colon)
            break;
        p = colon + 1;
    }
    return entries;
}

/* The device with the fallback real frameworks have (nn_device_select):
 * cuda where it cannot run trains on the cpu and says why, unless
 * --require-device. */
static hml_status choose_backend(const workload_options *opt, workload_result *r,
                                 const nn_backend **out, hml_err *err)
{
    nn_device_choice choice;
    hml_status s = nn_device_select(opt->device, opt->require_device, &choice, err);
    if (s)
        return s;
    snprintf(r->device_requested, sizeof r->device_requested, "%s", choice.requested);
    snprintf(r->device_used, sizeof r->device_used, "%s", choice.used);
    snprintf(r->fallback_reason, sizeof r->fallback_reason, "%s", choice.fallback_reason);
    nn_device_fallback_warning(&choice, r->device_warning, sizeof r->device_warning);
    const nn_model_config described = {.cuda = opt->cuda};
    choice.backend->describe(&described, r->backend, sizeof r->backend);
    *out = choice.backend;
    return HML_OK;
}

static hml_status load_data(const workload_options *opt, workload_result *r, data_set *train,
                            data_set *test, hml_err *err)
{
    bool synthetic = opt->data && strcmp(opt->data, "synthetic") == 0;
    char dir[4096];
    if (!synthetic) {
        hml_err find_err = {0};
        if (cifar10_find_dir(opt->data, dir, sizeof dir, &find_err) != HML_OK) {
            if (opt->data || (getenv("HMLCOST_DATA") && *getenv("HMLCOST_DATA"))) {
                *err = find_err;
                return err->status;
            }
            /* Nothing asked for and nothing found: synthetic, said aloud. */
            snprintf(r->data_note, sizeof r->data_note, "%s; using synthetic data", find_err.msg);
            synthetic = true;
        }
    }
    hml_status s;
    if (synthetic) {
        snprintf(r->data, sizeof r->data, "synthetic");
        size_t n_train = opt->train_limit ? opt->train_limit : WORKLOAD_SYNTHETIC_TRAIN;
        size_t n_test = opt->test_limit ? opt->test_limit : WORKLOAD_SYNTHETIC_TEST;
        size_t avail = (size_t)procfs_mem_available();
        double need = (double)(n_train + n_test) * DATA_RECORD_BYTES;
        if (avail && need > 0.8 * (double)avail)
            return hml_fail(err, HML_EUSAGE,
                            "--train-limit/--test-limit: %zu synthetic images need %.1f GiB; "
                            "%.1f GiB of memory is available",
                            n_train + n_test, need / 1073741824.0, (double)avail / 1073741824.0);
        if ((s = data_synthetic(opt->seed, 0, n_train, train, err)) ||
            (s = data_synthetic(opt->seed, 1, n_test, test, err)))
            return s;
        return HML_OK;
    }
    /* The real path: a run's record must say which files it read. */
    char real[PATH_MAX];
    snprintf(r->data, sizeof r->data, "cifar10:%s", realpath(dir, real) ? real : dir);
    if ((s = cifar10_load_train(dir, opt->train_limit, train, err)))
        return s;
    if ((s = cifar10_load_test(dir, opt->test_limit, test, err)))
        return s;
    return HML_OK;
}

/* All models built, the last trains. Earlier ones are freed or, with
 * keep_stale_models, kept (freed at the very end). */
typedef struct model_set {
    const nn_backend *backend;
    nn_model **models;
    int count;
} model_set;

static void model_set_free(model_set *set)
{
    for (int i = 0; i < set->count; i++)
        set->backend->destroy(set->models[i]);
    free(set->models);
    set->models = NULL;
    set->count = 0;
}

static hml_status build_models(const workload_options *opt, const nn_model_config *cfg,
                               model_set *set, workload_result *r, hml_err *err)
{
    float *params = malloc(NN_PARAM_COUNT * sizeof *params);
    set->models = calloc((size_t)opt->model_builds, sizeof *set->models);
    r->build_s_each = calloc((size_t)opt->model_builds, sizeof *r->build_s_each);
    if (!params || !set->models || !r->build_s_each) {
        free(params);
        return hml_fail(err, HML_ESYSTEM, "out of memory for the model");
    }
    hml_status s = HML_OK;
    for (int k = 0; k < opt->model_builds; k++) {
        double t0 = startup_now();
        /* A build is everything a construction does: parameters from the
         * seed, the backend's allocations and kernels. */
        nn_init_glorot(opt->seed, params);
        nn_model *model = NULL;
        if ((s = set->backend->create(cfg, params, &model, err)))
            break;
        set->models[set->count++] = model;
        r->build_s_each[k] = startup_now() - t0;
        if (k == 0) {
            r->model_bytes = set->backend->footprint_bytes(model);
            size_t avail = (size_t)procfs_mem_available();
            size_t stale = opt->keep_stale_models ? (size_t)(opt->model_builds - 1) : 0;
            if (avail && (stale + 1) * r->model_bytes > avail) {
                s = hml_fail(err, HML_EUSAGE,
                             "--model-builds %d with --keep-stale-models would hold %.1f GiB "
                             "of models; %.1f GiB of memory is available",
                             opt->model_builds, (double)((stale + 1) * r->model_bytes) / 1073741824.0,
                             (double)avail / 1073741824.0);
                break;
            }
        }
        if (k + 1 < opt->model_builds && !opt->keep_stale_models) {
            set->backend->destroy(model);
            set->count--;
        }
    }
    free(params);
    if (s == HML_OK && opt->keep_stale_models)
        r->stale_model_bytes = (size_t)(set->count - 1) * r->model_bytes;
    return s;
}

static hml_status train_epochs(const workload_options *opt, const nn_backend *backend,
                               nn_model *model, const data_set *train, int batch,
                               workload_progress_fn progress, void *user, workload_result *r,
                               hml_err *err)
{
    size_t n = train->count;
    uint32_t *order = malloc(n * sizeof *order);
    float *x = malloc((size_t)batch * NN_INPUT_SIZE * sizeof *x);
    int32_t *labels = malloc((size_t)batch * sizeof *labels);
    float *losses = malloc(64 * sizeof *losses); /* one per batch of a train_batches call */
    r->loss = calloc((size_t)opt->epochs, sizeof *r->loss);
    hml_status s = HML_OK;
    if (!order || !x || !labels || !losses || !r->loss) {
        s = hml_fail(err, HML_ESYSTEM, "out of memory for training buffers");
        goto done;
    }
    /* A backend that keeps the data on its device trains whole runs of
     * batches per call (train_batches); chunks of BATCHES_PER_CALL keep the
     * progress display alive. Both paths compute the same steps. */
    enum { BATCHES_PER_CALL = 64 };
    const bool on_device = backend->train_batches != NULL;
    bool first = true;
    for (int epoch = 0; epoch < opt->epochs && s == HML_OK; epoch++) {
        double t0 = startup_now();
        data_epoch_order(opt->seed, epoch, (uint32_t)n, order);
        double loss_sum = 0;
        size_t per_call = on_device ? (size_t)batch * BATCHES_PER_CALL : (size_t)batch;
        for (size_t at = 0; at < n; at += per_call) {
            size_t count = n - at < per_call ? n - at : per_call;
            if (first) {
                r->first_step_s = startup_seconds_since_process_start();
                first = false;
            }
            if (on_device) {
                if ((s = backend->train_batches(model, order, at, count, losses, err)))
                    break;
                for (size_t k = 0, done = 0; done < count; k++, done += (size_t)batch) {
                    size_t m = count - done < (size_t)batch ? count - done : (size_t)batch;
                    loss_sum += (double)losses[k] * (double)m;
                }
            } else {
                data_fill_batch(train, order, at, count, x, labels);
                float loss = 0;
                if ((s = backend->train_step(model, x, labels, (int)count, &loss, err)))
                    break;
                loss_sum += (double)loss * (double)count;
            }
            if (progress) {
                double elapsed = startup_now() - t0;
                workload_progress p = {
                    .epoch = epoch + 1,
                    .epochs = opt->epochs,
                    .images_done = at + count,
                    .images_total = n,
                    .loss = loss_sum / (double)(at + count),
                    .images_per_s = elapsed > 0 ? (double)(at + count) / elapsed : 0,
                    .epoch_elapsed_s = elapsed,
                    .epoch_done = at + count == n,
                };
                progress(&p, user);
            }
        }
        r->loss[epoch] = loss_sum / (double)n;
    }
done:
    free(order);
    free(x);
    free(labels);
    free(losses);
    return s;
}

static hml_status evaluate(const nn_backend *backend, nn_model *model, const data_set *test,
                           int batch, workload_result *r, hml_err *err)
{
    float *x = malloc((size_t)batch * NN_INPUT_SIZE * sizeof *x);
    int32_t *labels = malloc((size_t)batch * sizeof *labels);
    hml_status s = HML_OK;
    if (!x || !labels) {
        s = hml_fail(err, HML_ESYSTEM, "out of memory for evaluation buffers");
        goto done;
    }
    long correct = 0;
    double loss_sum = 0;
    if (backend->evaluate_batches) {
        int hits = 0;
        if ((s = backend->evaluate_batches(model, 0, test->count, &hits, &loss_sum, err)))
            goto done;
        correct = hits;
    } else {
        for (size_t at = 0; at < test->count; at += (size_t)batch) {
            int count = (int)(test->count - at < (size_t)batch ? test->count - at : (size_t)batch);
            data_fill_batch(test, NULL, at, (size_t)count, x, labels);
            int hits = 0;
            double sum = 0;
            if ((s = backend->evaluate(model, x, labels, count, &hits, &sum, err)))
                break;
            correct += hits;
            loss_sum += sum;
        }
    }
    r->accuracy = (double)correct / (double)test->count;
    r->test_loss = loss_sum / (double)test->count;
done:
    free(x);
    free(labels);
    return s;
}

static hml_status check_options(const workload_options *opt, hml_err *err)
{
    if (opt->epochs < 1)
        return hml_fail(err, HML_EUSAGE, "--epochs: must be at least 1");
    if (opt->batch < 1)
        return hml_fail(err, HML_EUSAGE, "--batch: must be at least 1");
    if (opt->model_builds < 1)
        return hml_fail(err, HML_EUSAGE, "--model-builds: must be at least 1");
    if (opt->threads < 0 || opt->threads > THREADS_MAX)
        return hml_fail(err, HML_EUSAGE, "--threads: must be in [1, %d]", THREADS_MAX);
    if (!(opt->optimizer.lr > 0) || !isfinite(opt->optimizer.lr))
        return hml_fail(err, HML_EUSAGE, "--lr: must be a positive number");
    if (!opt->device)
        return hml_fail(err, HML_EUSAGE, "--device: missing");
    return HML_OK;
}

hml_status workload_run(const workload_options *opt, workload_progress_fn progress, void *user,
                        workload_result *r, hml_err *err)
{
    memset(r, 0, sizeof *r);
    hml_status s = check_options(opt, err);
    if (s)
        return s;
    startup_clock clock = startup_measure();
    /* oneDNN is opened here, not by the loader before main: start-up is
     * both, so that a slow library search (the libpath smell) still shows. */
    double load_t0 = startup_now();
    if ((s = nn_onednn_load(err)))
        return s;
    r->onednn_load_s = startup_now() - load_t0;
    r->start_s = clock.process_to_main_s < 0 ? clock.process_to_main_s
                                             : clock.process_to_main_s + r->onednn_load_s;
    r->process_to_main_s = clock.process_to_main_s;
    r->cpu_before_main_s = clock.cpu_before_main_s;
    snprintf(r->start_clock, sizeof r->start_clock, "%s", clock.method);
    r->batch = opt->batch;
    r->epochs = opt->epochs;
    r->seed = opt->seed;
    r->parameters = NN_PARAM_COUNT;
    r->model_builds = opt->model_builds;
    r->keep_stale_models = opt->keep_stale_models;
    r->threads_requested = opt->threads;
    snprintf(r->optimizer, sizeof r->optimizer, "%s", nn_optimizer_name(opt->optimizer.kind));
    r->lr = opt->optimizer.lr;
    text_copy(r->omp_num_threads_env, sizeof r->omp_num_threads_env, getenv("OMP_NUM_THREADS"));
    host_info host;
    if ((s = host_read(&host, NULL, err)))
        return s;
    r->logical_cpus = (int)host.allowed_cpus;
    r->ld_library_path_entries =
        count_path_entries(getenv("LD_LIBRARY_PATH"), &r->ld_library_path_missing);
    if (dnnl_get_primitive_cache_capacity(&r->primitive_cache_capacity) != dnnl_success)
        r->primitive_cache_capacity = -1;

    thread_choice threads;
    if ((s = threads_choose(opt->threads, &host, &threads, err)))
        return s;
    snprintf(r->threads_source, sizeof r->threads_source, "%s", threads.source);
    r->threads = threads_apply(threads.threads);

    const nn_backend *backend = NULL;
    if ((s = choose_backend(opt, r, &backend, err)))
        return s;

    /* A batch beyond memory is refused before anything is loaded: the
     * images a batch can hold are at most the larger set's (CIFAR-10 and
     * synthetic data default to 50,000 and 10,000). */
    size_t planned_train = opt->train_limit ? opt->train_limit : WORKLOAD_SYNTHETIC_TRAIN;
    size_t planned_test = opt->test_limit ? opt->test_limit : WORKLOAD_SYNTHETIC_TEST;
    size_t planned = planned_train > planned_test ? planned_train : planned_test;
    size_t planned_batch = (size_t)opt->batch < planned ? (size_t)opt->batch : planned;
    size_t avail = (size_t)host.mem_available;
    size_t need = planned_batch * activation_bytes_per_image();
    if (avail && need > avail)
        return hml_fail(err, HML_EUSAGE,
                        "--batch %d: the activations alone need %.1f GiB; %.1f GiB of memory is "
                        "available",
                        opt->batch, (double)need / 1073741824.0, (double)avail / 1073741824.0);

    /* data */
    double t = startup_now();
    data_set train = {0}, test = {0};
    model_set models = {.backend = backend};
    if ((s = load_data(opt, r, &train, &test, err)))
        goto done;
    r->train_images = train.count;
    r->test_images = test.count;
    r->data_s = startup_now() - t;

    /* build: the model and its kernels for the full batch. The kernels for
     * a smaller last batch are made when that batch first comes (about
     * 30 ms, once), as Keras traces a new batch shape on first use: the
     * first step does not wait for them. */
    size_t largest = train.count > test.count ? train.count : test.count;
    int batch = (size_t)opt->batch < largest ? opt->batch : (int)largest;
    int train_last = (int)(train.count % (size_t)batch);
    r->last_batch = train_last ? train_last : batch;
    nn_model_config cfg = {
        .batch = batch, .threads = r->threads, .optimizer = opt->optimizer, .cuda = opt->cuda};
    t = startup_now();
    if ((s = build_models(opt, &cfg, &models, r, err)))
        goto done;
    nn_model *model = models.models[models.count - 1];
    /* A backend that trains from its own copy of the data gets it once,
     * for the model that trains (counted in the build phase). */
    snprintf(r->data_path, sizeof r->data_path, "%s",
             backend->train_batches ? "device-data" : "host-batches");
    if (backend->train_batches &&
        ((s = backend->upload_data(model, NN_DATA_TRAIN, &train, err)) ||
         (s = backend->upload_data(model, NN_DATA_TEST, &test, err))))
        goto done;
    r->build_s = startup_now() - t;

    /* train */
    t = startup_now();
    if ((s = train_epochs(opt, backend, model, &train, batch, progress, user, r, err)))
        goto done;
    r->train_s = startup_now() - t;
    r->images_per_s = r->train_s > 0 ? (double)train.count * opt->epochs / r->train_s : 0;

    /* eval */
    t = startup_now();
    if ((s = evaluate(backend, model, &test, batch, r, err)))
        goto done;
    r->eval_s = startup_now() - t;

    /* What the backend chose (the cuda backend's algorithms, set-up times). */
    if (backend->details_json &&
        (s = backend->details_json(model, &r->backend_details, err)))
        goto done;
    s = libraries_loaded(&r->libraries, &r->library_count, err);
done:
    model_set_free(&models);
    data_set_free(&train);
    data_set_free(&test);
    if (s)
        workload_result_free(r);
    return s;
}
