#include "report/load_store.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/name_limits.h"
#include "common/text.h"
#include "store/store.h"

/* "source:FRA France: Our World in Data, 2023" -> FRA, France. Other sources
 * ("source:world average: ...", "source:given: ...") name no country. */
static void country_from_source(const char *method, report_host *h)
{
    const char *p = strncmp(method, "source:", 7) == 0 ? method + 7 : NULL;
    if (!p || !isupper((unsigned char)p[0]) || !isupper((unsigned char)p[1]) ||
        !isupper((unsigned char)p[2]) || p[3] != ' ')
        return;
    snprintf(h->country_iso_code, sizeof h->country_iso_code, "%.3s", p);
    const char *name = p + 4, *colon = strchr(name, ':');
    int len = colon ? (int)(colon - name) : (int)strlen(name);
    snprintf(h->country_name, sizeof h->country_name, "%.*s", len, name);
}

static void host_facts(const meter_host *mh, report_host *h)
{
    snprintf(h->hostname, sizeof h->hostname, "%s", mh->hostname);
    snprintf(h->cpu_model, sizeof h->cpu_model, "%s", mh->cpu_model);
    snprintf(h->gpu_model, sizeof h->gpu_model, "%s", mh->gpu_model);
    h->cpu_count = mh->threads > 0 ? mh->threads : -1;
    h->gpu_count = mh->gpu_model[0] ? 1 : 0;
    h->ram_total_gb = mh->mem_bytes > 0 ? mh->mem_bytes / (1024.0 * 1024 * 1024) : NAN;
}

/* The run's samples as series. */
static hml_status read_samples(store *s, int64_t run_id, report_run *run, hml_err *err)
{
    meter_sample *samples = NULL;
    size_t n = 0;
    hml_status st = store_list_samples(s, run_id, &samples, &n, err);
    if (st != HML_OK || n == 0) {
        free(samples);
        return st;
    }
    double *t = malloc(n * sizeof *t), *rss = malloc(n * sizeof *rss),
           *cores = malloc(n * sizeof *cores), *gpu = malloc(n * sizeof *gpu),
           *energy = malloc(n * sizeof *energy);
    if (!t || !rss || !cores || !gpu || !energy) {
        st = hml_fail(err, HML_ESYSTEM, "out of memory");
    } else {
        size_t gpu_known = 0, energy_known = 0;
        for (size_t i = 0; i < n; i++) {
            /* NaN in a store before schema 3 or where a counter failed */
            energy[i] = samples[i].energy_j;
            energy_known += isfinite(energy[i]) != 0;
            t[i] = samples[i].t_s;
            rss[i] = samples[i].rss_bytes;
            gpu[i] = samples[i].gpu_mem_bytes >= 0 ? samples[i].gpu_mem_bytes : NAN;
            gpu_known += samples[i].gpu_mem_bytes >= 0;
            /* CPU-seconds used per second since the previous sample: busy CPUs */
            double dt = i ? t[i] - t[i - 1] : t[i];
            double dc = i ? samples[i].cpu_s - samples[i - 1].cpu_s : samples[i].cpu_s;
            cores[i] = dt > 0 && dc >= 0 ? dc / dt : 0;
        }
        st = report_run_add_series(run, "rss_bytes", "B", t, rss, n, err);
        if (st == HML_OK)
            st = report_run_add_series(run, "cpu_cores", "1", t, cores, n, err);
        if (st == HML_OK && gpu_known == n)
            st = report_run_add_series(run, "gpu_mem_bytes", "B", t, gpu, n, err);
        if (st == HML_OK && energy_known == n)
            st = report_run_add_series(run, "energy_j", "J", t, energy, n, err);
    }
    free(t);
    free(rss);
    free(cores);
    free(gpu);
    free(energy);
    free(samples);
    return st;
}

typedef struct host_cache {
    int64_t id;
    bool found;
    meter_host host;
} host_cache;

static hml_status read_run(store *s, const store_run *sr, bool samples, host_cache *cache,
                           report_arm *arm, hml_err *err)
{
    report_run *run = report_arm_add_run(arm);
    if (!run)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    snprintf(run->id, sizeof run->id, "%lld", (long long)sr->id);
    run->order = sr->position;
    snprintf(run->status, sizeof run->status, "%s", store_run_status_name(sr->status));
    text_copy(run->reason, sizeof run->reason, sr->reason);
    text_copy(run->started_at, sizeof run->started_at, sr->started_at);
    if (cache->id != sr->host_id) {
        cache->id = sr->host_id;
        hml_status st = store_get_host(s, sr->host_id, &cache->host, &cache->found, err);
        if (st != HML_OK)
            return st;
    }
    if (cache->found)
        host_facts(&cache->host, &run->host);
    for (size_t m = 0; m < sr->metric_count; m++) {
        const meter_metric *mm = &sr->metrics[m];
        hml_status st = report_run_set_metric(run, mm->name, mm->value, mm->unit, mm->method, err);
        if (st != HML_OK)
            return st;
        if (strcmp(mm->name, "pue") == 0)
            run->host.pue = mm->value;
        else if (strcmp(mm->name, "grid_intensity") == 0)
            country_from_source(mm->method, &run->host);
    }
    return samples ? read_samples(s, sr->id, run, err) : HML_OK;
}

