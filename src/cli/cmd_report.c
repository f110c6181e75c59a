/* hmlcost report: reads stored runs (or a CSV), analyses them and prints the
 * verdicts and figures in the format asked for. Reads only: the store is
 * opened read-only and never written. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_run.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "report/analysis.h"
#include "report/format.h"
#include "report/load_csv.h"
#include "report/load_store.h"

/* The store `hmlcost run` writes by default. */
#define REPORT_DEFAULT_STORE CLI_DEFAULT_STORE

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: hmlcost report [options]\n\n"
            "Turns stored runs into a verdict per smell (HIDDEN COST, VISIBLE, NO COST,\n"
            "INCONCLUSIVE) with the statistics behind it, as text, Markdown, CSV, JSON or HTML.\n\n"
            "input (one of):\n"
            "  --store PATH        the run store (default " REPORT_DEFAULT_STORE "), read-only\n"
            "  --experiment ID     an experiment of the store (default: the one last\n"
            "                      created or run)\n"
            "  --input FILE.csv    runs from a CSV: hmlcost's own (report --format csv) or a\n"
            "                      CodeCarbon emissions.csv\n"
            "  --arm-column NAME   the CSV column that names each row's arm (default: arm)\n"
            "  --baseline NAME     the baseline arm of a CSV (default: its baseline column)\n"
            "  --node NAME         only the runs that ran on node NAME (its hostname)\n\n"
            "output:\n"
            "  --format FMT        text (default), markdown, csv, json, html\n"
            "  -o, --output FILE   write to FILE instead of stdout (a file is replaced whole;\n"
            "                      a FIFO or character device is written in place)\n"
            "  --run ID            html: the run whose memory, CPU use and power over time are drawn\n\n"
            "statistics:\n"
            "  --min-cost LIST     smallest cost of interest: a cost counts only when it is\n"
            "                      significantly above it; 2%%, or per family or metric,\n"
            "                      e.g. 'memory=5%%,wall_s=3%%' (default: the plan's, else 2%%)\n"
            "  --acc-margin PP     accuracy equivalence margin, percentage points (default 1)\n"
            "  --alpha A           family-wise significance level (default 0.05)\n"
            "  --min-runs N        successful runs per arm a verdict needs (default 5)\n"
            "  --resamples N       bootstrap resamples (default 10000)\n"
            "  --seed N            bootstrap seed (default %lu)\n"
            "  --stability-resamples N  resamples of the runs behind each verdict's stability\n"
            "                      (default 1000; 0: none)\n\n"
            "nodes (runs from several machines, e.g. a Slurm campaign):\n"
            "  the report counts runs per node and warns, naming them, when compared arms\n"
            "  ran on different hardware (CPU or GPU model) or on different nodes. p (Holm)\n"
            "  is then van Elteren's stratified Mann-Whitney test, node as the stratum, and\n"
            "  the report says so; means, changes and the verdicts' tests against the\n"
            "  smallest cost of interest pool the nodes. --node NAME reads one node alone.\n\n"
            "Colour only on a terminal; NO_COLOR turns it off.\n",
            (unsigned long)STATS_BOOTSTRAP_DEFAULT_SEED);
}

enum {
    OPT_STORE = 1000,
    OPT_EXPERIMENT,
    OPT_INPUT,
    OPT_ARM_COLUMN,
    OPT_BASELINE,
    OPT_FORMAT,
    OPT_RUN,
    OPT_ACC_MARGIN,
    OPT_ALPHA,
    OPT_MIN_RUNS,
    OPT_RESAMPLES,
    OPT_SEED,
    OPT_MIN_COST,
    OPT_STABILITY_RESAMPLES,
    OPT_NODE,
};

typedef struct report_args {
    const char *store;
    const char *experiment;
    const char *input;
    const char *arm_column;
    const char *baseline;
    const char *node;
    const char *output;
    report_format format;
    report_render_options render;
    report_options stats;
} report_args;

