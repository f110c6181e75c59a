/* JSON: every figure, test and verdict of the analysis, for scripts and
 * notebooks. Numbers that do not exist (an sd of one value) are null. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/json.h"
#include "report/format.h"
#include "report/format_util.h"
#include "stats/mann_whitney.h"

static cJSON *num(double v) { return json_number_or_null(v); }

static void add_num(cJSON *o, const char *k, double v) { cJSON_AddItemToObject(o, k, num(v)); }

static void add_pair(cJSON *o, const char *k, double lo, double hi)
{
    cJSON *arr = cJSON_AddArrayToObject(o, k);
    if (arr) {
        cJSON_AddItemToArray(arr, num(lo));
        cJSON_AddItemToArray(arr, num(hi));
    }
}

static cJSON *summary_json(const report_cell *cell)
{
    cJSON *o = cJSON_CreateObject();
    const stats_summary *s = &cell->s;
    cJSON_AddNumberToObject(o, "n", (double)s->n);
    add_num(o, "mean", s->mean);
    add_num(o, "sd", s->sd);
    add_num(o, "median", s->median);
    add_num(o, "mad", s->mad);
    add_num(o, "min", s->min);
    add_num(o, "max", s->max);
    add_num(o, "q1", s->q1);
    add_num(o, "q3", s->q3);
    add_pair(o, "ci", s->ci_lo, s->ci_hi);
    add_num(o, "cv", s->cv);
    cJSON_AddNumberToObject(o, "outliers", (double)cell->outliers);
    cJSON_AddStringToObject(o, "method", cell->method);
    return o;
}

static cJSON *comparison_json(const report_analysis *a, const report_comparison *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "metric", a->metrics[c->metric].name);
    cJSON_AddBoolToObject(o, "tested", c->tested);
    if (!c->tested)
        return o;
    add_num(o, "diff", c->boot.diff);
    add_pair(o, "diff_ci", c->boot.diff_lo, c->boot.diff_hi);
    add_num(o, "ratio", c->boot.ratio);
    add_pair(o, "ratio_ci", c->boot.ratio_lo, c->boot.ratio_hi);
    cJSON *mwu = cJSON_AddObjectToObject(o, "mann_whitney");
    add_num(mwu, "u", c->mwu.u);
    add_num(mwu, "p", c->mwu.p);
    cJSON_AddBoolToObject(mwu, "exact", c->mwu.exact);
    cJSON_AddBoolToObject(mwu, "ties", c->mwu.ties);
    if (c->stratified) {
        cJSON *ve = cJSON_AddObjectToObject(o, "van_elteren");
        add_num(ve, "z", c->strata.z);
        add_num(ve, "p", c->strata.p);
        cJSON_AddNumberToObject(ve, "strata", (double)c->strata.strata);
    }
    /* the test behind p_holm */
    cJSON_AddStringToObject(o, "p_holm_test", c->stratified ? "van_elteren" : "mann_whitney");
    cJSON *welch = cJSON_AddObjectToObject(o, "welch");
    add_num(welch, "t", c->welch.t);
    add_num(welch, "df", c->welch.df);
    add_num(welch, "p", c->welch.p);
    add_num(o, "cliff_delta", c->delta);
    cJSON_AddStringToObject(o, "magnitude", stats_magnitude_name(c->magnitude));
    cJSON_AddBoolToObject(o, "cost_test", c->in_family);
    add_num(o, "p_holm", c->p_holm);
    cJSON_AddBoolToObject(o, "significant", c->significant);
    cJSON_AddBoolToObject(o, "worse", c->worse);
    if (c->in_family) {
        static const char *const classes[] = {"above", "unclear", "below"};
        cJSON *m = cJSON_AddObjectToObject(o, "min_cost_test");
        add_num(m, "min_cost", c->min_cost);
        add_num(m, "change", c->margin.change);
        add_pair(m, "change_ci", c->margin.lo, c->margin.hi);
        add_num(m, "p_over", c->margin.p_over);
        add_num(m, "p_over_holm", c->p_over_holm);
        add_num(m, "p_under", c->margin.p_under);
        cJSON_AddBoolToObject(m, "equivalent", c->margin.equivalent);
        /* nodes the change was estimated within and combined over; 0: pooled */
        cJSON_AddNumberToObject(m, "strata", (double)c->margin_strata);
        cJSON_AddStringToObject(m, "class", classes[c->cost_class]);
        if (c->runs_needed)
            cJSON_AddNumberToObject(m, "runs_needed", (double)c->runs_needed);
        else
            cJSON_AddNullToObject(m, "runs_needed");
    }
    add_num(o, "power", c->power);
    if (c->n_for_power)
        cJSON_AddNumberToObject(o, "n_for_80_power", (double)c->n_for_power);
    else
        cJSON_AddNullToObject(o, "n_for_80_power");
    return o;
}

