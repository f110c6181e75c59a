/* hmlcost run [options] [--] CMD [ARGS...]: the protocol around measure:
 * arms (baseline + treatments) x N fresh runs each, in an interleaved,
 * random or blocked order, every run stored as soon as it ends. */
#include "cli/cmd_run.h"

#include <stdio.h>

#include <cJSON.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/measure_common.h"
#include "cli/run_options.h"
#include "cli/run_progress.h"
#include "cli/run_slurm.h"
#include "cli/run_smells.h"
#include "report/experiment_json.h"
#include "report/run_summary.h"
#include "runner/protocol.h"
#include "store/store.h"

static const char usage[] =
    "usage: hmlcost run [options] [--] CMD [ARGS...]\n"
    "       hmlcost run --plan FILE [options]\n"
    "       hmlcost run --smell LIST [options] [-- TRAIN-ARGS | --workload 'CMD']\n\n"
    "Runs every arm N times, each run a fresh process measured like 'hmlcost measure',\n"
    "and stores each run (status, every metric with its method, samples, the workload's\n"
    "result line from $HMLCOST_RESULT_FD) in an SQLite store as soon as it ends. The same\n"
    "command again resumes: finished runs are kept, missing ones run.\n\n"
    "arms:\n"
    "  --arm NAME                 an arm running CMD unchanged\n"
    "  --arm 'NAME:VAR=VAL ...'   an arm with environment changes (VAR alone unsets)\n"
    "  --arm-args 'NAME:ARGS'     append ARGS to that arm's command\n"
    "  --baseline NAME            the baseline (default: the first arm)\n"
    "  --plan FILE                arms and options from an INI file ([run], [arm NAME]);\n"
    "                             options on the command line override it\n"
    "protocol:\n"
    "  --runs N                   measured runs per arm (default 10)\n"
    "  --order ORDER              interleaved (default: rounds, shuffled per round),\n"
    "                             random, or blocked (all runs of an arm, then the next)\n"
    "  --seed N                   seed of the shuffles (default 1)\n"
    "  --warmup N                 discarded runs of every arm first (default 0)\n"
    "  --cooldown S               pause between runs (default 0)\n"
    "  --timeout S                kill a run after S seconds; it is stored as 'timeout'\n"
    "  --shell                    run CMD ARGS... with /bin/sh -c\n"
    "  --show-output              let the runs print (default: /dev/null)\n"
    "store and output:\n"
    "  --store FILE               the run store (default ./" CLI_DEFAULT_STORE ")\n"
    "  --name TEXT                a label for the experiment\n"
    "  --min-cost LIST            the smallest cost of interest the report judges by,\n"
    "                             kept in the plan: 2%, or per family or metric,\n"
    "                             e.g. 'memory=5%,wall_s=3%' (default 2%)\n"
    "  --json                     print the experiment's runs as JSON on stdout\n"
    RUN_SMELL_HELP
    RUN_SLURM_HELP
    "energy:\n" CLI_METER_OPTIONS_HELP "  -h, --help                 this help\n";

int cli_run_print_summary(store *s, int64_t experiment_id, bool nodes)
{
    hml_err err;
    run_summary sum;
    if (run_summary_load(s, experiment_id, &sum, &err) != HML_OK)
        return cli_report_error(&err);
    run_summary_text(stderr, &sum);
    if (nodes)
        run_summary_nodes_text(stderr, &sum);
    run_summary_free(&sum);
    return CLI_EXIT_OK;
}

static int print_json(store *s, int64_t experiment_id, const char *store_path)
{
    hml_err err;
    cJSON *root = NULL;
    if (report_experiment_json(s, experiment_id, store_path, &root, &err) != HML_OK)
        return cli_report_error(&err);
    return cli_print_json("run", root);
}

int cli_run_plan(const plan *p, const char *store_path, bool json)
{
    hml_err err;
    /* Bad plans are refused before the store is opened or created. */
    if (runner_check_plan(p, &err) != HML_OK)
        return cli_report_error(&err);
    store *s = NULL;
    if (store_open(&s, store_path, STORE_READ_WRITE, &err) != HML_OK)
        return cli_report_error(&err);

    volatile sig_atomic_t *interrupted = cli_catch_interrupts();
    run_progress pr;
    run_progress_init(&pr);
    runner_hooks hooks = {.progress = run_progress_event, .ctx = &pr, .interrupted = interrupted};
    runner_summary sum;
    hml_status status = runner_run_plan(p, s, &hooks, &sum, &err);
    run_progress_end(&pr);
    int exit_status = CLI_EXIT_OK;
    if (status != HML_OK) {
        if (*interrupted) {
            fprintf(stderr,
                    "hmlcost: run: interrupted; the runs that finished are stored in '%s', run the "
                    "same command again to resume\n",
                    store_path);
            exit_status = 130;
        } else {
            exit_status = cli_report_error(&err);
        }
    } else {
        fprintf(stderr,
                "hmlcost run: experiment %lld in %s: %zu runs done now, %zu were stored before; "
                "%zu ok, %zu failed, %zu crashed, %zu timed out, %zu could not start\n",
                (long long)sum.experiment_id, store_path, sum.ran, sum.already_stored,
                sum.by_status[STORE_RUN_OK], sum.by_status[STORE_RUN_FAILED],
                sum.by_status[STORE_RUN_CRASHED], sum.by_status[STORE_RUN_TIMEOUT],
                sum.by_status[STORE_RUN_ERROR]);
        exit_status = cli_run_print_summary(s, sum.experiment_id, false);
        if (json && exit_status == CLI_EXIT_OK)
            exit_status = print_json(s, sum.experiment_id, store_path);
    }
    store_close(s);
    return exit_status;
}

int cmd_run(int argc, char **argv)
{
    plan p;
    plan_init(&p);
    run_cli cli;
    run_cli_init(&cli);
    int exit_status = run_cli_parse(argc, argv, &p, &cli);
    if (exit_status != CLI_EXIT_OK)
        ; /* run_cli_parse said why */
    else if (cli.help)
        fputs(usage, stdout);
    else if (cli.slurm.task_file)
        exit_status = run_slurm_task(&p, &cli.slurm);
    else if (cli.slurm.slurm)
        exit_status = run_slurm_campaign(&p, &cli.slurm, cli.store_path, argc, argv);
    else
        exit_status = cli_run_plan(&p, cli.store_path, cli.json);
    run_cli_free(&cli);
    plan_free(&p);
    return exit_status;
}
