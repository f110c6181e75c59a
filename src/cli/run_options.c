#include "cli/run_options.h"

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "runner/plan_arm_spec.h"

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

void run_cli_init(run_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->store_path = CLI_DEFAULT_STORE;
    run_smell_options_init(&cli->smell);
    run_slurm_options_init(&cli->slurm);
}

void run_cli_free(run_cli *cli) { run_slurm_options_free(&cli->slurm); }

int run_cli_parse(int argc, char **argv, plan *p, run_cli *cli)
{
    hml_err err;
    int code;
    /* Pass 1: help, option errors, the plan file. */
    opterr = 0;
    optind = 0;
    const char *plan_file = NULL;
    while ((code = getopt_long(argc, argv, "+:h", run_options, NULL)) != -1) {
        if (code == 'h') {
            cli->help = true;
            return CLI_EXIT_OK;
        }
        if (code == '?' || code == ':')
            return cli_option_error("run", code, argv, optind, run_options);
        if (code == OPT_PLAN)
            plan_file = optarg;
    }
    int command_at = optind;
    if (plan_file && plan_load_ini(p, plan_file, &err) != HML_OK)
        return cli_report_error(&err);

    /* Pass 2: the options, over what the plan file said. */
    optind = 0;
    while ((code = getopt_long(argc, argv, "+:h", run_options, NULL)) != -1)
        if (code != OPT_ARM_ARGS && apply_option(p, cli, code, optarg, &err) != HML_OK)
            return cli_report_error(&err);
    if (cli->smell.smells) {
        /* The smell study: the catalogue builds the arms; what follows the
         * options goes to hmlcost train. */
        if (p->arm_count > 0)
            return cli_usage_error("--smell: builds the arms itself; leave out --arm and the "
                                   "plan file's [arm] sections");
        if (run_smell_plan(p, &cli->smell, cli->baseline, argc - command_at, argv + command_at,
                           &err) != HML_OK)
            return cli_report_error(&err);
    } else {
        if (cli->smell_only)
            return cli_usage_error("--%s: only with --smell (see 'hmlcost smells')",
                                   cli->smell_only);
        if (command_at < argc &&
            plan_set_command(p, (size_t)(argc - command_at), argv + command_at, &err) != HML_OK)
            return cli_report_error(&err);
        if (p->arm_count == 0 && plan_add_arm(p, "baseline", NULL, &err) != HML_OK)
            return cli_report_error(&err);
    }
    optind = 0;
    while ((code = getopt_long(argc, argv, "+:h", run_options, NULL)) != -1)
        if (code == OPT_ARM_ARGS && plan_add_arm_args_spec(p, optarg, &err) != HML_OK) {
            hml_wrap(&err, "--arm-args");
            return cli_report_error(&err);
        }
    if (!cli->smell.smells && cli->baseline && plan_set_baseline(p, cli->baseline, &err) != HML_OK)
        return cli_report_error(&err);
    if (plan_validate(p, &err) != HML_OK)
        return cli_report_error(&err);
    if (!cli->slurm.slurm && !cli->slurm.task_file && cli->slurm_only)
        return cli_usage_error("--%s: only with --executor slurm", cli->slurm_only);

    return CLI_EXIT_OK;
}
