/* hmlcost train: option parsing, progress display and result output for
 * the workload in src/workload/. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/fd_write.h"
#include "workload/result_json.h"
#include "workload/startup.h"
#include "workload/threads.h"
#include "workload/workload.h"

/* The cuda backend's options (nn/cuda/cuda_config.h), as help lines. */
static const char *cuda_help(void)
{
    static char text[2048];
    size_t used = 0;
    for (int i = 0; i < nn_cuda_option_count && used < sizeof text; i++) {
        const nn_cuda_option *o = &nn_cuda_options[i];
        char head[64];
        snprintf(head, sizeof head, "--%s%s%s", o->name, o->value ? " " : "",
                 o->value ? o->value : "");
        int w = snprintf(text + used, sizeof text - used, "  %-20s  %s\n", head, o->help);
        used += w > 0 ? (size_t)w : 0;
    }
    return text;
}

static void print_help(void)
{
    printf(
        "usage: hmlcost train [options]\n"
        "\n"
        "Trains the reference CNN (4 conv + 2 dense layers, 1,250,858 parameters) on\n"
        "CIFAR-10 and writes one JSON line with the result to $HMLCOST_RESULT_FD, or to\n"
        "stdout when that is unset. Progress goes to stderr.\n"
        "\n"
        "options:\n"
        "  --data DIR|synthetic  CIFAR-10 binary files (data_batch_1.bin ... test_batch.bin);\n"
        "                        default: $HMLCOST_DATA, ./data/cifar-10-batches-bin,\n"
        "                        ../shared/data/cifar10, else synthetic data (with a warning)\n"
        "  --train-limit N       use the first N training images (default: all)\n"
        "  --test-limit N        use the first N test images (default: all)\n"
        "  --epochs N            epochs (default %d)\n"
        "  --batch N             minibatch size (default %d); the last batch of an epoch\n"
        "                        is kept even when smaller\n"
        "  --lr X                learning rate (default 0.001 for adam, 0.01 for sgd)\n"
        "  --optimizer NAME      adam (default; Keras's formula, eps 1e-7) or sgd\n"
        "  --momentum X          SGD momentum (default 0.9)\n"
        "  --seed N              seed for weights, shuffling and synthetic data (default %d)\n"
        "  --threads N           compute threads (default: $OMP_NUM_THREADS, else the\n"
        "                        physical cores)\n"
        "  --device cpu|cuda     where to train (default cpu); cuda falls back to cpu with\n"
        "                        a warning (and the reason in the result) when it cannot\n"
        "                        run here: built without it, GPU libraries missing, no GPU\n"
        "  --require-device      no fallback: exit 1 when --device cannot be used\n"
        "%s"
        "  --model-builds K      build the model K times, train the last (smell:\n"
        "                        model-reuse; default 1)\n"
        "  --keep-stale-models   keep the K-1 earlier models alive instead of freeing them\n"
        "  --quiet               no progress output\n"
        "  -h, --help            this help\n",
        WORKLOAD_DEFAULT_EPOCHS, WORKLOAD_DEFAULT_BATCH, WORKLOAD_DEFAULT_SEED,
        cuda_help());
}

enum {
    OPT_DATA = 256,
    OPT_TRAIN_LIMIT,
    OPT_TEST_LIMIT,
    OPT_EPOCHS,
    OPT_BATCH,
    OPT_LR,
    OPT_OPTIMIZER,
    OPT_MOMENTUM,
    OPT_SEED,
    OPT_THREADS,
    OPT_DEVICE,
    OPT_MODEL_BUILDS,
    OPT_KEEP_STALE,
    OPT_REQUIRE_DEVICE,
    OPT_QUIET,
    OPT_CUDA, /* every --cuda-* option: nn_cuda_config_set by its name */
};

