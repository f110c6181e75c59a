/* `hmlcost lint [options] PATH...`: the smells in the user's own training
 * code and launchers (src/lint), each with the `hmlcost run` experiment
 * that prices it; --confirm runs those experiments. Exit status: 0 clean,
 * 1 findings, 2 bad input. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/commands.h"

#ifndef HMLCOST_HAVE_LINT
int cmd_lint(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("lint: this hmlcost was built without lint (configure with "
                           "libtree-sitter-dev installed and -DHMLCOST_LINT=ON)");
}
#else

#include "cli/lint_confirm.h"
#include "lint/lint.h"
#include "lint/output.h"

static const char usage[] =
    "usage: hmlcost lint [options] PATH...\n\n"
    "Finds the four smells in training code: Python files (read with tree-sitter) and\n"
    "the launchers beside them (*.sh, Dockerfile, *.env lines that set LD_LIBRARY_PATH\n"
    "or thread variables). Directories are searched recursively. Each finding says\n"
    "what and why, the fix, how its value was followed, and the 'hmlcost run' command\n"
    "that measures what it costs on this machine.\n\n"
    "rules (ids of 'hmlcost smells'):\n"
    "  model-reuse   a model constructed in a loop or in a function called from one\n"
    "  minibatch     batch sizes above --max-batch; batches scaled without the lr\n"
    "  libpath       writes to LD_LIBRARY_PATH; relative, missing, CUDA stubs entries\n"
    "  parallelism   threads or workers above the CPUs available; nested pools\n\n"
    "Values are followed through literals, simple assignments, parameter defaults,\n"
    "argparse defaults and arithmetic in the same file; not through the environment,\n"
    "other modules, or calls (such values are not flagged).\n\n"
    "options:\n"
    "  --format FORMAT     text (default), json or sarif (SARIF 2.1.0)\n"
    "  --cpus N            compare thread counts with N CPUs instead of this host's\n"
    "  --max-batch N       the largest batch not flagged (default 512: an assumption;\n"
    "                      'hmlcost doctor --probe' measures what this host handles)\n"
    "  --confirm           run each finding's experiment and print its verdict\n"
    "  --runs N            runs per arm of each experiment (default 5)\n"
    "  --time-budget S     seconds --confirm may spend in all (default 300)\n"
    "  --accuracy-regex RE read the scripts' accuracy from their output (see run)\n"
    "  -h, --help          this help\n\n"
    "Exit status: 0 clean, 1 findings, 2 bad input (files that cannot be read are\n"
    "noted on stderr and skipped; 2 when nothing could be linted).\n";

enum { OPT_FORMAT = 1, OPT_CPUS, OPT_MAX_BATCH, OPT_CONFIRM, OPT_RUNS, OPT_BUDGET, OPT_ACC };

int cmd_lint(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"max-batch", required_argument, NULL, OPT_MAX_BATCH},
        {"confirm", no_argument, NULL, OPT_CONFIRM},
        {"runs", required_argument, NULL, OPT_RUNS},
        {"time-budget", required_argument, NULL, OPT_BUDGET},
        {"accuracy-regex", required_argument, NULL, OPT_ACC},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lint_format format = LINT_FORMAT_TEXT;
    long cpus = 0, max_batch = 0, runs = 5;
    double budget = 300;
    bool confirm = false;
    const char *accuracy_regex = NULL;
    hml_err err = {0};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "+h", options, NULL)) != -1;) {
        hml_status st = HML_OK;
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return CLI_EXIT_OK;
        case OPT_FORMAT:
            if (!lint_format_parse(optarg, &format))
                return cli_usage_error("lint: --format: '%s' is not a format (text, json, "
                                       "sarif)", optarg);
            break;
        case OPT_CPUS: st = cli_parse_long("cpus", optarg, 1, 1 << 20, &cpus, &err); break;
        case OPT_MAX_BATCH:
            st = cli_parse_long("max-batch", optarg, 1, 1L << 30, &max_batch, &err);
            break;
        case OPT_CONFIRM: confirm = true; break;
        case OPT_RUNS: st = cli_parse_long("runs", optarg, 2, 1000, &runs, &err); break;
        case OPT_BUDGET: st = cli_parse_double("time-budget", optarg, 1, 1e7, &budget, &err); break;
        case OPT_ACC: accuracy_regex = optarg; break;
        default:
            return cli_usage_error("lint: %s: unknown option or missing value (see hmlcost "
                                   "lint --help)", argv[optind - 1]);
        }
        if (st != HML_OK)
            return cli_usage_error("lint: %s", err.msg);
    }
    if (optind >= argc)
        return cli_usage_error("lint: expected one or more files or directories (see "
                               "hmlcost lint --help)");

    lint_host host;
    if (lint_host_probe(&host, &err) != HML_OK)
        return cli_report_error(&err);
    lint_host_override(&host, cpus, max_batch);

    lint_result result = {0};
    hml_status st = lint_paths((const char *const *)argv + optind, (size_t)(argc - optind),
                               &host, &result, &err);
    /* one line per file that could not be linted; they explain a failure too */
    for (size_t i = 0; i < result.note_count; i++)
        fprintf(stderr, "hmlcost: lint: %s: %s\n", result.note[i].path, result.note[i].text);
    if (st != HML_OK) {
        bool explained = st == HML_EUSAGE && result.note_count > 0;
        lint_result_free(&result);
        return explained ? CLI_EXIT_USAGE : cli_report_error(&err);
    }

    char **verdicts = NULL;
    if (confirm && result.count) {
        lint_confirm_options co = {.runs = (int)runs, .budget_s = budget,
                                   .accuracy_regex = accuracy_regex};
        if (lint_confirm(&result, &co, &verdicts, &err) != HML_OK) {
            lint_result_free(&result);
            return cli_report_error(&err);
        }
    }
    const char *const *v = (const char *const *)verdicts;
    int status = CLI_EXIT_OK;
    if (format == LINT_FORMAT_TEXT)
        lint_result_text(stdout, &result, &host, (int)runs, v);
    else
        status = cli_print_json("lint",
                                lint_result_document(format, &result, &host, (int)runs, v));
    if (status == CLI_EXIT_OK && result.count)
        status = CLI_EXIT_FAILURE;
    lint_confirm_free(verdicts, result.count);
    lint_result_free(&result);
    return status;
}
#endif
