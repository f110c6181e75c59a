#include "report/dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

/* Grows *items (of elem bytes each) by one zeroed element; NULL on failure. */
static void *append(void **items, size_t *count, size_t elem)
{
    void *grown = realloc(*items, (*count + 1) * elem);
    if (!grown)
        return NULL;
    *items = grown;
    void *slot = (char *)grown + *count * elem;
    memset(slot, 0, elem);
    (*count)++;
    return slot;
}

static void run_free(report_run *run)
{
    for (size_t i = 0; i < run->n_series; i++) {
        free(run->series[i].t_s);
        free(run->series[i].v);
    }
    free(run->series);
    free(run->metrics);
}

void report_dataset_free(report_dataset *d)
{
    if (!d)
        return;
    for (size_t a = 0; a < d->n_arms; a++) {
        for (size_t r = 0; r < d->arms[a].n_runs; r++)
            run_free(&d->arms[a].runs[r]);
        free(d->arms[a].runs);
    }
    free(d->arms);
    memset(d, 0, sizeof *d);
}

report_arm *report_dataset_add_arm(report_dataset *d, const char *name)
{
    report_arm *arm = append((void **)&d->arms, &d->n_arms, sizeof *arm);
    if (arm) {
        text_copy(arm->name, sizeof arm->name, name);
        arm->baseline_index = -1;
    }
    return arm;
}

report_run *report_arm_add_run(report_arm *arm)
{
    report_run *run = append((void **)&arm->runs, &arm->n_runs, sizeof *run);
    if (run) {
        run->order = -1;
        text_copy(run->status, sizeof run->status, "ok");
        run->host.cpu_count = -1;
        run->host.gpu_count = -1;
        run->host.ram_total_gb = NAN;
        run->host.pue = NAN;
    }
    return run;
}

hml_status report_run_set_metric(report_run *run, const char *name, double value,
                                 const char *unit, const char *method, hml_err *err)
{
    report_metric *m = NULL;
    for (size_t i = 0; i < run->n_metrics; i++)
        if (strcmp(run->metrics[i].name, name) == 0)
            m = &run->metrics[i];
    if (!m)
        m = append((void **)&run->metrics, &run->n_metrics, sizeof *m);
    if (!m)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    text_copy(m->name, sizeof m->name, name);
    m->value = value;
    text_copy(m->unit, sizeof m->unit, unit);
    text_copy(m->method, sizeof m->method, method);
    return HML_OK;
}