static int parse_args(int argc, char **argv, report_args *args, bool *help)
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
        {"acc-margin", required_argument, NULL, OPT_ACC_MARGIN},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        {"min-runs", required_argument, NULL, OPT_MIN_RUNS},
        {"resamples", required_argument, NULL, OPT_RESAMPLES},
        {"seed", required_argument, NULL, OPT_SEED},
        {"min-cost", required_argument, NULL, OPT_MIN_COST},
        {"stability-resamples", required_argument, NULL, OPT_STABILITY_RESAMPLES},
        {"node", required_argument, NULL, OPT_NODE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hml_err err;
    *help = false;
    opterr = 0;
    optind = 1;
    int code;
    while ((code = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        hml_status st = HML_OK;
        double d;
        long l;
        switch (code) {
        case OPT_STORE: args->store = optarg; break;
        case OPT_EXPERIMENT: args->experiment = optarg; break;
        case OPT_INPUT: args->input = optarg; break;
        case OPT_ARM_COLUMN: args->arm_column = optarg; break;
        case OPT_BASELINE: args->baseline = optarg; break;
        case OPT_NODE:
            if (!optarg[0])
                return cli_usage_error("report: --node needs a node's hostname");
            args->node = optarg;
            break;
        case 'o': args->output = optarg; break;
        case OPT_RUN: args->render.run = optarg; break;
        case OPT_FORMAT: st = report_format_parse(optarg, &args->format, &err); break;
        case OPT_ACC_MARGIN:
            st = cli_parse_double("acc-margin", optarg, 0.001, 100, &d, &err);
            args->stats.acc_margin = d / 100;
            break;
        case OPT_ALPHA:
            st = cli_parse_double("alpha", optarg, 1e-6, 0.5, &args->stats.alpha, &err);
            break;
        case OPT_MIN_RUNS:
            st = cli_parse_long("min-runs", optarg, 2, 100000, &l, &err);
            args->stats.min_runs = (size_t)l;
            break;
        case OPT_RESAMPLES:
            st = cli_parse_long("resamples", optarg, 1000, 10000000, &l, &err);
            args->stats.resamples = (size_t)l;
            break;
        case OPT_SEED:
            st = cli_parse_long("seed", optarg, 0, 4294967295L, &l, &err);
            args->stats.seed = (unsigned long)l;
            break;
        case OPT_MIN_COST: {
            stats_min_cost check; /* a bad list fails here, before the input is read */
            stats_min_cost_default(&check);
            st = stats_min_cost_parse(&check, optarg, &err);
            args->stats.min_cost = optarg;
            break;
        }
        case OPT_STABILITY_RESAMPLES:
            st = cli_parse_long("stability-resamples", optarg, 0, 1000000, &l, &err);
            args->stats.stability_resamples = (size_t)l;
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
    if (optind < argc)
        return cli_usage_error("report: unexpected argument '%s'", argv[optind]);
    if (args->input && (args->store || args->experiment))
        return cli_usage_error("report: --input reads a CSV; it does not go with --store or "
                               "--experiment");
    if (args->render.run && args->format != REPORT_FORMAT_HTML)
        return cli_usage_error("report: --run chooses the run drawn over time in --format html");
    if (!args->input && (args->arm_column || args->baseline))
        return cli_usage_error("report: --arm-column and --baseline apply to --input");
    return CLI_EXIT_OK;
}

static hml_status load(const report_args *args, report_dataset *data, hml_err *err)
{
    if (args->input) {
        report_csv_options o = {.arm_column = args->arm_column, .baseline = args->baseline};
        return report_load_csv(args->input, &o, data, err);
    }
    const char *path = args->store ? args->store : REPORT_DEFAULT_STORE;
    report_store_options o = {.samples = args->format == REPORT_FORMAT_HTML};
    if (args->experiment) {
        long id;
        hml_status st = cli_parse_long("experiment", args->experiment, 1, 0x7fffffffL, &id, err);
        if (st != HML_OK)
            return st;
        o.experiment = id;
    }
    return report_load_store(path, &o, data, err);
}

/* Writes the report to stdout or to args->output (see output_file.h: never
 * the input, never half a report). */
static hml_status write_report(const report_args *args, const report_analysis *a, hml_err *err)
{
    if (!args->output || strcmp(args->output, "-") == 0) {
        report_render_options r = args->render;
        r.color = args->format == REPORT_FORMAT_TEXT && cli_color_enabled(STDOUT_FILENO);
        return report_render(stdout, args->format, a, &r, err);
    }
    const char *input = args->input ? args->input : args->store ? args->store
                                                                : REPORT_DEFAULT_STORE;
    output_file out;
    hml_status st = output_file_open_protecting(&out, args->output, input, !args->input, err);
    if (st != HML_OK)
        return st;
    st = report_render(out.f, args->format, a, &args->render, err);
    if (st != HML_OK) {
        output_file_abort(&out);
        return st;
    }
    return output_file_commit(&out, err);
}

int cmd_report(int argc, char **argv)
{
    report_args args = {.format = REPORT_FORMAT_TEXT};
    report_options_default(&args.stats);
    bool help = false;
    int rc = parse_args(argc, argv, &args, &help);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (help) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    hml_err err;
    hml_err_clear(&err);
    report_dataset data;
    hml_status st = load(&args, &data, &err);
    if (st == HML_OK && args.node) {
        st = report_dataset_keep_node(&data, args.node, &err);
        if (st != HML_OK)
            report_dataset_free(&data);
    }
    if (st != HML_OK)
        return cli_report_error(&err);
    report_analysis analysis;
    st = report_analyze(&data, &args.stats, &analysis, &err);
    if (st == HML_OK) {
        st = write_report(&args, &analysis, &err);
        report_analysis_free(&analysis);
    }
    report_dataset_free(&data);
    return st == HML_OK ? CLI_EXIT_OK : cli_report_error(&err);
}
