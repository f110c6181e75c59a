/* `hmlcost train`'s options, read into the workload's options. */
#include "cli/train_options.h"

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "workload/threads.h"

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

static int parse_int_option(const char *name, const char *text, long min, long max, long *out)
{
    hml_err err = {0};
    if (cli_parse_long(name, text, min, max, out, &err) != HML_OK) {
        hml_wrap(&err, "train");
        return cli_report_error(&err);
    }
    return CLI_EXIT_OK;
}

int train_cli_parse(int argc, char **argv, train_cli *cli)
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
        case 'h': cli->help = true; return CLI_EXIT_OK;
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
    cli->options = opt;
    cli->quiet = quiet;
    return CLI_EXIT_OK;
}