static const struct option long_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"train-limit", required_argument, NULL, OPT_TRAIN_LIMIT},
    {"test-limit", required_argument, NULL, OPT_TEST_LIMIT},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"lr", required_argument, NULL, OPT_LR},
    {"optimizer", required_argument, NULL, OPT_OPTIMIZER},
    {"momentum", required_argument, NULL, OPT_MOMENTUM},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"model-builds", required_argument, NULL, OPT_MODEL_BUILDS},
    {"keep-stale-models", no_argument, NULL, OPT_KEEP_STALE},
    {"require-device", no_argument, NULL, OPT_REQUIRE_DEVICE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"cuda-algo", required_argument, NULL, OPT_CUDA},
    {"cuda-algos", required_argument, NULL, OPT_CUDA},
    {"cuda-tf32", no_argument, NULL, OPT_CUDA},
    {"cuda-no-graphs", no_argument, NULL, OPT_CUDA},
    {"cuda-unfused", no_argument, NULL, OPT_CUDA},
    {"cuda-bias-grad", required_argument, NULL, OPT_CUDA},
    {"cuda-wgrad", required_argument, NULL, OPT_CUDA},
    {"cuda-pool-bwd", required_argument, NULL, OPT_CUDA},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct progress_state {
    bool tty;
    double last_draw;
} progress_state;

static void format_duration(double s, char *buf, size_t size)
{
    if (s < 0 || s > 1e7)
        snprintf(buf, size, "?");
    else if (s >= 3600)
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else if (s >= 60)
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, size, "%.0fs", s);
}

static void show_progress(const workload_progress *p, void *user)
{
    progress_state *st = user;
    if (!st->tty) {
        if (p->epoch_done)
            fprintf(stderr, "epoch %d/%d: loss %.4f, %.0f images/s, %.1f s\n", p->epoch, p->epochs,
                    p->loss, p->images_per_s, p->epoch_elapsed_s);
        return;
    }
    double now = startup_now();
    if (!p->epoch_done && now - st->last_draw < 0.1)
        return;
    st->last_draw = now;
    enum { WIDTH = 24 };
    int filled = (int)((double)WIDTH * (double)p->images_done / (double)p->images_total);
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '=' : ' ';
    bar[WIDTH] = '\0';
    char eta[32];
    double left = p->images_per_s > 0
                      ? (double)(p->images_total - p->images_done) / p->images_per_s
                      : -1;
    format_duration(p->epoch_done ? p->epoch_elapsed_s : left, eta, sizeof eta);
    fprintf(stderr, "\r\033[Kepoch %d/%d [%s] %3.0f%%  %6.0f img/s  loss %.4f  %s %s",
            p->epoch, p->epochs, bar, 100.0 * (double)p->images_done / (double)p->images_total,
            p->images_per_s, p->loss, p->epoch_done ? "took" : "ETA", eta);
    if (p->epoch_done)
        fputc('\n', stderr);
    fflush(stderr);
}

static hml_status write_line(int fd, const char *text, hml_err *err)
{
    size_t len = strlen(text);
    char *line = malloc(len + 2);
    if (!line)
        return hml_fail(err, HML_ESYSTEM, "result: out of memory");
    memcpy(line, text, len);
    line[len] = '\n';
    line[len + 1] = '\0';
    int e = fd_write_all(fd, line, len + 1);
    free(line);
    if (e != 0)
        return hml_fail(err, HML_ESYSTEM, "result: cannot write to fd %d: %s", fd,
                        e > 0 ? strerror(e) : "nothing written");
    return HML_OK;
}

static int parse_int_option(const char *name, const char *text, long min, long max, long *out)
{
    hml_err err = {0};
    if (cli_parse_long(name, text, min, max, out, &err) != HML_OK) {
        hml_wrap(&err, "train");
        return cli_report_error(&err);
    }
    return CLI_EXIT_OK;
}

