/* hmlcost measure [options] -- CMD [ARGS...]: runs CMD once as a fresh
 * process and measures time, CPU, memory, energy and CO2 of its tree. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/measure_common.h"
#include "meter/host.h"
#include "report/measurement.h"
#include "runner/execute.h"
#include "runner/plan.h"

static const char usage[] =
    "usage: hmlcost measure [options] [--] CMD [ARGS...]\n\n"
    "Runs CMD once as a fresh process (argv as given; a shell only with --shell) and\n"
    "measures every process it starts (in a cgroup of its own where permitted, else\n"
    "sampled from /proc; --accounting): wall time, user and system CPU, peak memory,\n"
    "GPU memory (NVML), energy (RAPL / NVML counters, else a\n"
    "labelled estimate with CodeCarbon's constants) and CO2 = kWh x PUE x g/kWh.\n"
    "A short summary goes to stderr; --json or --csv print the figures on stdout.\n\n"
    "options:\n"
    "  --json                print the measurement as JSON on stdout\n"
    "  --csv                 print a CSV header and one row on stdout\n"
    "  --shell               run CMD ARGS... joined by spaces with /bin/sh -c\n"
    "  --timeout S           kill the tree after S seconds (SIGTERM, SIGKILL 1 s later)\n"
    "  --quiet               the command's stdin/stdout/stderr go to /dev/null\n" CLI_METER_OPTIONS_HELP
    "  -h, --help            this help\n\n"
    "exit status: the command's (128+N when killed by signal N, 124 on timeout);\n"
    "2 when hmlcost's own input is wrong or the command cannot be run.\n";

enum { OPT_JSON = CLI_OPT_METER_LAST + 1, OPT_CSV, OPT_SHELL, OPT_TIMEOUT, OPT_QUIET };

/* Measures command once and prints what the options ask for; returns the
 * exit status (the command's, as a shell reports it). */
static int measure(char *const *command, const execute_options *opts, bool json, bool csv)
{
    hml_err err;
    execute_result r;
    hml_status status = execute_measured(command, NULL, 0, opts, &r, &err);
    int exit_status;
    if (status != HML_OK) {
        exit_status = cli_report_error(&err);
        if (status == HML_ESYSTEM && *opts->interrupted)
            exit_status = 130;
    } else {
        meter_host host;
        memset(&host, 0, sizeof host);
        if (json || csv)
            meter_host_read(&host, &err);
        report_measurement m = {
            .command = command,
            .started_at = r.started_at,
            .status = r.status,
            .reason = r.reason,
            .metrics = &r.meter.metrics,
            .samples = r.meter.samples,
            .sample_count = r.meter.sample_count,
            .interval_s = opts->meter.interval_s,
            .notes = r.meter.notes,
            .result_json = r.result_json,
            .host = &host,
        };
        fputs("hmlcost measure: ", stderr);
        report_measurement_status(stderr, &m);
        report_measurement_text(stderr, &m);
        if (json)
            cli_print_json("measure", report_measurement_json(&m));
        else if (csv)
            report_measurement_csv(stdout, &m);
        fflush(stdout);
        exit_status = execute_result_shell_status(&r);
        if (exit_status < 0)
            exit_status = CLI_EXIT_FAILURE;
    }
    execute_result_free(&r);
    return exit_status;
}

int cmd_measure(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"csv", no_argument, NULL, OPT_CSV},
        {"shell", no_argument, NULL, OPT_SHELL},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, 'h'},
        CLI_METER_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    execute_options opts = {0};
    meter_options_default(&opts.meter);
    bool json = false, csv = false, shell = false;
    hml_err err;
    hml_status status;
    opterr = 0;
    optind = 0;
    int code;
    /* '+': stop at the first non-option, which starts the command. */
    while ((code = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (cli_meter_option(code, optarg, &opts.meter, &status, &err)) {
            if (status != HML_OK)
                return cli_report_error(&err);
            continue;
        }
        switch (code) {
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        case OPT_JSON: json = true; break;
        case OPT_CSV: csv = true; break;
        case OPT_SHELL: shell = true; break;
        case OPT_QUIET: opts.quiet = true; break;
        case OPT_TIMEOUT:
            if (cli_parse_double("timeout", optarg, 0.001, 7 * 86400, &opts.timeout_s, &err) !=
                HML_OK)
                return cli_report_error(&err);
            break;
        default: return cli_option_error("measure", code, argv, optind, longopts);
        }
    }
    if (json && csv)
        return cli_usage_error("measure: --json and --csv exclude each other");
    if (optind >= argc)
        return cli_usage_error("measure: no command given (hmlcost measure [options] -- CMD)");
    char **command = NULL;
    if (execute_command_argv((size_t)(argc - optind), argv + optind, shell, &command, &err) !=
        HML_OK)
        return cli_report_error(&err);
    opts.interrupted = cli_catch_interrupts();
    int exit_status = measure(command, &opts, json, csv);
    plan_words_free(command);
    return exit_status;
}
