#include "cli/report_args.h"

#include <getopt.h>

#include "cli/cli.h"
#include "report/options_parse.h"

enum {
    OPT_STORE = 1000,
    OPT_EXPERIMENT,
    OPT_INPUT,
    OPT_ARM_COLUMN,
    OPT_BASELINE,
    OPT_FORMAT,
    OPT_RUN,
    OPT_STATISTIC, /* report_options_set reads it by its name */
    OPT_NODE,
};

int report_args_parse(int argc, char **argv, report_args *args, bool *help)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, OPT_STORE},
        {"experiment", required_argument, NULL, OPT_EXPERIMENT},
        {"input", required_argument, NULL, OPT_INPUT},
        {"arm-column", required_argument, NULL, OPT_ARM_COLUMN},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"run", required_argument, NULL, OPT_RUN},
        {"acc-margin", required_argument, NULL, OPT_STATISTIC},
        {"alpha", required_argument, NULL, OPT_STATISTIC},
        {"min-runs", required_argument, NULL, OPT_STATISTIC},
        {"resamples", required_argument, NULL, OPT_STATISTIC},
        {"seed", required_argument, NULL, OPT_STATISTIC},
        {"min-cost", required_argument, NULL, OPT_STATISTIC},
        {"stability-resamples", required_argument, NULL, OPT_STATISTIC},
        {"node", required_argument, NULL, OPT_NODE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hml_err err;
    *help = false;
    opterr = 0;
    optind = 1;
    int code, index = 0;
    while ((code = getopt_long(argc, argv, ":o:h", longopts, &index)) != -1) {
        hml_status st = HML_OK;
        switch (code) {
        case OPT_STORE: args->source.store = optarg; break;
        case OPT_EXPERIMENT: args->experiment = optarg; break;
        case OPT_INPUT: args->source.input = optarg; break;
        case OPT_ARM_COLUMN: args->source.csv.arm_column = optarg; break;
        case OPT_BASELINE: args->source.csv.baseline = optarg; break;
        case OPT_NODE:
            if (!optarg[0])
                return cli_usage_error("report: --node needs a node's hostname");
            args->source.node = optarg;
            break;
        case 'o': args->output = optarg; break;
        case OPT_RUN: args->render.run = optarg; break;
        case OPT_FORMAT: st = report_format_parse(optarg, &args->format, &err); break;
        case OPT_STATISTIC:
            st = report_options_set(&args->stats, longopts[index].name, optarg, &err);
            break;
        case 'h': *help = true; return CLI_EXIT_OK;
        case ':':
            return cli_usage_error("report: option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("report: unknown option '%s' (see 'hmlcost report --help')",
                                   argv[optind - 1]);
        }
        if (st != HML_OK)
            return cli_report_error(&err);
    }
    const report_source *src = &args->source;
    if (optind < argc)
        return cli_usage_error("report: unexpected argument '%s'", argv[optind]);
    if (src->input && (src->store || args->experiment))
        return cli_usage_error("report: --input reads a CSV; it does not go with --store or "
                               "--experiment");
    if (args->render.run && args->format != REPORT_FORMAT_HTML)
        return cli_usage_error("report: --run chooses the run drawn over time in --format html");
    if (!src->input && (src->csv.arm_column || src->csv.baseline))
        return cli_usage_error("report: --arm-column and --baseline apply to --input");
    if (!src->store)
        args->source.store = REPORT_DEFAULT_STORE;
    args->source.stored.samples = args->format == REPORT_FORMAT_HTML;
    if (args->experiment) {
        long id;
        if (cli_parse_long("experiment", args->experiment, 1, 0x7fffffffL, &id, &err) != HML_OK)
            return cli_report_error(&err);
        args->source.stored.experiment = id;
    }
    return CLI_EXIT_OK;
}