hml_status report_run_add_series(report_run *run, const char *name, const char *unit,
                                 const double *t_s, const double *v, size_t n, hml_err *err)
{
    double *t_copy = malloc((n ? n : 1) * sizeof *t_copy);
    double *v_copy = malloc((n ? n : 1) * sizeof *v_copy);
    report_series *s = t_copy && v_copy
                           ? append((void **)&run->series, &run->n_series, sizeof *s)
                           : NULL;
    if (!s) {
        free(t_copy);
        free(v_copy);
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    if (n) {
        memcpy(t_copy, t_s, n * sizeof *t_copy);
        memcpy(v_copy, v, n * sizeof *v_copy);
    }
    text_copy(s->name, sizeof s->name, name);
    text_copy(s->unit, sizeof s->unit, unit);
    s->n = n;
    s->t_s = t_copy;
    s->v = v_copy;
    return HML_OK;
}

hml_status report_series_rate(const report_series *s, double **t, double **v, size_t *n,
                              hml_err *err)
{
    *n = 0;
    *t = malloc((s->n ? s->n : 1) * sizeof **t);
    *v = malloc((s->n ? s->n : 1) * sizeof **v);
    if (!*t || !*v) {
        free(*t);
        free(*v);
        *t = *v = NULL;
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    for (size_t i = 1; i < s->n; i++) {
        double dt = s->t_s[i] - s->t_s[i - 1];
        if (!(dt > 0))
            continue;
        (*t)[*n] = s->t_s[i];
        (*v)[*n] = (s->v[i] - s->v[i - 1]) / dt;
        (*n)++;
    }
    return HML_OK;
}

report_arm *report_dataset_find_arm(report_dataset *d, const char *name)
{
    for (size_t a = 0; a < d->n_arms; a++)
        if (strcmp(d->arms[a].name, name) == 0)
            return &d->arms[a];
    return NULL;
}

const report_metric *report_run_metric(const report_run *run, const char *name)
{
    for (size_t i = 0; i < run->n_metrics; i++)
        if (strcmp(run->metrics[i].name, name) == 0)
            return &run->metrics[i];
    return NULL;
}

double report_run_metric_or(const report_run *run, const char *name, double otherwise)
{
    const report_metric *m = report_run_metric(run, name);
    return m && isfinite(m->value) ? m->value : otherwise;
}

const report_series *report_run_series(const report_run *run, const char *name)
{
    for (size_t i = 0; i < run->n_series; i++)
        if (strcmp(run->series[i].name, name) == 0)
            return &run->series[i];
    return NULL;
}

bool report_run_ok(const report_run *run) { return strcmp(run->status, "ok") == 0; }

hml_status report_dataset_pair(report_dataset *d, hml_err *err)
{
    /* An arm that another arm is compared with is a baseline (per-smell
     * baselines: the store marks only the first as the plan's baseline). */
    for (size_t a = 0; a < d->n_arms; a++) {
        report_arm *b = d->arms[a].baseline[0] ? report_dataset_find_arm(d, d->arms[a].baseline)
                                               : NULL;
        if (b && b != &d->arms[a])
            b->is_baseline = true;
    }
    int first_baseline = -1;
    size_t treated = 0;
    for (size_t a = 0; a < d->n_arms; a++) {
        if (d->arms[a].is_baseline && first_baseline < 0)
            first_baseline = (int)a;
        treated += !d->arms[a].is_baseline;
    }
    if (d->n_arms == 0)
        return hml_fail(err, HML_EUSAGE, "the experiment has no arms");
    if (first_baseline < 0)
        return hml_fail(err, HML_EUSAGE, "no baseline arm among the %zu arms", d->n_arms);
    if (treated == 0)
        return hml_fail(err, HML_EUSAGE, "only baseline arms: nothing to compare");
    for (size_t a = 0; a < d->n_arms; a++) {
        report_arm *arm = &d->arms[a];
        arm->baseline_index = -1;
        if (arm->is_baseline)
            continue;
        if (arm->baseline[0]) {
            report_arm *b = report_dataset_find_arm(d, arm->baseline);
            if (!b)
                return hml_fail(err, HML_EUSAGE, "arm '%s': its baseline '%s' is not in the data",
                                arm->name, arm->baseline);
            if (b == arm)
                return hml_fail(err, HML_EUSAGE, "arm '%s' names itself as its baseline",
                                arm->name);
            arm->baseline_index = (int)(b - d->arms);
            continue;
        }
        char own[80];
        snprintf(own, sizeof own, "baseline-%s", arm->name);
        report_arm *b = report_dataset_find_arm(d, own);
        if (b && b->is_baseline) {
            arm->baseline_index = (int)(b - d->arms);
        } else {
            arm->baseline_index = first_baseline;
            for (size_t p = a; p-- > 0;)
                if (d->arms[p].is_baseline) {
                    arm->baseline_index = (int)p;
                    break;
                }
        }
        text_copy(arm->baseline, sizeof arm->baseline, d->arms[arm->baseline_index].name);
    }
    return HML_OK;
}

void report_run_energy_method(const report_run *run, char *buf, size_t size)
{
    static const char *const components[] = {"energy_cpu_j", "energy_dram_j", "energy_ram_j",
                                             "energy_gpu_j"};
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof components / sizeof components[0]; i++) {
        const report_metric *m = report_run_metric(run, components[i]);
        if (!m || !m->method[0])
            continue;
        /* skip a method already listed */
        const char *hit = strstr(buf, m->method);
        size_t len = strlen(m->method);
        bool dup = false;
        for (; hit; hit = strstr(hit + 1, m->method))
            if ((hit == buf || hit[-1] == '+') && (hit[len] == '\0' || hit[len] == '+'))
                dup = true;
        if (dup)
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used ? "+" : "", m->method);
    }
    if (!buf[0]) {
        const report_metric *m = report_run_metric(run, "energy_kwh");
        if (!m)
            m = report_run_metric(run, "energy_total_j");
        if (m)
            snprintf(buf, size, "%s", m->method);
    }
}

hml_status report_dataset_keep_node(report_dataset *d, const char *hostname, hml_err *err)
{
    char present[256] = "";
    size_t kept = 0;
    for (size_t a = 0; a < d->n_arms; a++) {
        report_arm *arm = &d->arms[a];
        size_t w = 0;
        for (size_t r = 0; r < arm->n_runs; r++) {
            const char *node = arm->runs[r].host.hostname;
            text_list_add(present, sizeof present, ", ", node);
            if (strcmp(node, hostname) == 0)
                arm->runs[w++] = arm->runs[r];
            else
                run_free(&arm->runs[r]);
        }
        arm->n_runs = w;
        kept += w;
    }
    if (kept == 0)
        return hml_fail(err, HML_EUSAGE, "--node %s: no runs on that node (nodes: %s)", hostname,
                        present[0] ? present : "none recorded");
    return HML_OK;
}
