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

static void add_num(bool *ok, cJSON *o, const char *k, double v) { json_put(ok, o, k, num(v)); }

static void add_pair(bool *ok, cJSON *o, const char *k, double lo, double hi)
{
    cJSON *arr = json_put_array(ok, o, k);
    json_append(ok, arr, num(lo));
    json_append(ok, arr, num(hi));
}

static cJSON *summary_json(bool *ok, const report_cell *cell)
{
    cJSON *o = cJSON_CreateObject();
    const stats_summary *s = &cell->s;
    json_put_number(ok, o, "n", (double)s->n);
    add_num(ok, o, "mean", s->mean);
    add_num(ok, o, "sd", s->sd);
    add_num(ok, o, "median", s->median);
    add_num(ok, o, "mad", s->mad);
    add_num(ok, o, "min", s->min);
    add_num(ok, o, "max", s->max);
    add_num(ok, o, "q1", s->q1);
    add_num(ok, o, "q3", s->q3);
    add_pair(ok, o, "ci", s->ci_lo, s->ci_hi);
    add_num(ok, o, "cv", s->cv);
    json_put_number(ok, o, "outliers", (double)cell->outliers);
    json_put_string(ok, o, "method", cell->method);
    return o;
}

static cJSON *comparison_json(bool *ok, const report_analysis *a, const report_comparison *c)
{
    cJSON *o = cJSON_CreateObject();
    json_put_string(ok, o, "metric", a->metrics[c->metric].name);
    json_put_bool(ok, o, "tested", c->tested);
    if (!c->tested)
        return o;
    add_num(ok, o, "diff", c->boot.diff);
    add_pair(ok, o, "diff_ci", c->boot.diff_lo, c->boot.diff_hi);
    add_num(ok, o, "ratio", c->boot.ratio);
    add_pair(ok, o, "ratio_ci", c->boot.ratio_lo, c->boot.ratio_hi);
    /* nodes diff and ratio were resampled within and combined over; absent: pooled */
    if (c->change_strata)
        json_put_number(ok, o, "change_strata", (double)c->change_strata);
    cJSON *mwu = json_put_object(ok, o, "mann_whitney");
    add_num(ok, mwu, "u", c->mwu.u);
    add_num(ok, mwu, "p", c->mwu.p);
    json_put_bool(ok, mwu, "exact", c->mwu.exact);
    json_put_bool(ok, mwu, "ties", c->mwu.ties);
    if (c->stratified) {
        cJSON *ve = json_put_object(ok, o, "van_elteren");
        add_num(ok, ve, "z", c->strata.z);
        add_num(ok, ve, "p", c->strata.p);
        json_put_number(ok, ve, "strata", (double)c->strata.strata);
    }
    /* the test behind p_holm */
    json_put_string(ok, o, "p_holm_test", c->stratified ? "van_elteren" : "mann_whitney");
    cJSON *welch = json_put_object(ok, o, "welch");
    add_num(ok, welch, "t", c->welch.t);
    add_num(ok, welch, "df", c->welch.df);
    add_num(ok, welch, "p", c->welch.p);
    add_num(ok, o, "cliff_delta", c->delta);
    json_put_string(ok, o, "magnitude", stats_magnitude_name(c->magnitude));
    json_put_bool(ok, o, "cost_test", c->in_family);
    add_num(ok, o, "p_holm", c->p_holm);
    json_put_bool(ok, o, "significant", c->significant);
    json_put_bool(ok, o, "worse", c->worse);
    if (c->in_family) {
        static const char *const classes[] = {"above", "unclear", "below"};
        cJSON *m = json_put_object(ok, o, "min_cost_test");
        add_num(ok, m, "min_cost", c->min_cost);
        add_num(ok, m, "change", c->margin.change);
        add_pair(ok, m, "change_ci", c->margin.lo, c->margin.hi);
        add_num(ok, m, "p_over", c->margin.p_over);
        add_num(ok, m, "p_over_holm", c->p_over_holm);
        add_num(ok, m, "p_under", c->margin.p_under);
        json_put_bool(ok, m, "equivalent", c->margin.equivalent);
        /* nodes the change was estimated within and combined over; 0: pooled */
        json_put_number(ok, m, "strata", (double)c->margin_strata);
        json_put_string(ok, m, "class", classes[c->cost_class]);
        if (c->runs_needed)
            json_put_number(ok, m, "runs_needed", (double)c->runs_needed);
        else
            json_put_null(ok, m, "runs_needed");
    }
    add_num(ok, o, "power", c->power);
    if (c->n_for_power)
        json_put_number(ok, o, "n_for_80_power", (double)c->n_for_power);
    else
        json_put_null(ok, o, "n_for_80_power");
    return o;
}

