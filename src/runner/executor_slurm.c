#include "runner/executor_slurm.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json.h"
#include "common/text.h"
#include "meter/clock.h"
#include "meter/host.h"
#include "meter/host_json.h"
#include "runner/execute.h"
#include "runner/schedule.h"

#define SLURM_OUTPUT_MAX (64u << 10)
#define SIGNAL_GRACE_MS 2000 /* how long a killed run waits for Slurm's signal to us */

/* ---- files ------------------------------------------------------------- */

static hml_status make_dir(const char *path, hml_err *err)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return hml_fail(err, HML_EUSAGE, "%s: cannot create the directory: %s", path,
                        strerror(errno));
    return HML_OK;
}

static char *read_text(const char *path, size_t limit)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = malloc(limit + 1);
    size_t n = data ? fread(data, 1, limit, f) : 0;
    fclose(f);
    if (data)
        data[n] = '\0';
    return data;
}

/* The whole file or nothing: a task killed while writing leaves a temporary
 * file that no reader looks at, never a half run. */
static hml_status write_atomically(const char *path, const char *text, hml_err *err)
{
    char tmp[4200];
    text_format(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return hml_fail(err, HML_ESYSTEM, "%s: %s", tmp, strerror(errno));
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            unlink(tmp);
            return hml_fail(err, HML_ESYSTEM, "%s: %s", tmp, strerror(errno));
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return hml_fail(err, HML_ESYSTEM, "%s: %s", path, strerror(errno));
    }
    /* The rename itself reaches the disk with the directory. */
    char dir[4200];
    text_copy(dir, sizeof dir, path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return HML_OK;
}

/* ---- running Slurm's commands -------------------------------------------- */

/* 'text' for sh, with ' as '\''. Caller frees. */
static char *shell_quote(const char *text)
{
    size_t len = 3;
    for (const char *c = text; *c; c++)
        len += *c == '\'' ? 4 : 1;
    char *out = malloc(len), *o = out;
    if (!out)
        return NULL;
    *o++ = '\'';
    for (const char *c = text; *c; c++) {
        if (*c == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *c;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

typedef struct command_line {
    char *text;
    size_t len, cap;
} command_line;

static bool line_add(command_line *line, const char *word, bool quote)
{
    char *q = quote ? shell_quote(word) : strdup(word);
    if (!q)
        return false;
    size_t need = line->len + strlen(q) + 2;
    if (need > line->cap) {
        size_t cap = need * 2;
        char *grown = realloc(line->text, cap);
        if (!grown) {
            free(q);
            return false;
        }
        line->text = grown;
        line->cap = cap;
    }
    if (line->len)
        line->text[line->len++] = ' ';
    memcpy(line->text + line->len, q, strlen(q) + 1);
    line->len += strlen(q);
    free(q);
    return true;
}

/* Runs the line through sh with stderr joined to stdout; *output (caller
 * frees) and the exit status. */
static hml_status run_captured(const char *line, char **output, int *exit_status, hml_err *err)
{
    char *full = malloc(strlen(line) + 8);
    if (!full)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    sprintf(full, "%s 2>&1", line);
    FILE *f = popen(full, "r");
    free(full);
    if (!f)
        return hml_fail(err, HML_ESYSTEM, "cannot run '%s': %s", line, strerror(errno));
    char *out = calloc(SLURM_OUTPUT_MAX + 1, 1);
    size_t n = out ? fread(out, 1, SLURM_OUTPUT_MAX, f) : 0;
    char scratch[4096];
    while (fread(scratch, 1, sizeof scratch, f) > 0)
        ;
    int status = pclose(f);
    if (!out)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    /* One line for the user's error: Slurm's last word is its verdict. */
    char *last = strrchr(out, '\n');
    if (last)
        memmove(out, last + 1, strlen(last + 1) + 1);
    *output = out;
    *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return HML_OK;
}

/* ---- the campaign directory ---------------------------------------------- */

hml_status slurm_campaign_dir(const plan *p, const char *root, char *path, size_t size,
                              hml_err *err)
{
    char key[17];
    hml_status status = plan_key(p, key, err);
    if (status != HML_OK)
        return status;
    if (strlen(root) + 40 > size)
        return hml_fail(err, HML_EUSAGE, "%s: path too long", root);
    status = make_dir(root, err);
    text_format(path, size, "%s/%s", root, key);
    static const char *const subdirs[] = {"", "/runs", "/done", "/logs"};
    for (size_t i = 0; status == HML_OK && i < sizeof subdirs / sizeof *subdirs; i++) {
        char sub[4200];
        text_format(sub, sizeof sub, "%s%s", path, subdirs[i]);
        status = make_dir(sub, err);
    }
    return status;
}

/* ---- one run as JSON -------------------------------------------------------- */

static void copy_string(const cJSON *o, const char *key, char *dst, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    text_copy(dst, size, cJSON_IsString(v) ? v->valuestring : "");
}

static double get_number(const cJSON *o, const char *key, double fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

static const char *get_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *slurm_run_json(const plan_arm *arm, long index, long position, const meter_host *host,
                     const execute_result *r)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    json_put_string(&ok, o, "arm", arm->name);
    json_put_number(&ok, o, "index", (double)index);
    json_put_number(&ok, o, "position", (double)position);
    json_put_string(&ok, o, "started_at", r->started_at);
    json_put_string(&ok, o, "status", store_run_status_name(r->status));
    if (r->reason[0])
        json_put_string(&ok, o, "reason", r->reason);
    if (r->meter.notes[0])
        json_put_string(&ok, o, "notes", r->meter.notes);
    if (r->result_json)
        json_put_string(&ok, o, "result", r->result_json);
    json_put(&ok, o, "host", meter_host_json(host));
    const char *job = getenv("SLURM_JOB_ID");
    if (job)
        json_put_string(&ok, o, "slurm_job", job);
    cJSON *metrics = json_put_array(&ok, o, "metrics");
    for (size_t i = 0; i < r->meter.metrics.count; i++) {
        const meter_metric *m = &r->meter.metrics.items[i];
        cJSON *item = cJSON_CreateObject();
        json_put_string(&ok, item, "name", m->name);
        json_put(&ok, item, "value", json_number_or_null(m->value));
        json_put_string(&ok, item, "unit", m->unit);
        json_put_string(&ok, item, "method", m->method);
        json_append(&ok, metrics, item);
    }
    /* samples: [t_s, rss_bytes, cpu_s, processes, gpu_mem_bytes, energy_j] */
    cJSON *samples = json_put_array(&ok, o, "samples");
    for (size_t i = 0; i < r->meter.sample_count; i++) {
        const meter_sample *s = &r->meter.samples[i];
        cJSON *row = cJSON_CreateArray();
        json_append(&ok, row, json_number_or_null(s->t_s));
        json_append(&ok, row, json_number_or_null(s->rss_bytes));
        json_append(&ok, row, json_number_or_null(s->cpu_s));
        json_append(&ok, row, cJSON_CreateNumber(s->processes));
        json_append(&ok, row, json_number_or_null(s->gpu_mem_bytes));
        json_append(&ok, row, json_number_or_null(s->energy_j));
        json_append(&ok, samples, row);
    }
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}

/* NaN has no JSON: written as null (json_number_or_null), read back as NaN. */
static double array_number(const cJSON *row, int i)
{
    const cJSON *v = cJSON_GetArrayItem(row, i);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* One run file into the store (its own transaction, store_put_run). */
static hml_status import_run_file(const plan *p, store *s, const char *path,
                                  runner_registration *reg, bool *imported, hml_err *err)
{
    *imported = false;
    char *text = read_text(path, 64u << 20);
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    free(text);
    const char *arm_name = o ? get_string(o, "arm") : NULL;
    const plan_arm *arm = arm_name ? plan_find_arm(p, arm_name) : NULL;
    int a = arm ? (int)(arm - p->arms) : -1;
    double index = o ? get_number(o, "index", -1) : -1;
    store_run_status status = STORE_RUN_ERROR;
    meter_host host;
    const char *status_text = o ? get_string(o, "status") : NULL;
    const cJSON *metrics = o ? cJSON_GetObjectItemCaseSensitive(o, "metrics") : NULL;
    hml_err ignored;
    if (a < 0 || index < 0 || index >= (double)reg->runs || !status_text ||
        store_run_status_parse(status_text, &status, &ignored) != HML_OK ||
        !meter_host_from_json(cJSON_GetObjectItemCaseSensitive(o, "host"), &host) ||
        !cJSON_IsArray(metrics)) {
        cJSON_Delete(o);
        return hml_fail(err, HML_EUSAGE, "%s: not a run of this plan", path);
    }
    long run_index = (long)index;
    unsigned char *stored = &reg->stored[(size_t)a * (size_t)reg->runs + (size_t)run_index];
    bool taken = *stored;
    hml_status st = taken ? HML_OK : store_has_run(s, reg->arm_ids[a], run_index, &taken, err);
    if (st != HML_OK || taken) {
        *stored = taken ? 1 : *stored;
        cJSON_Delete(o);
        return st;
    }
    int64_t host_id = 0;
    st = store_put_host(s, &host, &host_id, err);
    size_t metric_count = (size_t)cJSON_GetArraySize(metrics);
    const cJSON *sample_list = cJSON_GetObjectItemCaseSensitive(o, "samples");
    size_t sample_count = cJSON_IsArray(sample_list) ? (size_t)cJSON_GetArraySize(sample_list) : 0;
    meter_metric *items = calloc(metric_count + 1, sizeof *items);
    meter_sample *samples = calloc(sample_count + 1, sizeof *samples);
    if (st == HML_OK && (!items || !samples))
        st = hml_fail(err, HML_ESYSTEM, "out of memory");
    size_t i = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, metrics)
    {
        if (st != HML_OK || i >= metric_count)
            break;
        copy_string(m, "name", items[i].name, sizeof items[i].name);
        items[i].value = get_number(m, "value", NAN);
        copy_string(m, "unit", items[i].unit, sizeof items[i].unit);
        copy_string(m, "method", items[i].method, sizeof items[i].method);
        i++;
    }
    size_t k = 0;
    const cJSON *row;
    if (sample_count)
        cJSON_ArrayForEach(row, sample_list)
        {
            if (st != HML_OK || k >= sample_count)
                break;
            samples[k] = (meter_sample){.t_s = array_number(row, 0),
                                        .rss_bytes = array_number(row, 1),
                                        .cpu_s = array_number(row, 2),
                                        .processes = (int)array_number(row, 3),
                                        .gpu_mem_bytes = array_number(row, 4),
                                        .energy_j = array_number(row, 5)};
            k++;
        }
    if (st == HML_OK) {
        store_run_record rec = {.arm_id = reg->arm_ids[a], .run_index = run_index,
                                .position = (long)get_number(o, "position", 0),
                                .started_at = get_string(o, "started_at"),
                                .host_id = host_id, .status = status,
                                .reason = get_string(o, "reason"),
                                .notes = get_string(o, "notes"),
                                .result_json = get_string(o, "result"),
                                .metrics = items, .metric_count = i,
                                .samples = samples, .sample_count = k};
        if (!rec.started_at)
            rec.started_at = "";
        st = store_put_run(s, &rec, NULL, err);
        if (st == HML_OK) {
            *stored = 1;
            *imported = true;
        }
    }
    free(items);
    free(samples);
    cJSON_Delete(o);
    return st;
}

hml_status slurm_campaign_import(const plan *p, store *s, const char *dir,
                                 runner_registration *reg, size_t *imported, size_t *skipped,
                                 hml_err *err)
{
    *imported = 0;
    *skipped = 0;
    char runs_dir[4200];
    text_format(runs_dir, sizeof runs_dir, "%s/runs", dir);
    DIR *d = opendir(runs_dir);
    if (!d)
        return hml_fail(err, HML_ESYSTEM, "%s: %s", runs_dir, strerror(errno));
    hml_status status = HML_OK;
    struct dirent *e;
    while (status == HML_OK && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        /* Only finished files: temporaries end in .tmp.PID. */
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char path[4600];
        text_format(path, sizeof path, "%s/%s", runs_dir, e->d_name);
        bool done = false;
        status = import_run_file(p, s, path, reg, &done, err);
        if (status == HML_EUSAGE) {
            (*skipped)++;
            status = HML_OK;
        }
        *imported += done;
    }
    closedir(d);
    return status;
}

size_t slurm_campaign_missing(const runner_registration *reg)
{
    size_t missing = 0;
    for (size_t i = 0; i < reg->arm_count * (size_t)reg->runs; i++)
        missing += !reg->stored[i];
    return missing;
}

hml_status slurm_campaign_last_job(const char *dir, char *job_id, size_t size, long *number,
                                   hml_err *err)
{
    (void)err;
    job_id[0] = '\0';
    *number = 0;
    char path[4200];
    text_format(path, sizeof path, "%s/job", dir);
    char *text = read_text(path, 256);
    if (!text)
        return HML_OK;
    char id[64];
    long n = 0;
    if (sscanf(text, "%63s %ld", id, &n) == 2 && n > 0) {
        text_copy(job_id, size, id);
        *number = n;
    }
    free(text);
    return HML_OK;
}

hml_status slurm_job_active(const char *job_id, bool *active, hml_err *err)
{
    *active = false;
    if (!job_id[0])
        return HML_OK;
    char *q = shell_quote(job_id);
    char line[256];
    text_format(line, sizeof line, "squeue -h -r -j %s -o %%i", q ? q : "''");
    free(q);
    char *out = NULL;
    int rc = 0;
    hml_status status = run_captured(line, &out, &rc, err);
    if (status != HML_OK)
        return status;
    if (rc == 0)
        *active = out[0] != '\0';
    else if (!strstr(out, "Invalid job id")) /* a job Slurm forgot has ended */
        status = hml_fail(err, HML_ESYSTEM, "squeue: %s", out[0] ? out : "failed");
    free(out);
    return status;
}

/* ---- submitting ---------------------------------------------------------------- */

static hml_status write_submission(const plan *p, const char *path, const runner_registration *reg,
                                   size_t *tasks, size_t *runs, hml_err *err)
{
    schedule_slot *slots = NULL;
    size_t count = 0;
    hml_status status = schedule_build(p, &slots, &count, err);
    if (status != HML_OK)
        return status;
    char key[17];
    status = plan_key(p, key, err);
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    json_put_string(&ok, root, "plan_key", key);
    cJSON *blocks = json_put_array(&ok, root, "blocks");
    cJSON *block = NULL;
    *tasks = 0;
    *runs = 0;
    for (size_t i = 0; i < count; i++) {
        if (reg->stored[slots[i].arm * (size_t)reg->runs + (size_t)slots[i].index])
            continue;
        if (!block || (size_t)cJSON_GetArraySize(block) >= p->arm_count) {
            block = json_append(&ok, blocks, cJSON_CreateArray());
            (*tasks)++;
        }
        cJSON *slot = cJSON_CreateArray();
        json_append(&ok, slot, cJSON_CreateNumber((double)slots[i].arm));
        json_append(&ok, slot, cJSON_CreateNumber((double)slots[i].index));
        json_append(&ok, slot, cJSON_CreateNumber((double)i));
        json_append(&ok, block, slot);
        (*runs)++;
    }
    free(slots);
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (status == HML_OK && !text)
        status = hml_fail(err, HML_ESYSTEM, "out of memory");
    if (status == HML_OK)
        status = write_atomically(path, text, err);
    cJSON_free(text);
    return status;
}

hml_status slurm_campaign_submit(const plan *p, const char *dir, const runner_registration *reg,
                                 const slurm_options *opts, const char *hmlcost,
                                 char *const args[], size_t arg_count, char *job_id,
                                 size_t job_id_size, size_t *tasks, size_t *runs, hml_err *err)
{
    job_id[0] = '\0';
    char last[64];
    long number = 0;
    hml_status status = slurm_campaign_last_job(dir, last, sizeof last, &number, err);
    if (status != HML_OK)
        return status;
    number++;
    char submit[4200], script[4200], cwd[4096];
    text_format(submit, sizeof submit, "%s/submit-%ld.json", dir, number);
    text_format(script, sizeof script, "%s/script-%ld.sh", dir, number);
    if (!getcwd(cwd, sizeof cwd))
        return hml_fail(err, HML_ESYSTEM, "getcwd: %s", strerror(errno));
    status = write_submission(p, submit, reg, tasks, runs, err);
    if (status != HML_OK || *tasks == 0)
        return status;

    /* The task is hmlcost itself with the same options, told its block. */
    command_line task = {0};
    bool ok = line_add(&task, "exec", false) && line_add(&task, hmlcost, true) &&
              line_add(&task, "run", false) && line_add(&task, "--slurm-task", false) &&
              line_add(&task, submit, true);
    for (size_t i = 0; ok && i < arg_count; i++)
        ok = line_add(&task, args[i], true);
    if (!ok) {
        free(task.text);
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    size_t script_len = strlen(task.text) + 64;
    char *script_text = malloc(script_len);
    if (!script_text) {
        free(task.text);
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    text_format(script_text, script_len, "#!/bin/sh\n%s\n", task.text);
    free(task.text);
    status = write_atomically(script, script_text, err);
    free(script_text);
    if (status != HML_OK)
        return status;
    chmod(script, 0755);

    command_line line = {0};
    char array[64], name[64], out_path[4300], chdir_opt[4200];
    if (opts->max_parallel > 0)
        text_format(array, sizeof array, "--array=0-%zu%%%ld", *tasks - 1, opts->max_parallel);
    else
        text_format(array, sizeof array, "--array=0-%zu", *tasks - 1);
    char key[17];
    status = plan_key(p, key, err);
    if (status != HML_OK)
        return status;
    text_format(name, sizeof name, "--job-name=hmlcost-%s", key);
    text_format(out_path, sizeof out_path, "--output=%s/logs/%ld-%%a.out", dir, number);
    text_format(chdir_opt, sizeof chdir_opt, "--chdir=%s", cwd);
    ok = line_add(&line, "sbatch", false) && line_add(&line, "--parsable", false) &&
         line_add(&line, array, true) && line_add(&line, name, true) &&
         line_add(&line, out_path, true) && line_add(&line, chdir_opt, true) &&
         line_add(&line, "--ntasks=1", false);
    if (ok && opts->partition) {
        char opt[300];
        text_format(opt, sizeof opt, "--partition=%s", opts->partition);
        ok = line_add(&line, opt, true);
    }
    if (ok && opts->time_limit) {
        char opt[300];
        text_format(opt, sizeof opt, "--time=%s", opts->time_limit);
        ok = line_add(&line, opt, true);
    }
    for (size_t i = 0; ok && i < opts->arg_count; i++)
        ok = line_add(&line, opts->args[i], true);
    ok = ok && line_add(&line, script, true);
    if (!ok) {
        free(line.text);
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    char *out = NULL;
    int rc = 0;
    status = run_captured(line.text, &out, &rc, err);
    free(line.text);
    if (status != HML_OK)
        return status;
    /* --parsable: "JOBID" or "JOBID;CLUSTER" */
    char *semi = strchr(out, ';');
    if (semi)
        *semi = '\0';
    if (rc != 0 || !out[0] || strspn(out, "0123456789") != strlen(out)) {
        status = hml_fail(err, rc == 127 ? HML_EUSAGE : HML_ESYSTEM, "sbatch: %s",
                          out[0] ? out : "failed");
        free(out);
        return status;
    }
    text_copy(job_id, job_id_size, out);
    free(out);
    char path[4200], record[128];
    text_format(path, sizeof path, "%s/job", dir);
    text_format(record, sizeof record, "%s %ld\n", job_id, number);
    return write_atomically(path, record, err);
}

hml_status slurm_campaign_done_tasks(const char *dir, long number, long **tasks, size_t *count,
                                     hml_err *err)
{
    *tasks = NULL;
    *count = 0;
    char done_dir[4200];
    text_format(done_dir, sizeof done_dir, "%s/done", dir);
    DIR *d = opendir(done_dir);
    if (!d)
        return hml_fail(err, HML_ESYSTEM, "%s: %s", done_dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        long n = 0, t = 0;
        char tail;
        if (sscanf(e->d_name, "%ld.%ld%c", &n, &t, &tail) != 2 || n != number)
            continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 64;
            long *grown = realloc(*tasks, cap * sizeof **tasks);
            if (!grown) {
                closedir(d);
                return hml_fail(err, HML_ESYSTEM, "out of memory");
            }
            *tasks = grown;
        }
        (*tasks)[(*count)++] = t;
    }
    closedir(d);
    return HML_OK;
}

/* ---- inside a task ---------------------------------------------------------- */

hml_status slurm_task_run(const plan *p, const char *submit_file, long task,
                          volatile sig_atomic_t *interrupted, size_t *ran, hml_err *err)
{
    *ran = 0;
    char dir[4200];
    text_copy(dir, sizeof dir, submit_file);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return hml_fail(err, HML_EUSAGE, "--slurm-task: '%s' is not a campaign's file",
                        submit_file);
    *slash = '\0';
    long number = 0;
    if (sscanf(slash + 1, "submit-%ld.json", &number) != 1)
        return hml_fail(err, HML_EUSAGE, "--slurm-task: '%s' is not a campaign's file",
                        submit_file);
    char *text = read_text(submit_file, 64u << 20);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!root)
        return hml_fail(err, HML_EUSAGE, "--slurm-task: %s: cannot be read", submit_file);
    char key[17];
    hml_status status = plan_key(p, key, err);
    const char *their_key = get_string(root, "plan_key");
    const cJSON *block =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "blocks"), (int)task);
    if (status == HML_OK && (!their_key || strcmp(their_key, key) != 0))
        status = hml_fail(err, HML_EUSAGE,
                          "--slurm-task: %s was submitted for another plan (the options differ)",
                          submit_file);
    if (status == HML_OK && !cJSON_IsArray(block))
        status = hml_fail(err, HML_EUSAGE, "--slurm-task: %s has no task %ld", submit_file,
                          task);
    meter_host host;
    if (status == HML_OK)
        status = meter_host_read(&host, err);
    execute_options opts = {.meter = p->meter, .timeout_s = p->timeout_s,
                            .quiet = !p->show_output, .interrupted = interrupted};
    /* Warm-up on this allocation (its node may be cold), discarded. */
    for (long w = 0; status == HML_OK && w < p->warmup; w++)
        for (size_t a = 0; status == HML_OK && a < p->arm_count; a++) {
            char **argv = NULL;
            status = plan_arm_command(p, &p->arms[a], &argv, err);
            execute_result r;
            if (status == HML_OK) {
                status = execute_measured(argv, p->arms[a].env, p->arms[a].env_count, &opts, &r,
                                          err);
                execute_result_free(&r);
                if (status == HML_EUSAGE)
                    status = HML_OK;
            }
            plan_words_free(argv);
        }
    const cJSON *slot;
    bool first = true;
    cJSON_ArrayForEach(slot, block)
    {
        if (status != HML_OK)
            break;
        double a = cJSON_GetArrayItem(slot, 0) ? cJSON_GetArrayItem(slot, 0)->valuedouble : -1;
        double index = cJSON_GetArrayItem(slot, 1) ? cJSON_GetArrayItem(slot, 1)->valuedouble : -1;
        double position = cJSON_GetArrayItem(slot, 2) ? cJSON_GetArrayItem(slot, 2)->valuedouble : 0;
        if (a < 0 || a >= (double)p->arm_count || index < 0 || index >= (double)p->runs) {
            status = hml_fail(err, HML_EUSAGE, "--slurm-task: %s: a run outside the plan",
                              submit_file);
            break;
        }
        const plan_arm *arm = &p->arms[(size_t)a];
        char path[4600];
        text_format(path, sizeof path, "%s/runs/%s@%ld.json", dir, arm->name, (long)index);
        if (access(path, F_OK) == 0)
            continue; /* an earlier task finished it */
        if (!first && p->cooldown_s > 0)
            clock_sleep_s(p->cooldown_s, interrupted);
        first = false;
        char **argv = NULL;
        status = plan_arm_command(p, arm, &argv, err);
        if (status != HML_OK)
            break;
        execute_result r;
        status = execute_measured(argv, arm->env, arm->env_count, &opts, &r, err);
        plan_words_free(argv);
        if (status == HML_EUSAGE) /* could not be started: stored as an error run */
            status = HML_OK;
        /* Slurm's SIGTERM (time limit, scancel) reaches the run too: a run
         * ended by it is not a result, and is left for resubmission. Slurm
         * signals the processes of the task one by one, so the run may die
         * before our own signal arrives: a killed run waits for it a little. */
        for (int wait = 0; status == HML_OK && r.status == STORE_RUN_CRASHED && interrupted &&
                           !*interrupted && wait < SIGNAL_GRACE_MS / 10;
             wait++)
            clock_sleep_s(0.01, interrupted);
        if (status == HML_OK && interrupted && *interrupted)
            status = hml_fail(err, HML_ESYSTEM, "interrupted");
        if (status == HML_OK) {
            char *json = slurm_run_json(arm, (long)index, (long)position, &host, &r);
            status = json ? write_atomically(path, json, err)
                          : hml_fail(err, HML_ESYSTEM, "out of memory");
            cJSON_free(json);
        }
        execute_result_free(&r);
        if (status == HML_OK)
            (*ran)++;
    }
    cJSON_Delete(root);
    if (status == HML_OK) {
        char marker[4300], line[300];
        text_format(marker, sizeof marker, "%s/done/%ld.%ld", dir, number, task);
        text_format(line, sizeof line, "%s %zu\n", host.hostname, *ran);
        status = write_atomically(marker, line, err);
    }
    return status;
}
