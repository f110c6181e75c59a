/* hmlcost train: reads the options, trains the reference CNN (src/workload)
 * and writes its result line. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/train_options.h"
#include "cli/train_progress.h"
#include "workload/result_json.h"
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

int cmd_train(int argc, char **argv)
{
    train_cli cli = {0};
    int rc = train_cli_parse(argc, argv, &cli);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (cli.help) {
        print_help();
        return CLI_EXIT_OK;
    }

    /* A reader that went away (a closed pipe on stdout or the result fd)
     * must give a write error, not kill the process with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    hml_err err = {0};
    int fd = STDOUT_FILENO;
    if (cli_result_fd(&fd, &err) != HML_OK)
        return cli_report_error(&err);

    train_progress progress = {.tty = cli_stderr_is_tty(), .last_draw = 0};
    workload_result result;
    if (workload_run(&cli.options, cli.quiet ? NULL : train_progress_show, &progress, &result,
                     &err) != HML_OK) {
        hml_wrap(&err, "train");
        return cli_report_error(&err);
    }
    if (result.data_note[0])
        fprintf(stderr, "hmlcost: warning: train: %s\n", result.data_note);
    if (result.device_warning[0])
        fprintf(stderr, "hmlcost: %s\n", result.device_warning);
    if (!cli.quiet)
        fprintf(stderr,
                "hmlcost: train: %s, accuracy %.4f on %zu test images, %.0f images/s, "
                "train %.1f s\n",
                result.data, result.accuracy, result.test_images, result.images_per_s,
                result.train_s);
    hml_status s = workload_result_write(fd, &result, &err);
    workload_result_free(&result);
    if (s != HML_OK)
        return cli_report_error(&err);
    return CLI_EXIT_OK;
}