/* The plan's "min_cost", when the plan that wrote the store has one. */
static void plan_min_cost(const char *plan_json, char *buf, size_t size)
{
    buf[0] = '\0';
    cJSON *plan = plan_json ? cJSON_Parse(plan_json) : NULL;
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(plan, "min_cost");
    if (cJSON_IsString(mc))
        text_copy(buf, size, mc->valuestring);
    cJSON_Delete(plan);
}

static hml_status read_experiment(store *s, const char *path, const store_experiment *exp,
                                  bool samples, report_dataset *d, hml_err *err)
{
    snprintf(d->experiment_id, sizeof d->experiment_id, "%lld", (long long)exp->id);
    if (exp->name && strlen(exp->name) > EXPERIMENT_NAME_MAX)
        return hml_fail(err, HML_EUSAGE, "store %s: experiment %lld: a name longer than %d "
                        "characters", path, (long long)exp->id, EXPERIMENT_NAME_MAX);
    text_copy(d->name, sizeof d->name, exp->name);
    text_copy(d->created_at, sizeof d->created_at, exp->created_at);
    snprintf(d->source, sizeof d->source, "store %s, experiment %lld", path, (long long)exp->id);
    d->warmup_runs = exp->warmup;
    plan_min_cost(exp->plan_json, d->min_cost, sizeof d->min_cost);
    store_arm *arms = NULL;
    size_t n_arms = 0;
    hml_status st = store_list_arms(s, exp->id, &arms, &n_arms, err);
    if (st != HML_OK)
        return st;
    host_cache cache = {.id = -1};
    size_t runs = 0;
    for (size_t a = 0; st == HML_OK && a < n_arms; a++) {
        const char *named[] = {arms[a].name, arms[a].smell, arms[a].compare_with};
        for (size_t i = 0; st == HML_OK && i < sizeof named / sizeof named[0]; i++)
            if (named[i] && strlen(named[i]) > ARM_NAME_MAX)
                st = hml_fail(err, HML_EUSAGE, "store %s: arm '%.40s...': a name longer than %d "
                              "characters", path, arms[a].name, ARM_NAME_MAX);
        if (st != HML_OK)
            break;
        report_arm *arm = report_dataset_add_arm(d, arms[a].name);
        if (!arm) {
            st = hml_fail(err, HML_ESYSTEM, "out of memory");
            break;
        }
        arm->is_baseline = arms[a].is_baseline;
        text_copy(arm->smell, sizeof arm->smell, arms[a].smell);
        text_copy(arm->baseline, sizeof arm->baseline, arms[a].compare_with);
        store_run *list = NULL;
        size_t n = 0;
        st = store_list_runs(s, arms[a].id, &list, &n, err);
        for (size_t r = 0; st == HML_OK && r < n; r++) {
            /* arm may move when the next arm is added, not while its runs are */
            st = read_run(s, &list[r], samples, &cache, &d->arms[d->n_arms - 1], err);
        }
        runs += n;
        store_runs_free(list, n);
    }
    store_arms_free(arms, n_arms);
    if (st != HML_OK)
        return st;
    if (n_arms == 0)
        return hml_fail(err, HML_EUSAGE, "store %s: experiment %lld has no arms", path,
                        (long long)exp->id);
    if (runs == 0)
        return hml_fail(err, HML_EUSAGE, "store %s: experiment %lld has no runs stored yet", path,
                        (long long)exp->id);
    st = report_dataset_pair(d, err);
    if (st != HML_OK)
        hml_wrap(err, "store %s, experiment %lld", path, (long long)exp->id);
    return st;
}

hml_status report_load_store(const char *path, const report_store_options *opts,
                             report_dataset *out, hml_err *err)
{
    memset(out, 0, sizeof *out);
    store *s = NULL;
    hml_status st = store_open(&s, path, STORE_READ_ONLY, err);
    if (st != HML_OK)
        return st;
    store_experiment exp;
    memset(&exp, 0, sizeof exp);
    bool found = false;
    int64_t id = opts ? opts->experiment : 0;
    st = id > 0 ? store_get_experiment(s, id, &exp, &found, err)
                : store_latest_experiment(s, &exp, &found, err);
    if (st == HML_OK && !found)
        st = id > 0 ? hml_fail(err, HML_EUSAGE, "--experiment %lld: no such experiment in %s",
                               (long long)id, path)
                    : hml_fail(err, HML_EUSAGE, "store %s: no experiments", path);
    if (st == HML_OK)
        st = read_experiment(s, path, &exp, opts && opts->samples, out, err);
    if (found)
        store_experiment_clear(&exp);
    store_close(s);
    if (st != HML_OK)
        report_dataset_free(out);
    return st;
}
