#include "cli/run_slurm.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_run.h"
#include "runner/protocol.h"
#include "runner/slurm_campaign.h"
#include "store/store.h"

void run_slurm_options_init(run_slurm_options *o) { memset(o, 0, sizeof *o); }

void run_slurm_options_free(run_slurm_options *o)
{
    free(o->sbatch.args);
    o->sbatch.args = NULL;
    o->sbatch.arg_count = 0;
}

bool run_slurm_option(run_slurm_options *o, int code, const char *arg, hml_status *status,
                      hml_err *err)
{
    if (code < RUN_SLURM_OPT_FIRST || code > RUN_SLURM_OPT_LAST)
        return false;
    *status = HML_OK;
    switch (code) {
    case RUN_SLURM_OPT_EXECUTOR:
        if (strcmp(arg, "slurm") == 0)
            o->slurm = true;
        else if (strcmp(arg, "local") == 0)
            o->slurm = false;
        else
            *status = hml_fail(err, HML_EUSAGE, "--executor: '%s': expected local or slurm", arg);
        return true;
    case RUN_SLURM_OPT_PARTITION:
        o->sbatch.partition = arg;
        return true;
    case RUN_SLURM_OPT_TIME:
        o->sbatch.time_limit = arg;
        return true;
    case RUN_SLURM_OPT_ARG: {
        char **grown = realloc(o->sbatch.args, (o->sbatch.arg_count + 1) * sizeof *grown);
        if (!grown) {
            *status = hml_fail(err, HML_ESYSTEM, "out of memory");
            return true;
        }
        o->sbatch.args = grown;
        o->sbatch.args[o->sbatch.arg_count++] = (char *)arg;
        return true;
    }
    case RUN_SLURM_OPT_MAX_PARALLEL:
        *status = cli_parse_long("max-parallel", arg, 1, 100000, &o->sbatch.max_parallel, err);
        return true;
    case RUN_SLURM_OPT_NO_WAIT:
        o->no_wait = true;
        return true;
    case RUN_SLURM_OPT_CAMPAIGN_DIR:
        o->campaign_dir = arg;
        return true;
    case RUN_SLURM_OPT_TASK:
        o->task_file = arg;
        return true;
    default:
        return true;
    }
}

/* ---- the array task ------------------------------------------------------- */

int run_slurm_task(const plan *p, const run_slurm_options *o)
{
    hml_err err;
    const char *id = getenv("SLURM_ARRAY_TASK_ID");
    long task = 0;
    if (!id || cli_parse_long("slurm-task", id, 0, LONG_MAX, &task, &err) != HML_OK)
        return cli_usage_error("--slurm-task: only inside a Slurm array task "
                               "($SLURM_ARRAY_TASK_ID is not a task number)");
    volatile sig_atomic_t *interrupted = cli_catch_interrupts();
    size_t ran = 0;
    hml_status status = slurm_task_run(p, o->task_file, task, interrupted, &ran, &err);
    if (status != HML_OK) {
        fprintf(stderr, "hmlcost run: task %ld stopped after %zu runs\n", task, ran);
        return *interrupted ? 130 : cli_report_error(&err);
    }
    fprintf(stderr, "hmlcost run: task %ld: %zu runs done\n", task, ran);
    return CLI_EXIT_OK;
}

/* ---- the campaign ------------------------------------------------------------ */

static void print_collect_command(int argc, char **argv)
{
    fprintf(stderr, "hmlcost run: to collect (and resubmit what is missing), run the same "
                    "command again without --no-wait:\n  hmlcost");
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--no-wait") != 0)
            fprintf(stderr, " %s", argv[i]);
    fputc('\n', stderr);
}

static void on_campaign_event(void *ctx, const slurm_campaign_event *ev)
{
    (void)ctx;
    switch (ev->kind) {
    case SLURM_CAMPAIGN_IMPORTED:
        if (ev->imported)
            fprintf(stderr, "hmlcost run: imported %zu runs from %s/runs\n", ev->imported,
                    ev->dir);
        if (ev->skipped)
            fprintf(stderr, "hmlcost run: %zu files in %s/runs are not runs of this plan; "
                            "left as they are\n", ev->skipped, ev->dir);
        return;
    case SLURM_CAMPAIGN_STILL_ACTIVE:
        fprintf(stderr, "hmlcost run: job %s of this plan is still queued or running\n",
                ev->job_id);
        return;
    case SLURM_CAMPAIGN_SUBMITTED:
        fprintf(stderr, "hmlcost run: experiment %lld: submitted job %s: %zu tasks, %zu runs "
                        "(%s)\n",
                (long long)ev->experiment_id, ev->job_id, ev->tasks, ev->runs, ev->dir);
        return;
    case SLURM_CAMPAIGN_TASKS_DONE:
        if (ev->tasks)
            fprintf(stderr, "hmlcost run: job %s: %zu of %zu tasks finished; %zu runs missing\n",
                    ev->job_id, ev->tasks_done, ev->tasks, ev->missing);
        else
            fprintf(stderr, "hmlcost run: job %s: %zu tasks finished; %zu runs missing\n",
                    ev->job_id, ev->tasks_done, ev->missing);
        return;
    }
}

int run_slurm_campaign(const plan *p, const run_slurm_options *o, const char *store_path,
                       int argc, char **argv)
{
    hml_err err;
    if (runner_check_plan(p, &err) != HML_OK)
        return cli_report_error(&err);
    char hmlcost[PATH_MAX];
    if (!cli_self_exe(hmlcost, sizeof hmlcost))
        return cli_usage_error("run: cannot find hmlcost's own path for the Slurm tasks");
    char root[PATH_MAX];
    if (slurm_campaign_root(o->campaign_dir, store_path, root, sizeof root, &err) != HML_OK)
        return cli_report_error(&err);
    store *s = NULL;
    if (store_open(&s, store_path, STORE_READ_WRITE, &err) != HML_OK)
        return cli_report_error(&err);
    slurm_campaign_request req = {
        .plan = p,
        .root = root,
        .sbatch = &o->sbatch,
        .no_wait = o->no_wait,
        .hmlcost = hmlcost,
        .args = argv + 1,
        .arg_count = (size_t)(argc - 1),
        .interrupted = cli_catch_interrupts(),
        .progress = on_campaign_event,
    };
    slurm_campaign_result res;
    int exit_status = CLI_EXIT_OK;
    if (slurm_campaign_run(s, &req, &res, &err) != HML_OK) {
        if (res.interrupted) {
            fprintf(stderr, "hmlcost: run: stopped waiting; job %s goes on, and the same command "
                            "collects its runs later\n", res.job_id);
            exit_status = 130;
        } else {
            exit_status = cli_report_error(&err);
        }
    } else if (res.left_running) {
        print_collect_command(argc, argv);
    } else {
        fprintf(stderr, "hmlcost run: experiment %lld in %s: %zu of %zu runs stored\n",
                (long long)res.experiment_id, store_path, res.total - res.missing, res.total);
        exit_status = cli_run_print_summary(s, res.experiment_id, true);
        if (res.missing > 0) {
            fprintf(stderr, "hmlcost run: %zu runs missing (tasks killed or failed; see %s/logs); "
                            "the same command again resubmits exactly those\n", res.missing,
                    res.dir);
            exit_status = CLI_EXIT_FAILURE;
        }
    }
    store_close(s);
    return exit_status;
}
