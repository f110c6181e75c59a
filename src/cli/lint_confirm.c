/* Running the experiments behind lint's findings (built with lint only). */
#ifdef HMLCOST_HAVE_LINT
#include "cli/lint_confirm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "common/text.h"
#include "lint/price.h"
#include "report/analysis.h"
#include "report/load_store.h"
#include "stats/verdict.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The verdict of the single smell arm of store's latest experiment. */
static void read_verdict(const char *store, int runs, char *buf, size_t size)
{
    hml_err err = {0};
    report_dataset data;
    report_store_options so = {0};
    if (report_load_store(store, &so, &data, &err) != HML_OK) {
        text_format(buf, size, "no verdict: %s", err.msg);
        return;
    }
    report_options opts;
    report_options_default(&opts);
    opts.min_runs = (size_t)runs; /* a short experiment: the runs asked for */
    report_analysis a;
    if (report_analyze(&data, &opts, &a, &err) != HML_OK) {
        text_format(buf, size, "no verdict: %s", err.msg);
        report_dataset_free(&data);
        return;
    }
    if (a.n_smells < 1) {
        text_format(buf, size, "no verdict: the experiment has no smell arm");
    } else {
        const report_smell_result *s = &a.smells[0];
        text_format(buf, size, "%s: %s (%d runs per arm; hmlcost report --store %s)",
                    stats_verdict_name(s->verdict), s->evidence, runs, store);
    }
    report_analysis_free(&a);
    report_dataset_free(&data);
}

hml_status lint_confirm(const lint_result *r, const lint_confirm_options *o, char ***verdicts,
                        hml_err *err)
{
    char **out = calloc(r->count ? r->count : 1, sizeof *out);
    char **keys = calloc(r->count ? r->count : 1, sizeof *keys); /* experiments run, to reuse */
    if (!out || !keys) {
        free(out);
        free(keys);
        return hml_fail(err, HML_ESYSTEM, "lint --confirm: out of memory");
    }
    char dir[] = "/tmp/hmlcost-lint-XXXXXX";
    if (!mkdtemp(dir)) {
        free(out);
        free(keys);
        return hml_fail(err, HML_ESYSTEM, "lint --confirm: cannot make a temporary directory");
    }
    double start = now_s();
    size_t runnable = 0;
    for (size_t i = 0; i < r->count; i++) {
        lint_price p;
        lint_price_of(&r->finding[i], &p);
        runnable += p.runnable;
    }
    hml_status st = HML_OK;
    for (size_t i = 0; i < r->count && st == HML_OK; i++) {
        const lint_finding *f = &r->finding[i];
        lint_price p;
        lint_price_of(f, &p);
        char line[2048] = "";
        char workload[2048];
        hml_err e = {0};
        double left = o->budget_s - (now_s() - start);
        if (!p.runnable) {
            text_format(line, sizeof line, "not run: %s", p.why_not);
        } else if (left < 2) {
            text_format(line, sizeof line, "not run: the --time-budget is spent");
        } else if (lint_price_prepare(f, &p, dir, workload, sizeof workload, &e) != HML_OK) {
            text_format(line, sizeof line, "not run: %s", e.msg);
        }
        if (line[0]) {
            if (!(out[i] = strdup(line)))
                st = hml_fail(err, HML_ESYSTEM, "lint --confirm: out of memory");
            runnable -= p.runnable;
            continue;
        }
        char key[2400];
        text_format(key, sizeof key, "%s %s %s", p.smell, p.strength, workload);
        for (size_t k = 0; k < i && !out[i]; k++)
            if (keys[k] && strcmp(keys[k], key) == 0 && out[k])
                out[i] = strdup(out[k]); /* the same experiment: its verdict */
        keys[i] = strdup(key);
        if (out[i]) {
            runnable--;
            continue;
        }
        /* the rest of the budget shared by what is left: 2 arms x runs each */
        double per_run = left / (double)(runnable ? runnable : 1) / (2.0 * o->runs);
        if (per_run < 1)
            per_run = 1;
        char store[512], runs[16], timeout[32];
        text_format(store, sizeof store, "%s/experiment-%zu.db", dir, i + 1);
        text_format(runs, sizeof runs, "%d", o->runs);
        text_format(timeout, sizeof timeout, "%.0f", per_run);
        char strength[96];
        text_copy(strength, sizeof strength, p.strength);
        char *argv[24];
        int argc = 0;
        char smell[32];
        text_copy(smell, sizeof smell, p.smell);
        argv[argc++] = "run";
        argv[argc++] = "--smell";
        argv[argc++] = smell;
        for (char *tok = strtok(strength, " "); tok && argc < 12; tok = strtok(NULL, " "))
            argv[argc++] = tok;
        argv[argc++] = "--runs";
        argv[argc++] = runs;
        argv[argc++] = "--timeout";
        argv[argc++] = timeout;
        argv[argc++] = "--store";
        argv[argc++] = store;
        argv[argc++] = "--workload";
        argv[argc++] = workload;
        if (o->accuracy_regex) {
            argv[argc++] = "--accuracy-regex";
            argv[argc++] = (char *)o->accuracy_regex;
        }
        argv[argc] = NULL;
        fprintf(stderr, "hmlcost lint: confirming %s:%u:%u (%s): %d runs per arm, at most %ss "
                        "each\n", f->path, f->line, f->col, p.smell, o->runs, timeout);
        int rc = cmd_run(argc, argv);
        if (rc != 0 && rc != 1)
            text_format(line, sizeof line, "not run: hmlcost run refused the experiment "
                                           "(exit status %d; its message is above)", rc);
        else
            read_verdict(store, o->runs, line, sizeof line);
        runnable--;
        if (!(out[i] = strdup(line)))
            st = hml_fail(err, HML_ESYSTEM, "lint --confirm: out of memory");
    }
    for (size_t i = 0; i < r->count; i++)
        free(keys[i]);
    free(keys);
    if (st != HML_OK) {
        lint_confirm_free(out, r->count);
        return st;
    }
    *verdicts = out;
    return HML_OK;
}

void lint_confirm_free(char **verdicts, size_t count)
{
    if (!verdicts)
        return;
    for (size_t i = 0; i < count; i++)
        free(verdicts[i]);
    free(verdicts);
}
#endif
