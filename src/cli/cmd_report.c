/* hmlcost report: reads stored runs (or a CSV), analyses them and prints the
 * verdicts and figures in the format asked for. Reads only: the store is
 * opened read-only and never written. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "cli/report_args.h"
#include "report/analysis.h"
#include "report/format.h"
#include "report/source.h"

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
            "  the report says so. The verdicts' tests against the smallest cost of\n"
            "  interest, the tables' changes and accuracy's equivalence test are then\n"
            "  estimated within each node holding both arms and combined; the means pool\n"
            "  the nodes. --node NAME reads one node alone.\n\n"
            "Colour only on a terminal; NO_COLOR turns it off.\n",
            (unsigned long)STATS_BOOTSTRAP_DEFAULT_SEED);
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
    const report_source *src = &args->source;
    output_file out;
    hml_status st = output_file_open_protecting(&out, args->output,
                                                src->input ? src->input : src->store,
                                                !src->input, err);
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
    int rc = report_args_parse(argc, argv, &args, &help);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (help) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    hml_err err;
    hml_err_clear(&err);
    report_dataset data;
    if (report_load_source(&args.source, &data, &err) != HML_OK)
        return cli_report_error(&err);
    report_analysis analysis;
    hml_status st = report_analyze(&data, &args.stats, &analysis, &err);
    if (st == HML_OK) {
        st = write_report(&args, &analysis, &err);
        report_analysis_free(&analysis);
    }
    report_dataset_free(&data);
    return st == HML_OK ? CLI_EXIT_OK : cli_report_error(&err);
}
