#include "cli/run_slurm.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_run.h"
#include "common/text.h"
#include "meter/clock.h"
#include "runner/protocol.h"
#include "store/store.h"

#define POLL_DEFAULT_S 2.0

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

/* An absolute path: the tasks run elsewhere. */
static hml_status absolute(const char *path, char *out, size_t size, hml_err *err)
{
    if (path[0] == '/') {
        text_copy(out, size, path);
        return HML_OK;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return hml_fail(err, HML_ESYSTEM, "getcwd: failed");
    text_format(out, size, "%s/%s", cwd, path);
    return HML_OK;
}

static void print_collect_command(int argc, char **argv)
{
    fprintf(stderr, "hmlcost run: to collect (and resubmit what is missing), run the same "
                    "command again without --no-wait:\n  hmlcost");
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--no-wait") != 0)
            fprintf(stderr, " %s", argv[i]);
    fputc('\n', stderr);
}

static hml_status import_now(const plan *p, store *s, const char *dir, runner_registration *reg,
                             hml_err *err)
{
    size_t imported = 0, skipped = 0;
    hml_status status = slurm_campaign_import(p, s, dir, reg, &imported, &skipped, err);
    if (status == HML_OK && imported)
        fprintf(stderr, "hmlcost run: imported %zu runs from %s/runs\n", imported, dir);
    if (status == HML_OK && skipped)
        fprintf(stderr, "hmlcost run: %zu files in %s/runs are not runs of this plan; left as "
                        "they are\n", skipped, dir);
    return status;
}

/* Waits for the job, importing as runs arrive, a line per finished task. */
static hml_status wait_for_job(const plan *p, store *s, const char *dir, runner_registration *reg,
                               const char *job_id, long number, size_t tasks, hml_err *err)
{
    double poll_s = POLL_DEFAULT_S;
    const char *poll_env = getenv("HMLCOST_SLURM_POLL_S");
    if (poll_env && atof(poll_env) > 0)
        poll_s = atof(poll_env);
    volatile sig_atomic_t *interrupted = cli_catch_interrupts();
    size_t seen = 0;
    for (;;) {
        bool active = false;
        hml_status status = slurm_job_active(job_id, &active, err);
        if (status == HML_OK)
            status = import_now(p, s, dir, reg, err);
        long *done = NULL;
        size_t done_count = 0;
        if (status == HML_OK)
            status = slurm_campaign_done_tasks(dir, number, &done, &done_count, err);
        if (status != HML_OK) {
            free(done);
            return status;
        }
        if (done_count > seen) {
            if (tasks)
                fprintf(stderr, "hmlcost run: job %s: %zu of %zu tasks finished; %zu runs missing\n",
                        job_id, done_count, tasks, slurm_campaign_missing(reg));
            else
                fprintf(stderr, "hmlcost run: job %s: %zu tasks finished; %zu runs missing\n",
                        job_id, done_count, slurm_campaign_missing(reg));
            seen = done_count;
        }
        free(done);
        if (!active)
            return HML_OK;
        if (*interrupted)
            return hml_fail(err, HML_ESYSTEM, "interrupted");
        clock_sleep_s(poll_s, interrupted);
    }
}

int run_slurm_campaign(const plan *p, const run_slurm_options *o, const char *store_path,
                       int argc, char **argv)
{
    hml_err err;
    if (runner_check_plan(p, &err) != HML_OK)
        return cli_report_error(&err);
    char hmlcost[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", hmlcost, sizeof hmlcost - 1);
    if (len <= 0)
        return cli_usage_error("run: cannot find hmlcost's own path for the Slurm tasks");
    hmlcost[len] = '\0';
    char root[PATH_MAX], dir[PATH_MAX + 64];
    if (o->campaign_dir) {
        if (absolute(o->campaign_dir, root, sizeof root, &err) != HML_OK)
            return cli_report_error(&err);
    } else {
        char store_abs[PATH_MAX];
        if (absolute(store_path, store_abs, sizeof store_abs, &err) != HML_OK)
            return cli_report_error(&err);
        text_format(root, sizeof root, "%s.campaigns", store_abs);
    }
    store *s = NULL;
    if (store_open(&s, store_path, STORE_READ_WRITE, &err) != HML_OK)
        return cli_report_error(&err);
    runner_registration reg;
    int exit_status = CLI_EXIT_OK;
    hml_status status = runner_register_plan(p, s, &reg, &err);
    if (status != HML_OK) {
        store_close(s);
        return cli_report_error(&err);
    }
    status = slurm_campaign_dir(p, root, dir, sizeof dir, &err);
    if (status == HML_OK)
        status = import_now(p, s, dir, &reg, &err);
    char job_id[64] = "";
    long number = 0;
    bool active = false;
    if (status == HML_OK)
        status = slurm_campaign_last_job(dir, job_id, sizeof job_id, &number, &err);
    if (status == HML_OK)
        status = slurm_job_active(job_id, &active, &err);
    size_t tasks = 0, runs = 0;
    if (status == HML_OK && active) {
        fprintf(stderr, "hmlcost run: job %s of this plan is still queued or running\n", job_id);
        tasks = 0;
    } else if (status == HML_OK && slurm_campaign_missing(&reg) > 0) {
        status = slurm_campaign_submit(p, dir, &reg, &o->sbatch, hmlcost, argv + 1,
                                       (size_t)(argc - 1), job_id, sizeof job_id, &tasks, &runs,
                                       &err);
        if (status == HML_OK) {
            number++;
            active = true;
            fprintf(stderr, "hmlcost run: experiment %lld: submitted job %s: %zu tasks, %zu runs "
                            "(%s)\n",
                    (long long)reg.experiment_id, job_id, tasks, runs, dir);
        }
    }
    if (status == HML_OK && active && o->no_wait) {
        print_collect_command(argc, argv);
    } else if (status == HML_OK && active) {
        status = wait_for_job(p, s, dir, &reg, job_id, number, tasks, &err);
    }
    if (status != HML_OK) {
        if (strcmp(err.msg, "interrupted") == 0) {
            fprintf(stderr, "hmlcost: run: stopped waiting; job %s goes on, and the same command "
                            "collects its runs later\n", job_id);
            exit_status = 130;
        } else {
            exit_status = cli_report_error(&err);
        }
    } else if (!(active && o->no_wait)) {
        size_t missing = slurm_campaign_missing(&reg);
        fprintf(stderr, "hmlcost run: experiment %lld in %s: %zu of %zu runs stored\n",
                (long long)reg.experiment_id, store_path,
                reg.arm_count * (size_t)reg.runs - missing, reg.arm_count * (size_t)reg.runs);
        exit_status = cli_run_print_summary(s, reg.experiment_id, true);
        if (missing > 0) {
            fprintf(stderr, "hmlcost run: %zu runs missing (tasks killed or failed; see %s/logs); "
                            "the same command again resubmits exactly those\n", missing, dir);
            exit_status = CLI_EXIT_FAILURE;
        }
    }
    runner_registration_free(&reg);
    store_close(s);
    return exit_status;
}
