/* hmlcost run [options] [--] CMD [ARGS...]: the protocol around measure:
 * arms (baseline + treatments) x N fresh runs each, in an interleaved,
 * random or blocked order, every run stored as soon as it ends. */
#include "cli/cmd_run.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/measure_common.h"
#include "cli/run_progress.h"
#include "cli/run_slurm.h"
#include "cli/run_smells.h"
#include "report/experiment_json.h"
#include "report/run_summary.h"
#include "runner/plan_arm_spec.h"
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

enum {
    OPT_ARM = CLI_OPT_METER_LAST + 1,
    OPT_ARM_ARGS,
    OPT_BASELINE,
    OPT_PLAN,
    OPT_RUNS,
    OPT_ORDER,
    OPT_SEED,
    OPT_WARMUP,
    OPT_COOLDOWN,
    OPT_TIMEOUT,
    OPT_SHELL,
    OPT_SHOW_OUTPUT,
    OPT_STORE,
    OPT_NAME,
    OPT_MIN_COST,
    OPT_JSON,
};

static const struct option run_options[] = {
    {"arm", required_argument, NULL, OPT_ARM},
    {"arm-args", required_argument, NULL, OPT_ARM_ARGS},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"plan", required_argument, NULL, OPT_PLAN},
    {"runs", required_argument, NULL, OPT_RUNS},
    {"order", required_argument, NULL, OPT_ORDER},
    {"seed", required_argument, NULL, OPT_SEED},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"cooldown", required_argument, NULL, OPT_COOLDOWN},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"shell", no_argument, NULL, OPT_SHELL},
    {"show-output", no_argument, NULL, OPT_SHOW_OUTPUT},
    {"store", required_argument, NULL, OPT_STORE},
    {"name", required_argument, NULL, OPT_NAME},
    {"min-cost", required_argument, NULL, OPT_MIN_COST},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    RUN_SMELL_LONG_OPTIONS,
    RUN_SLURM_LONG_OPTIONS,
    CLI_METER_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

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

/* ---- options ------------------------------------------------------------ */

typedef struct run_cli {
    const char *store_path;
    const char *baseline;
    bool json;
    run_smell_options smell;  /* --smell and its treatment options */
    run_slurm_options slurm;  /* --executor and the Slurm options */
    const char *smell_only;   /* the first smell-study option seen, for errors */
    const char *slurm_only;   /* the first Slurm option seen, for errors */
} run_cli;

/* The long name of one of run_options. */
static const char *option_name(int code)
{
    for (const struct option *o = run_options; o->name; o++)
        if (o->val == code)
            return o->name;
    return NULL;
}

/* The second pass: everything but --plan (loaded first) and the arm-args
 * (applied once all arms exist). */
static hml_status apply_option(plan *p, run_cli *cli, int code, const char *arg, hml_err *err)
{
    hml_status status = HML_OK;
    long value;
    if (cli_meter_option(code, arg, &p->meter, &status, err))
        return status;
    if (run_slurm_option(&cli->slurm, code, arg, &status, err)) {
        if (code != RUN_SLURM_OPT_EXECUTOR && code != RUN_SLURM_OPT_TASK && !cli->slurm_only)
            cli->slurm_only = option_name(code);
        return status;
    }
    if (run_smell_option(&cli->smell, code, arg, &status, err)) {
        if (code != RUN_SMELL_OPT_SMELL && !cli->smell_only)
            cli->smell_only = option_name(code);
        return status;
    }
    switch (code) {
    case OPT_ARM:
        return plan_add_arm_spec(p, arg, err) == HML_OK ? HML_OK : hml_wrap(err, "--arm");
    case OPT_BASELINE:
        cli->baseline = arg;
        return HML_OK;
    case OPT_RUNS:
        status = cli_parse_long("runs", arg, 1, 1000000, &value, err);
        if (status == HML_OK)
            p->runs = value;
        return status;
    case OPT_WARMUP:
        status = cli_parse_long("warmup", arg, 0, 1000000, &value, err);
        if (status == HML_OK)
            p->warmup = value;
        return status;
    case OPT_SEED:
        status = cli_parse_long("seed", arg, 0, 0x7fffffffL, &value, err);
        if (status == HML_OK)
            p->seed = (uint64_t)value;
        return status;
    case OPT_ORDER:
        return plan_parse_order(arg, &p->order, err);
    case OPT_COOLDOWN:
        return cli_parse_double("cooldown", arg, 0, 86400, &p->cooldown_s, err);
    case OPT_TIMEOUT:
        return cli_parse_double("timeout", arg, 0.001, 7 * 86400, &p->timeout_s, err);
    case OPT_SHELL:
        p->shell = true;
        return HML_OK;
    case OPT_SHOW_OUTPUT:
        p->show_output = true;
        return HML_OK;
    case OPT_STORE:
        cli->store_path = arg;
        return HML_OK;
    case OPT_NAME:
        return plan_set_name(p, arg, err);
    case OPT_MIN_COST:
        return plan_set_min_cost(p, arg, err);
    case OPT_JSON:
        cli->json = true;
        return HML_OK;
    default:
        return HML_OK;
    }
}