static cJSON *build(bool *ok, const report_analysis *a)
{
    const report_dataset *d = a->data;
    cJSON *root = cJSON_CreateObject();
    json_put_number(ok, root, "schema", 1);
    json_put_string(ok, root, "hmlcost", HMLCOST_VERSION);
    json_put_string(ok, root, "source", d->source);
    cJSON *exp = json_put_object(ok, root, "experiment");
    json_put_string(ok, exp, "id", d->experiment_id);
    json_put_string(ok, exp, "name", d->name);
    json_put_string(ok, exp, "created_at", d->created_at);

    cJSON *opt = json_put_object(ok, root, "method");
    add_num(ok, opt, "alpha", a->opts.alpha);
    add_num(ok, opt, "confidence_level", a->opts.level);
    add_num(ok, opt, "accuracy_margin", a->opts.acc_margin);
    json_put_number(ok, opt, "min_runs", (double)a->opts.min_runs);
    json_put_string(ok, opt, "test", "mann-whitney-u");
    json_put_number(ok, opt, "exact_up_to_n", STATS_MWU_EXACT_MAX_N);
    json_put_string(ok, opt, "correction", "holm");
    json_put_number(ok, opt, "family_size", (double)a->family_size);
    json_put_string(ok, opt, "equivalence", "tost-welch");
    json_put_string(ok, opt, "effect_size", "cliff-delta");
    json_put_string(ok, opt, "bootstrap", "percentile, stratified");
    json_put_number(ok, opt, "bootstrap_resamples", (double)a->opts.resamples);
    json_put_string(ok, opt, "bootstrap_rng", "gsl mt19937");
    json_put_number(ok, opt, "bootstrap_seed", (double)a->opts.seed);
    cJSON *mc = json_put_object(ok, opt, "min_cost");
    for (int f = 0; f < STATS_FAMILY_COUNT; f++)
        add_num(ok, mc, stats_cost_family_name((stats_cost_family)f), a->min_cost.family[f]);
    cJSON *over = json_put_object(ok, mc, "metrics");
    for (size_t i = 0; i < a->min_cost.n_metric; i++)
        add_num(ok, over, a->min_cost.metric[i].name, a->min_cost.metric[i].value);
    json_put_string(ok, mc, "source", a->min_cost_source);
    json_put_string(ok, opt, "cost_test",
                            "one-sided welch on log values against log(1 + min_cost), holm");
    json_put_string(ok, opt, "cost_test_nodes",
                            "runs from several nodes: the change within each node holding both "
                            "arms, inverse-variance weighted, welch-satterthwaite df; stability "
                            "resampled within node and arm");
    json_put_number(ok, opt, "stability_resamples", (double)a->opts.stability_resamples);
    add_num(ok, opt, "stable_share", REPORT_STABLE_SHARE);

    cJSON *energy = json_put_object(ok, root, "energy");
    json_put_string(ok, energy, "methods", a->energy_methods);
    json_put_string(ok, root, "resource_methods", a->resource_methods);
    json_put_bool(ok, energy, "estimated", a->energy_estimated);

    cJSON *metrics = json_put_array(ok, root, "metrics");
    for (size_t m = 0; m < a->n_metrics; m++) {
        const report_metric_col *col = &a->metrics[m];
        cJSON *o = cJSON_CreateObject();
        json_put_string(ok, o, "name", col->name);
        json_put_string(ok, o, "label", col->label);
        json_put_string(ok, o, "unit", col->unit);
        json_put_bool(ok, o, "cost", col->info && col->info->cost);
        json_append(ok, metrics, o);
    }

    cJSON *arms = json_put_array(ok, root, "arms");
    for (size_t i = 0; i < d->n_arms; i++) {
        const report_arm *arm = &d->arms[i];
        const report_arm_result *ar = &a->arms[i];
        cJSON *o = cJSON_CreateObject();
        json_put_string(ok, o, "name", arm->name);
        json_put_bool(ok, o, "baseline", arm->is_baseline);
        json_put(ok, o, "smell", json_string_or_null(arm->smell));
        if (arm->is_baseline)
            json_put_null(ok, o, "compared_with");
        else
            json_put_string(ok, o, "compared_with", arm->baseline);
        json_put_number(ok, o, "runs", (double)ar->runs);
        json_put_number(ok, o, "ok", (double)ar->ok);
        json_put_number(ok, o, "failed", (double)ar->failed);
        json_put_string(ok, o, "energy_method", ar->energy_method);
        json_put_bool(ok, o, "first_run_effect", ar->first_run_effect);
        cJSON *ms = json_put_object(ok, o, "metrics");
        for (size_t m = 0; m < a->n_metrics; m++)
            if (ar->cells[m].s.n)
                json_put(ok, ms, a->metrics[m].name, summary_json(ok, &ar->cells[m]));
        json_append(ok, arms, o);
    }

    cJSON *smells = json_put_array(ok, root, "smells");
    for (size_t i = 0; i < a->n_smells; i++) {
        const report_smell_result *s = &a->smells[i];
        cJSON *o = cJSON_CreateObject();
        json_put_string(ok, o, "arm", d->arms[s->arm].name);
        json_put_string(ok, o, "smell", d->arms[s->arm].smell);
        json_put_string(ok, o, "baseline", d->arms[s->baseline].name);
        json_put_string(ok, o, "verdict", stats_verdict_id(s->verdict));
        json_put_string(ok, o, "verdict_label", stats_verdict_name(s->verdict));
        add_num(ok, o, "stability", s->stability);
        json_put_bool(ok, o, "unstable", s->unstable);
        json_put_bool(ok, o, "stratified_by_node", s->strata > 0);
        json_put_number(ok, o, "strata", (double)s->strata);
        json_put_string(ok, o, "evidence", s->evidence);
        const char *measures = report_arm_measures(a, s);
        if (measures)
            json_put_string(ok, o, "measures", measures);
        if (s->has_accuracy) {
            cJSON *acc = json_put_object(ok, o, "accuracy");
            add_num(ok, acc, "smell", s->acc_smell);
            add_num(ok, acc, "baseline", s->acc_baseline);
            add_num(ok, acc, "diff", s->tost.diff);
            add_num(ok, acc, "margin", s->tost.margin);
            add_num(ok, acc, "p_lower", s->tost.p_lower);
            add_num(ok, acc, "p_upper", s->tost.p_upper);
            add_num(ok, acc, "p", s->tost.p);
            add_pair(ok, acc, "ci", s->tost.ci_lo, s->tost.ci_hi);
            json_put_bool(ok, acc, "equivalent", s->tost.equivalent);
            /* nodes diff was combined over; absent: pooled */
            if (s->tost_strata)
                json_put_number(ok, acc, "strata", (double)s->tost_strata);
        } else {
            json_put_null(ok, o, "accuracy");
        }
        cJSON *cmp = json_put_array(ok, o, "comparisons");
        for (size_t m = 0; m < a->n_metrics; m++)
            json_append(ok, cmp, comparison_json(ok, a, &s->cmp[m]));
        json_append(ok, smells, o);
    }

    /* where the runs ran: always, so that a reader need not guess one node */
    cJSON *nodes = json_put_array(ok, root, "nodes");
    for (size_t i = 0; i < a->n_nodes; i++) {
        const report_node *n = &a->nodes[i];
        cJSON *o = cJSON_CreateObject();
        json_put_string(ok, o, "hostname", n->hostname);
        json_put_string(ok, o, "cpu_model", n->cpu_model);
        json_put_string(ok, o, "gpu_model", n->gpu_model);
        json_put_number(ok, o, "runs", (double)n->runs);
        json_put_number(ok, o, "ok", (double)n->ok);
        cJSON *per_arm = json_put_object(ok, o, "runs_per_arm");
        for (size_t k = 0; k < a->data->n_arms; k++)
            if (n->arm_runs[k])
                json_put_number(ok, per_arm, a->data->arms[k].name, (double)n->arm_runs[k]);
        json_append(ok, nodes, o);
    }

    cJSON *warnings = json_put_array(ok, root, "warnings");
    for (size_t i = 0; i < a->n_warnings; i++) {
        cJSON *o = cJSON_CreateObject();
        json_put_string(ok, o, "kind", a->warnings[i].id);
        json_put_string(ok, o, "text", a->warnings[i].text);
        json_append(ok, warnings, o);
    }
    return root;
}

hml_status report_render_json(FILE *out, const report_analysis *a,
                              const report_render_options *opts, hml_err *err)
{
    (void)opts;
    bool ok = true;
    cJSON *root = build(&ok, a);
    char *text = ok ? escape_json_print(root, true) : NULL;
    cJSON_Delete(root);
    if (!text)
        return hml_fail(err, HML_ESYSTEM, "json: out of memory");
    fputs(text, out);
    fputc('\n', out);
    cJSON_free(text);
    return HML_OK;
}
