#include "runner/slurm_campaign.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"
#include "meter/clock.h"
#include "runner/protocol.h"

#define POLL_DEFAULT_S 2.0

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

hml_status slurm_campaign_root(const char *campaign_dir, const char *store_path, char *root,
                               size_t size, hml_err *err)
{
    if (campaign_dir)
        return absolute(campaign_dir, root, size, err);
    char store_abs[PATH_MAX];
    hml_status st = absolute(store_path, store_abs, sizeof store_abs, err);
    if (st == HML_OK)
        text_format(root, size, "%s.campaigns", store_abs);
    return st;
}

static void tell(const slurm_campaign_request *req, const slurm_campaign_event *ev)
{
    if (req->progress)
        req->progress(req->ctx, ev);
}

static hml_status import_now(const slurm_campaign_request *req, store *s, const char *dir,
                             runner_registration *reg, hml_err *err)
{
    slurm_campaign_event ev = {.kind = SLURM_CAMPAIGN_IMPORTED, .dir = dir};
    hml_status status =
        slurm_campaign_import(req->plan, s, dir, reg, &ev.imported, &ev.skipped, err);
    if (status == HML_OK && (ev.imported || ev.skipped))
        tell(req, &ev);
    return status;
}

/* Waits for the job, importing as runs arrive, an event per finished task. */
static hml_status wait_for_job(const slurm_campaign_request *req, store *s, const char *dir,
                               runner_registration *reg, const char *job_id, long number,
                               size_t tasks, bool *interrupted, hml_err *err)
{
    double poll_s = POLL_DEFAULT_S;
    const char *poll_env = getenv(SLURM_POLL_ENV);
    if (poll_env && atof(poll_env) > 0)
        poll_s = atof(poll_env);
    size_t seen = 0;
    for (;;) {
        bool active = false;
        hml_status status = slurm_job_active(job_id, &active, err);
        if (status == HML_OK)
            status = import_now(req, s, dir, reg, err);
        long *done = NULL;
        size_t done_count = 0;
        if (status == HML_OK)
            status = slurm_campaign_done_tasks(dir, number, &done, &done_count, err);
        free(done);
        if (status != HML_OK)
            return status;
        if (done_count > seen) {
            slurm_campaign_event ev = {.kind = SLURM_CAMPAIGN_TASKS_DONE, .dir = dir,
                                       .job_id = job_id, .tasks = tasks,
                                       .tasks_done = done_count,
                                       .missing = slurm_campaign_missing(reg)};
            tell(req, &ev);
            seen = done_count;
        }
        if (!active)
            return HML_OK;
        if (req->interrupted && *req->interrupted) {
            *interrupted = true;
            return hml_fail(err, HML_ESYSTEM, "interrupted");
        }
        clock_sleep_s(poll_s, req->interrupted);
    }
}

/* Submits what is missing unless the plan's last job still runs; *active:
 * a job of the plan is queued or running now. */
static hml_status submit_missing(const slurm_campaign_request *req, const char *dir,
                                 const runner_registration *reg, slurm_campaign_result *out,
                                 long *number, size_t *tasks, bool *active, hml_err *err)
{
    hml_status status = slurm_campaign_last_job(dir, out->job_id, sizeof out->job_id, number, err);
    if (status == HML_OK)
        status = slurm_job_active(out->job_id, active, err);
    if (status != HML_OK)
        return status;
    slurm_campaign_event ev = {.dir = dir, .job_id = out->job_id,
                               .experiment_id = reg->experiment_id};
    if (*active) {
        ev.kind = SLURM_CAMPAIGN_STILL_ACTIVE;
        tell(req, &ev);
        return HML_OK;
    }
    if (slurm_campaign_missing(reg) == 0)
        return HML_OK;
    status = slurm_campaign_submit(req->plan, dir, reg, req->sbatch, req->hmlcost, req->args,
                                   req->arg_count, out->job_id, sizeof out->job_id, tasks,
                                   &ev.runs, err);
    if (status != HML_OK)
        return status;
    (*number)++;
    *active = true;
    ev.kind = SLURM_CAMPAIGN_SUBMITTED;
    ev.tasks = *tasks;
    tell(req, &ev);
    return HML_OK;
}

hml_status slurm_campaign_run(store *s, const slurm_campaign_request *req,
                              slurm_campaign_result *out, hml_err *err)
{
    memset(out, 0, sizeof *out);
    runner_registration reg;
    hml_status status = runner_register_plan(req->plan, s, &reg, err);
    if (status != HML_OK)
        return status;
    out->experiment_id = reg.experiment_id;
    status = slurm_campaign_dir(req->plan, req->root, out->dir, sizeof out->dir, err);
    if (status == HML_OK)
        status = import_now(req, s, out->dir, &reg, err);
    long number = 0;
    size_t tasks = 0;
    bool active = false;
    if (status == HML_OK)
        status = submit_missing(req, out->dir, &reg, out, &number, &tasks, &active, err);
    if (status == HML_OK && active && req->no_wait)
        out->left_running = true;
    else if (status == HML_OK && active)
        status = wait_for_job(req, s, out->dir, &reg, out->job_id, number, tasks,
                              &out->interrupted, err);
    out->total = reg.arm_count * (size_t)reg.runs;
    out->missing = slurm_campaign_missing(&reg);
    runner_registration_free(&reg);
    return status;
}