int cmd_run(int argc, char **argv)
{
    plan p;
    plan_init(&p);
    hml_err err;
    run_cli cli = {.store_path = CLI_DEFAULT_STORE};
    run_smell_options_init(&cli.smell);
    run_slurm_options_init(&cli.slurm);
    int code;
    int exit_status = CLI_EXIT_OK;

    /* Pass 1: help, option errors, the plan file. */
    opterr = 0;
    optind = 0;
    const char *plan_file = NULL;
    while ((code = getopt_long(argc, argv, "+:h", run_options, NULL)) != -1) {
        if (code == 'h') {
            fputs(usage, stdout);
            plan_free(&p);
            return CLI_EXIT_OK;
        }
        if (code == '?' || code == ':') {
            plan_free(&p);
            return cli_option_error("run", code, argv, optind, run_options);
        }
        if (code == OPT_PLAN)
            plan_file = optarg;
    }
    int command_at = optind;
    if (plan_file && plan_load_ini(&p, plan_file, &err) != HML_OK)
        goto usage_error;

    /* Pass 2: the options, over what the plan file said. */
    optind = 0;
    while ((code = getopt_long(argc, argv, "+:h", run_options, NULL)) != -1)
        if (code != OPT_ARM_ARGS && apply_option(&p, &cli, code, optarg, &err) != HML_OK)
            goto usage_error;
    if (cli.smell.smells) {
        /* The smell study: the catalogue builds the arms; what follows the
         * options goes to hmlcost train. */
        if (p.arm_count > 0) {
            hml_fail(&err, HML_EUSAGE, "--smell: builds the arms itself; leave out --arm and "
                                       "the plan file's [arm] sections");
            goto usage_error;
        }
        if (run_smell_plan(&p, &cli.smell, cli.baseline, argc - command_at, argv + command_at,
                           &err) != HML_OK)
            goto usage_error;
    } else {
        if (cli.smell_only) {
            hml_fail(&err, HML_EUSAGE, "--%s: only with --smell (see 'hmlcost smells')",
                     cli.smell_only);
            goto usage_error;
        }
        if (command_at < argc &&
            plan_set_command(&p, (size_t)(argc - command_at), argv + command_at, &err) != HML_OK)
            goto usage_error;
        if (p.arm_count == 0 && plan_add_arm(&p, "baseline", NULL, &err) != HML_OK)
            goto usage_error;
    }
    optind = 0;
    while ((code = getopt_long(argc, argv, "+:h", run_options, NULL)) != -1)
        if (code == OPT_ARM_ARGS && plan_add_arm_args_spec(&p, optarg, &err) != HML_OK) {
            hml_wrap(&err, "--arm-args");
            goto usage_error;
        }
    if (!cli.smell.smells && cli.baseline && plan_set_baseline(&p, cli.baseline, &err) != HML_OK)
        goto usage_error;
    if (plan_validate(&p, &err) != HML_OK)
        goto usage_error;
    if (!cli.slurm.slurm && !cli.slurm.task_file && cli.slurm_only) {
        hml_fail(&err, HML_EUSAGE, "--%s: only with --executor slurm", cli.slurm_only);
        goto usage_error;
    }

    if (cli.slurm.task_file)
        exit_status = run_slurm_task(&p, &cli.slurm);
    else if (cli.slurm.slurm)
        exit_status = run_slurm_campaign(&p, &cli.slurm, cli.store_path, argc, argv);
    else
        exit_status = cli_run_plan(&p, cli.store_path, cli.json);
    run_slurm_options_free(&cli.slurm);
    plan_free(&p);
    return exit_status;
usage_error:
    exit_status = cli_report_error(&err);
    run_slurm_options_free(&cli.slurm);
    plan_free(&p);
    return exit_status;
}