int cmd_train(int argc, char **argv)
{
    workload_options opt;
    workload_options_defaults(&opt);
    bool quiet = false, lr_given = false, momentum_given = false;
    double lr = 0, momentum = 0;
    long value = 0;
    int rc;
    optind = 1;
    opterr = 0;
    int c, index = -1;
    while ((c = getopt_long(argc, argv, ":h", long_options, &index)) != -1) {
        hml_err err = {0};
        switch (c) {
        case OPT_DATA:
            if (!*optarg)
                return cli_usage_error("train: --data: empty directory name");
            opt.data = optarg;
            break;
        case OPT_TRAIN_LIMIT:
            if ((rc = parse_int_option("train-limit", optarg, 1, 100000000, &value)))
                return rc;
            opt.train_limit = (size_t)value;
            break;
        case OPT_TEST_LIMIT:
            if ((rc = parse_int_option("test-limit", optarg, 1, 100000000, &value)))
                return rc;
            opt.test_limit = (size_t)value;
            break;
        case OPT_EPOCHS:
            if ((rc = parse_int_option("epochs", optarg, 1, 100000, &value)))
                return rc;
            opt.epochs = (int)value;
            break;
        case OPT_BATCH:
            if ((rc = parse_int_option("batch", optarg, 1, 1 << 20, &value)))
                return rc;
            opt.batch = (int)value;
            break;
        case OPT_SEED:
            if ((rc = parse_int_option("seed", optarg, 0, 0x7fffffffffffffffL, &value)))
                return rc;
            opt.seed = (uint64_t)value;
            break;
        case OPT_THREADS:
            if ((rc = parse_int_option("threads", optarg, 1, THREADS_MAX, &value)))
                return rc;
            opt.threads = (int)value;
            break;
        case OPT_MODEL_BUILDS:
            if ((rc = parse_int_option("model-builds", optarg, 1, 1000, &value)))
                return rc;
            opt.model_builds = (int)value;
            break;
        case OPT_LR:
            if (cli_parse_double("lr", optarg, 1e-12, 100.0, &lr, &err) != HML_OK)
                return hml_wrap(&err, "train"), cli_report_error(&err);
            lr_given = true;
            break;
        case OPT_MOMENTUM:
            if (cli_parse_double("momentum", optarg, 0.0, 0.999999, &momentum, &err) != HML_OK)
                return hml_wrap(&err, "train"), cli_report_error(&err);
            momentum_given = true;
            break;
        case OPT_OPTIMIZER:
            if (strcmp(optarg, "adam") == 0)
                opt.optimizer = nn_optimizer_defaults(NN_OPT_ADAM);
            else if (strcmp(optarg, "sgd") == 0)
                opt.optimizer = nn_optimizer_defaults(NN_OPT_SGD);
            else
                return cli_usage_error("train: --optimizer: '%s' is not adam or sgd", optarg);
            break;
        case OPT_DEVICE:
            if (strcmp(optarg, "cpu") != 0 && strcmp(optarg, "cuda") != 0)
                return cli_usage_error("train: --device: '%s' is not cpu or cuda", optarg);
            opt.device = optarg;
            break;
        case OPT_KEEP_STALE: opt.keep_stale_models = true; break;
        case OPT_REQUIRE_DEVICE: opt.require_device = true; break;
        case OPT_QUIET: quiet = true; break;
        case OPT_CUDA:
            if (nn_cuda_config_set(&opt.cuda, long_options[index].name, optarg, &err) != HML_OK)
                return hml_wrap(&err, "train"), cli_report_error(&err);
            break;
        case 'h': print_help(); return CLI_EXIT_OK;
        case ':': return cli_usage_error("train: %s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("train: unknown option '%s' (see 'hmlcost train --help')",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("train: unexpected argument '%s'", argv[optind]);
    if (lr_given)
        opt.optimizer.lr = (float)lr;
    if (momentum_given) {
        if (opt.optimizer.kind != NN_OPT_SGD)
            return cli_usage_error("train: --momentum applies to --optimizer sgd only");
        opt.optimizer.momentum = (float)momentum;
    }

    /* A reader that went away (a closed pipe on stdout or the result fd)
     * must give a write error, not kill the process with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    hml_err err = {0};
    int fd = STDOUT_FILENO;
    if (cli_result_fd(&fd, &err) != HML_OK)
        return cli_report_error(&err);

    progress_state progress = {.tty = cli_stderr_is_tty(), .last_draw = 0};
    workload_result result;
    if (workload_run(&opt, quiet ? NULL : show_progress, &progress, &result, &err) != HML_OK) {
        hml_wrap(&err, "train");
        return cli_report_error(&err);
    }
    if (result.data_note[0])
        fprintf(stderr, "hmlcost: warning: train: %s\n", result.data_note);
    if (result.device_warning[0])
        fprintf(stderr, "hmlcost: %s\n", result.device_warning);
    if (!quiet)
        fprintf(stderr,
                "hmlcost: train: %s, accuracy %.4f on %zu test images, %.0f images/s, "
                "train %.1f s\n",
                result.data, result.accuracy, result.test_images, result.images_per_s,
                result.train_s);
    char *json = NULL;
    hml_status s = workload_result_json(&result, &json, &err);
    workload_result_free(&result);
    if (s == HML_OK)
        s = write_line(fd, json, &err);
    free(json);
    if (s != HML_OK)
        return cli_report_error(&err);
    return CLI_EXIT_OK;
}