static cJSON *build(const report_analysis *a)
{
    const report_dataset *d = a->data;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "schema", 1);
    cJSON_AddStringToObject(root, "hmlcost", HMLCOST_VERSION);
    cJSON_AddStringToObject(root, "source", d->source);
    cJSON *exp = cJSON_AddObjectToObject(root, "experiment");
    cJSON_AddStringToObject(exp, "id", d->experiment_id);
    cJSON_AddStringToObject(exp, "name", d->name);
    cJSON_AddStringToObject(exp, "created_at", d->created_at);

    cJSON *opt = cJSON_AddObjectToObject(root, "method");
    add_num(opt, "alpha", a->opts.alpha);
    add_num(opt, "confidence_level", a->opts.level);
    add_num(opt, "accuracy_margin", a->opts.acc_margin);
    cJSON_AddNumberToObject(opt, "min_runs", (double)a->opts.min_runs);
    cJSON_AddStringToObject(opt, "test", "mann-whitney-u");
    cJSON_AddNumberToObject(opt, "exact_up_to_n", STATS_MWU_EXACT_MAX_N);
    cJSON_AddStringToObject(opt, "correction", "holm");
    cJSON_AddNumberToObject(opt, "family_size", (double)a->family_size);
    cJSON_AddStringToObject(opt, "equivalence", "tost-welch");
    cJSON_AddStringToObject(opt, "effect_size", "cliff-delta");
    cJSON_AddStringToObject(opt, "bootstrap", "percentile, stratified");
    cJSON_AddNumberToObject(opt, "bootstrap_resamples", (double)a->opts.resamples);
    cJSON_AddStringToObject(opt, "bootstrap_rng", "gsl mt19937");
    cJSON_AddNumberToObject(opt, "bootstrap_seed", (double)a->opts.seed);
    cJSON *mc = cJSON_AddObjectToObject(opt, "min_cost");
    for (int f = 0; f < STATS_FAMILY_COUNT; f++)
        add_num(mc, stats_cost_family_name((stats_cost_family)f), a->min_cost.family[f]);
    cJSON *over = cJSON_AddObjectToObject(mc, "metrics");
    for (size_t i = 0; i < a->min_cost.n_metric; i++)
        add_num(over, a->min_cost.metric[i].name, a->min_cost.metric[i].value);
    cJSON_AddStringToObject(mc, "source", a->min_cost_source);
    cJSON_AddStringToObject(opt, "cost_test",
                            "one-sided welch on log values against log(1 + min_cost), holm");
    cJSON_AddStringToObject(opt, "cost_test_nodes",
                            "runs from several nodes: the change within each node holding both "
                            "arms, inverse-variance weighted, welch-satterthwaite df; stability "
                            "resampled within node and arm");
    cJSON_AddNumberToObject(opt, "stability_resamples", (double)a->opts.stability_resamples);
    add_num(opt, "stable_share", REPORT_STABLE_SHARE);

    cJSON *energy = cJSON_AddObjectToObject(root, "energy");
    cJSON_AddStringToObject(energy, "methods", a->energy_methods);
    cJSON_AddStringToObject(root, "resource_methods", a->resource_methods);
    cJSON_AddBoolToObject(energy, "estimated", a->energy_estimated);

    cJSON *metrics = cJSON_AddArrayToObject(root, "metrics");
    for (size_t m = 0; m < a->n_metrics; m++) {
        const report_metric_col *col = &a->metrics[m];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", col->name);
        cJSON_AddStringToObject(o, "label", col->label);
        cJSON_AddStringToObject(o, "unit", col->unit);
        cJSON_AddBoolToObject(o, "cost", col->info && col->info->cost);
        cJSON_AddItemToArray(metrics, o);
    }

    cJSON *arms = cJSON_AddArrayToObject(root, "arms");
    for (size_t i = 0; i < d->n_arms; i++) {
        const report_arm *arm = &d->arms[i];
        const report_arm_result *ar = &a->arms[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", arm->name);
        cJSON_AddBoolToObject(o, "baseline", arm->is_baseline);
        cJSON_AddItemToObject(o, "smell", json_string_or_null(arm->smell));
        if (arm->is_baseline)
            cJSON_AddNullToObject(o, "compared_with");
        else
            cJSON_AddStringToObject(o, "compared_with", arm->baseline);
        cJSON_AddNumberToObject(o, "runs", (double)ar->runs);
        cJSON_AddNumberToObject(o, "ok", (double)ar->ok);
        cJSON_AddNumberToObject(o, "failed", (double)ar->failed);
        cJSON_AddStringToObject(o, "energy_method", ar->energy_method);
        cJSON_AddBoolToObject(o, "first_run_effect", ar->first_run_effect);
        cJSON *ms = cJSON_AddObjectToObject(o, "metrics");
        for (size_t m = 0; m < a->n_metrics; m++)
            if (ar->cells[m].s.n)
                cJSON_AddItemToObject(ms, a->metrics[m].name, summary_json(&ar->cells[m]));
        cJSON_AddItemToArray(arms, o);
    }

    cJSON *smells = cJSON_AddArrayToObject(root, "smells");
    for (size_t i = 0; i < a->n_smells; i++) {
        const report_smell_result *s = &a->smells[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "arm", d->arms[s->arm].name);
        cJSON_AddStringToObject(o, "smell", d->arms[s->arm].smell);
        cJSON_AddStringToObject(o, "baseline", d->arms[s->baseline].name);
        cJSON_AddStringToObject(o, "verdict", stats_verdict_id(s->verdict));
        cJSON_AddStringToObject(o, "verdict_label", stats_verdict_name(s->verdict));
        add_num(o, "stability", s->stability);
        cJSON_AddBoolToObject(o, "unstable", s->unstable);
        cJSON_AddBoolToObject(o, "stratified_by_node", s->strata > 0);
        cJSON_AddNumberToObject(o, "strata", (double)s->strata);
        cJSON_AddStringToObject(o, "evidence", s->evidence);
        const char *measures = report_arm_measures(a, s);
        if (measures)
            cJSON_AddStringToObject(o, "measures", measures);
        if (s->has_accuracy) {
            cJSON *acc = cJSON_AddObjectToObject(o, "accuracy");
            add_num(acc, "smell", s->acc_smell);
            add_num(acc, "baseline", s->acc_baseline);
            add_num(acc, "diff", s->tost.diff);
            add_num(acc, "margin", s->tost.margin);
            add_num(acc, "p_lower", s->tost.p_lower);
            add_num(acc, "p_upper", s->tost.p_upper);
            add_num(acc, "p", s->tost.p);
            add_pair(acc, "ci", s->tost.ci_lo, s->tost.ci_hi);
            cJSON_AddBoolToObject(acc, "equivalent", s->tost.equivalent);
        } else {
            cJSON_AddNullToObject(o, "accuracy");
        }
        cJSON *cmp = cJSON_AddArrayToObject(o, "comparisons");
        for (size_t m = 0; m < a->n_metrics; m++)
            cJSON_AddItemToArray(cmp, comparison_json(a, &s->cmp[m]));
        cJSON_AddItemToArray(smells, o);
    }

    /* where the runs ran: always, so that a reader need not guess one node */
    cJSON *nodes = cJSON_AddArrayToObject(root, "nodes");
    for (size_t i = 0; i < a->n_nodes; i++) {
        const report_node *n = &a->nodes[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "hostname", n->hostname);
        cJSON_AddStringToObject(o, "cpu_model", n->cpu_model);
        cJSON_AddStringToObject(o, "gpu_model", n->gpu_model);
        cJSON_AddNumberToObject(o, "runs", (double)n->runs);
        cJSON_AddNumberToObject(o, "ok", (double)n->ok);
        cJSON *per_arm = cJSON_AddObjectToObject(o, "runs_per_arm");
        for (size_t k = 0; k < a->data->n_arms; k++)
            if (n->arm_runs[k])
                cJSON_AddNumberToObject(per_arm, a->data->arms[k].name, (double)n->arm_runs[k]);
        cJSON_AddItemToArray(nodes, o);
    }

    cJSON *warnings = cJSON_AddArrayToObject(root, "warnings");
    for (size_t i = 0; i < a->n_warnings; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", a->warnings[i].id);
        cJSON_AddStringToObject(o, "text", a->warnings[i].text);
        cJSON_AddItemToArray(warnings, o);
    }
    return root;
}

hml_status report_render_json(FILE *out, const report_analysis *a,
                              const report_render_options *opts, hml_err *err)
{
    (void)opts;
    cJSON *root = build(a);
    char *text = escape_json_print(root, true);
    cJSON_Delete(root);
    if (!text)
        return hml_fail(err, HML_ESYSTEM, "json: out of memory");
    fputs(text, out);
    fputc('\n', out);
    cJSON_free(text);
    return HML_OK;
}
