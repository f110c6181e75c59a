#include "report/analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "meter/fitness.h"
#include "report/format_util.h"
#include "report/nodes.h"
#include "stats/holm.h"
#include "stats/judge.h"
#include "stats/stratified_change.h"
#include "stats/warnings.h"

#define POWER_TARGET 0.8
#define POWER_MAX_N 10000
/* 1000 resamples put a share near 80 % within about +-1.3 pp (its standard
 * error), enough to tell a stable verdict from an unstable one. */
#define STABILITY_RESAMPLES 1000

void report_options_default(report_options *o)
{
    *o = (report_options){.alpha = 0.05, .level = 0.95, .acc_margin = 0.01,
                          .resamples = STATS_BOOTSTRAP_DEFAULT_RESAMPLES,
                          .seed = STATS_BOOTSTRAP_DEFAULT_SEED, .min_runs = 5,
                          .stability_resamples = STABILITY_RESAMPLES};
}

int report_analysis_metric(const report_analysis *a, const char *name)
{
    for (size_t i = 0; i < a->n_metrics; i++)
        if (strcmp(a->metrics[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int compare_metric_cols(const void *pa, const void *pb)
{
    const report_metric_col *a = pa, *b = pb;
    int ra = report_metric_rank(a->name), rb = report_metric_rank(b->name);
    return ra != rb ? (ra < rb ? -1 : 1) : strcmp(a->name, b->name);
}

/* Every metric name in the data, in report order. exit_code is not a figure,
 * nor are the fitness_* readings of the machine (they feed warnings);
 * grid_intensity and pue are the constants behind co2_g; energy_total_j
 * repeats energy_kwh in J. */
static hml_status collect_metrics(report_analysis *a, hml_err *err)
{
    const report_dataset *d = a->data;
    bool have_kwh = false;
    for (size_t i = 0; i < d->n_arms; i++)
        for (size_t r = 0; r < d->arms[i].n_runs; r++)
            have_kwh |= report_run_metric(&d->arms[i].runs[r], "energy_kwh") != NULL;
    for (size_t i = 0; i < d->n_arms; i++)
        for (size_t r = 0; r < d->arms[i].n_runs; r++) {
            const report_run *run = &d->arms[i].runs[r];
            for (size_t m = 0; m < run->n_metrics; m++) {
                const report_metric *rm = &run->metrics[m];
                if (strcmp(rm->name, "exit_code") == 0 || strncmp(rm->name, "fitness_", 8) == 0 ||
                    strcmp(rm->name, "grid_intensity") == 0 || strcmp(rm->name, "pue") == 0 ||
                    (have_kwh && strcmp(rm->name, "energy_total_j") == 0) ||
                    report_analysis_metric(a, rm->name) >= 0)
                    continue;
                report_metric_col *grown =
                    realloc(a->metrics, (a->n_metrics + 1) * sizeof *grown);
                if (!grown)
                    return hml_fail(err, HML_ESYSTEM, "out of memory");
                a->metrics = grown;
                report_metric_col *c = &a->metrics[a->n_metrics++];
                memset(c, 0, sizeof *c);
                snprintf(c->name, sizeof c->name, "%s", rm->name);
                snprintf(c->unit, sizeof c->unit, "%s", rm->unit);
                c->info = report_metric_lookup(rm->name);
                snprintf(c->label, sizeof c->label, "%s", c->info ? c->info->label : rm->name);
                snprintf(c->display_unit, sizeof c->display_unit, "%s",
                         c->info ? c->info->display_unit : rm->unit);
                c->display_scale = c->info ? c->info->display_scale : 1;
            }
        }
    if (a->n_metrics)
        qsort(a->metrics, a->n_metrics, sizeof *a->metrics, compare_metric_cols);
    return HML_OK;
}

/* The arm's successful runs in run order (sorted by `order`, ties in input
 * order) into rows, which has room for arm->n_runs; returns how many. */
static size_t ok_runs_in_order(const report_arm *arm, const report_run **rows)
{
    size_t n = 0;
    for (size_t r = 0; r < arm->n_runs; r++) {
        if (!report_run_ok(&arm->runs[r]))
            continue;
        size_t k = n++; /* insertion by order keeps ties in input order */
        while (k > 0 && rows[k - 1]->order > arm->runs[r].order) {
            rows[k] = rows[k - 1];
            k--;
        }
        rows[k] = &arm->runs[r];
    }
    return n;
}

/* The values of metric `name` in the arm's successful runs, in run order;
 * *n may be less than the arm's ok runs. When node is not NULL, also the
 * node (index into a->nodes) each ran on (the caller frees both). */
static hml_status arm_values(const report_analysis *a, const report_arm *arm, const char *name,
                             double **out, size_t **node, size_t *n, hml_err *err)
{
    *n = 0;
    size_t cap = arm->n_runs ? arm->n_runs : 1;
    *out = malloc(cap * sizeof **out);
    const report_run **rows = malloc(cap * sizeof *rows);
    size_t *at = node ? malloc(cap * sizeof *at) : NULL;
    if (!*out || !rows || (node && !at)) {
        free(*out);
        free(rows);
        free(at);
        *out = NULL;
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    size_t ok = ok_runs_in_order(arm, rows);
    for (size_t r = 0; r < ok; r++) {
        double v = report_run_metric_or(rows[r], name, NAN);
        if (isnan(v))
            continue;
        (*out)[*n] = v;
        if (at)
            at[*n] = report_nodes_find(a->nodes, a->n_nodes, &rows[r]->host);
        (*n)++;
    }
    free(rows);
    if (node)
        *node = at;
    return HML_OK;
}

static bool is_energy_component(const char *name)
{
    return strcmp(name, "energy_cpu_j") == 0 || strcmp(name, "energy_dram_j") == 0 ||
           strcmp(name, "energy_ram_j") == 0 || strcmp(name, "energy_gpu_j") == 0;
}

/* The methods of an arm's energy figures: the components' when there are
 * any (the total is "derived" from them), else the total's. */
static void arm_energy_method(const report_arm *arm, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int pass = 0; pass < 2 && !buf[0]; pass++)
        for (size_t r = 0; r < arm->n_runs; r++) {
            const report_run *run = &arm->runs[r];
            if (!report_run_ok(run))
                continue;
            for (size_t m = 0; m < run->n_metrics; m++) {
                const char *name = run->metrics[m].name;
                bool take = pass == 0 ? is_energy_component(name)
                                      : strcmp(name, "energy_kwh") == 0 ||
                                            strcmp(name, "energy_total_j") == 0;
                if (take)
                    text_list_add(buf, size, "+", run->metrics[m].method);
            }
        }
}

static hml_status add_warning(report_analysis *a, report_warning_kind kind, const char *id,
                              hml_err *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static hml_status add_warning(report_analysis *a, report_warning_kind kind, const char *id,
                              hml_err *err, const char *fmt, ...)
{
    report_warning *grown = realloc(a->warnings, (a->n_warnings + 1) * sizeof *grown);
    if (!grown)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    a->warnings = grown;
    report_warning *w = &a->warnings[a->n_warnings++];
    w->kind = kind;
    snprintf(w->id, sizeof w->id, "%s", id);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text, sizeof w->text, fmt, ap);
    va_end(ap);
    return HML_OK;
}

/* Per-arm figures and the warnings that concern one arm. */
static hml_status describe_arms(report_analysis *a, hml_err *err)
{
    const report_dataset *d = a->data;
    a->arms = calloc(d->n_arms ? d->n_arms : 1, sizeof *a->arms);
    if (!a->arms)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    for (size_t i = 0; i < d->n_arms; i++) {
        const report_arm *arm = &d->arms[i];
        report_arm_result *ar = &a->arms[i];
        ar->cells = calloc(a->n_metrics ? a->n_metrics : 1, sizeof *ar->cells);
        if (!ar->cells)
            return hml_fail(err, HML_ESYSTEM, "out of memory");
        ar->runs = arm->n_runs;
        char reasons[256] = "";
        for (size_t r = 0; r < arm->n_runs; r++) {
            if (report_run_ok(&arm->runs[r])) {
                ar->ok++;
            } else {
                ar->failed++;
                char what[300];
                snprintf(what, sizeof what, "%s%s%s", arm->runs[r].status,
                         arm->runs[r].reason[0] ? ": " : "", arm->runs[r].reason);
                text_list_add(reasons, sizeof reasons, "; ", what);
            }
        }
        arm_energy_method(arm, ar->energy_method, sizeof ar->energy_method);
        hml_status st = HML_OK;
        if (ar->failed)
            st = add_warning(a, REPORT_WARN_FAILED_RUNS, "failed-runs", err,
                             "%s: %zu of %zu runs did not succeed (%s); only the %zu successful "
                             "runs enter the statistics",
                             arm->name, ar->failed, ar->runs, reasons, ar->ok);
        if (st == HML_OK && ar->ok < a->opts.min_runs)
            st = add_warning(a, REPORT_WARN_TOO_FEW_RUNS, "too-few-runs", err,
                             "%s: %zu successful runs, fewer than the %zu a verdict needs; "
                             "run more (hmlcost run resumes an experiment)",
                             arm->name, ar->ok, a->opts.min_runs);
        char outliers[512] = "", noisy[512] = "";
        for (size_t m = 0; st == HML_OK && m < a->n_metrics; m++) {
            const report_metric_col *col = &a->metrics[m];
            report_cell *cell = &ar->cells[m];
            double *v = NULL;
            size_t n = 0;
            if ((st = arm_values(a, arm, col->name, &v, NULL, &n, err)) != HML_OK)
                break;
            st = stats_describe(v, n, a->opts.level, &cell->s, err);
            if (st == HML_OK)
                st = stats_count_outliers(v, n, STATS_OUTLIER_Z, &cell->outliers, err);
            for (size_t r = 0; r < arm->n_runs; r++) {
                const report_metric *rm = report_run_ok(&arm->runs[r])
                                              ? report_run_metric(&arm->runs[r], col->name)
                                              : NULL;
                if (rm)
                    text_list_add(cell->method, sizeof cell->method, ",", rm->method);
            }
            bool watched = col->info && (col->info->cost || strcmp(col->name, "accuracy") == 0);
            char item[128];
            if (watched && n >= 5 && cell->outliers) {
                snprintf(item, sizeof item, "%s (%zu of %zu runs)", col->label, cell->outliers, n);
                text_list_add(outliers, sizeof outliers, ", ", item);
            }
            if (watched && cell->s.cv > STATS_HIGH_CV) {
                snprintf(item, sizeof item, "%s (%.0f %%)", col->label, 100 * cell->s.cv);
                text_list_add(noisy, sizeof noisy, ", ", item);
            }
            if (st == HML_OK && strcmp(col->name, "wall_s") == 0) {
                st = stats_first_run_effect(v, n, &ar->first_run_effect, err);
                if (st == HML_OK && ar->first_run_effect) {
                    /* After warm-up runs, cold caches alone do not explain it. */
                    char why[192];
                    if (d->warmup_runs <= 0)
                        snprintf(why, sizeof why, ": caches were cold; use --warmup 1");
                    else
                        snprintf(why, sizeof why,
                                 " even after %ld warm-up run%s: other load at that moment, or "
                                 "a cold start of this arm's own; add a --cooldown or more "
                                 "--warmup, or rerun",
                                 d->warmup_runs, d->warmup_runs == 1 ? "" : "s");
                    st = add_warning(a, REPORT_WARN_FIRST_RUN, "first-run", err,
                                     "%s: the first run was much slower than the others "
                                     "(%.3g s vs a median of %.3g s)%s",
                                     arm->name, v[0], cell->s.median, why);
                }
            }
            free(v);
        }
        if (st == HML_OK && outliers[0])
            st = add_warning(a, REPORT_WARN_OUTLIERS, "outliers", err,
                             "%s: outliers (modified z-score > 3.5) in %s; look for other load, "
                             "throttling or a cold start, or rerun",
                             arm->name, outliers);
        if (st == HML_OK && noisy[0])
            st = add_warning(a, REPORT_WARN_HIGH_VARIANCE, "high-variance", err,
                             "%s: high variance (coefficient of variation > %.0f %%) in %s; the "
                             "machine is noisy: more runs, a cool-down between runs, or a quieter "
                             "machine",
                             arm->name, 100 * STATS_HIGH_CV, noisy);
        if (st != HML_OK)
            return st;
    }
    return HML_OK;
}

/* Runs from several nodes: node as a block, so that a node faster than
 * another does not count for or against the smell. Without a node holding
 * both arms there is nothing to compare within a node: the pooled test
 * stays (and the mixed-nodes warning says why). */
static hml_status stratified_test(const double *x, const size_t *x_node, size_t nx,
                                  const double *y, const size_t *y_node, size_t ny,
                                  report_comparison *c, hml_err *err)
{
    hml_status st = stats_van_elteren_test(x, x_node, nx, y, y_node, ny, &c->strata, err);
    if (st == HML_EUSAGE) {
        hml_err_clear(err);
        return HML_OK;
    }
    c->stratified = st == HML_OK;
    return st;
}

/* The table's change: within nodes and combined when the values come from
 * several nodes and one holds both arms, the condition under which the
 * verdict's tests are stratified, so that the table and the verdict read the
 * same comparison; else the pooled runs'. */
static hml_status table_change(const report_analysis *a, const double *x, const size_t *x_node,
                               size_t nx, const double *y, const size_t *y_node, size_t ny,
                               report_comparison *c, hml_err *err)
{
    if (a->n_nodes > 1 && stats_from_several_nodes(x_node, nx, y_node, ny)) {
        hml_status st = stats_bootstrap_means_by_node(x, x_node, nx, y, y_node, ny,
                                                      a->opts.resamples, a->opts.seed,
                                                      a->opts.level, &c->boot, &c->change_strata,
                                                      err);
        if (st != HML_OK || c->change_strata)
            return st;
    }
    return stats_bootstrap_means(x, nx, y, ny, a->opts.resamples, a->opts.seed, a->opts.level,
                                 &c->boot, err);
}

static hml_status compare_metric(report_analysis *a, const report_arm *smell,
                                 const report_arm *base, size_t metric, report_comparison *c,
                                 hml_err *err)
{
    const report_metric_col *col = &a->metrics[metric];
    *c = (report_comparison){.metric = metric, .p_holm = NAN, .delta = NAN, .power = NAN,
                             .min_cost = NAN, .p_over_holm = NAN};
    double *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0, *x_node = NULL, *y_node = NULL;
    hml_status st = arm_values(a, smell, col->name, &x, &x_node, &nx, err);
    if (st == HML_OK)
        st = arm_values(a, base, col->name, &y, &y_node, &ny, err);
    if (st == HML_OK && nx >= 2 && ny >= 2) {
        c->tested = true;
        st = table_change(a, x, x_node, nx, y, y_node, ny, c, err);
        if (st == HML_OK)
            st = stats_mann_whitney(x, nx, y, ny, &c->mwu, err);
        if (st == HML_OK && a->n_nodes > 1)
            st = stratified_test(x, x_node, nx, y, y_node, ny, c, err);
        if (st == HML_OK)
            st = stats_welch_test(x, nx, y, ny, &c->welch, err);
        c->delta = stats_cliff_delta(x, nx, y, ny);
        c->magnitude = stats_cliff_magnitude(c->delta);
        if (st == HML_OK) {
            stats_summary sx, sy;
            st = stats_describe(x, nx, a->opts.level, &sx, err);
            if (st == HML_OK)
                st = stats_describe(y, ny, a->opts.level, &sy, err);
            if (st == HML_OK) {
                c->power = stats_welch_power(c->welch.diff, sx.sd, sy.sd, nx, ny, a->opts.alpha);
                c->n_for_power = stats_welch_n_for_power(c->welch.diff, sx.sd, sy.sd,
                                                         a->opts.alpha, POWER_TARGET, POWER_MAX_N);
            }
        }
    }
    free(x);
    free(y);
    free(x_node);
    free(y_node);
    return st;
}

/* "peak RSS", "energy and CO2" (CO2 is energy times a constant: it moves
 * with energy, so the verdict names both) */
static void cost_label(const report_analysis *a, const report_comparison *c, char *buf,
                       size_t size)
{
    const report_metric_col *col = &a->metrics[c->metric];
    bool with_co2 = strcmp(col->name, "energy_kwh") == 0 && report_analysis_metric(a, "co2_g") >= 0;
    snprintf(buf, size, "%s%s", col->label, with_co2 ? " and CO2" : "");
}

/* "+0.20 % peak RSS [+0.10 %, +0.29 %]": the change the verdict judged (ratio
 * of geometric means) with its (1 - 2 alpha) interval. */
static void describe_change(const report_analysis *a, const report_comparison *c, char *buf,
                            size_t size)
{
    char label[64], mid[24], lo[24], hi[24];
    cost_label(a, c, label, sizeof label);
    report_fmt_ratio_pct(1 + c->margin.change, mid, sizeof mid);
    report_fmt_ratio_pct(1 + c->margin.lo, lo, sizeof lo);
    report_fmt_ratio_pct(1 + c->margin.hi, hi, sizeof hi);
    snprintf(buf, size, "%s %s [%s, %s]", mid, label, lo, hi);
}

/* "2 %", "0.5 %" */
static void fmt_threshold(double t, char *buf, size_t size)
{
    snprintf(buf, size, "%.3g %%", 100 * t);
}

/* "+23 % energy and CO2 [+18 %, +29 %], above the 2 % of interest (p = 0.0002, Holm)" */
static void describe_above(const report_analysis *a, const report_comparison *c, char *buf,
                           size_t size)
{
    char change[160], t[16], p[32];
    describe_change(a, c, change, sizeof change);
    fmt_threshold(c->min_cost, t, sizeof t);
    report_fmt_p(c->p_over_holm, p, sizeof p);
    snprintf(buf, size, "%s, above the %s of interest (p %s%s, Holm)", change, t,
             p[0] == '<' ? "" : "= ", p);
}

static void describe_accuracy(const report_analysis *a, const report_smell_result *s, char *buf,
                              size_t size)
{
    double margin_pp = a->opts.acc_margin * 100;
    if (!s->has_accuracy) {
        snprintf(buf, size, "accuracy not recorded");
        return;
    }
    double sm = 100 * s->acc_smell, bm = 100 * s->acc_baseline;
    if (s->tost.equivalent)
        snprintf(buf, size, "accuracy %.1f %% vs %.1f %%, equivalent within %g pp", sm, bm,
                 margin_pp);
    else if (fabs(s->tost.diff) >= a->opts.acc_margin)
        snprintf(buf, size,
                 "accuracy %.1f %% vs %.1f %% (%+.1f pp%s), not equivalent within %g pp", sm, bm,
                 100 * s->tost.diff, s->tost_strata ? " within nodes" : "", margin_pp);
    else
        snprintf(buf, size,
                 "accuracy %.1f %% vs %.1f %%, equivalence within %g pp not shown "
                 "(%.0f %% CI of the difference %+.1f to %+.1f pp)",
                 sm, bm, margin_pp, 100 * (1 - 2 * a->opts.alpha), 100 * s->tost.ci_lo,
                 100 * s->tost.ci_hi);
}

/* The largest cost that differs from the baseline (the rank test, Holm)
 * yet is shown below its threshold: what the old rule called a cost. */
static const report_comparison *largest_small_cost(const report_analysis *a,
                                                   const report_smell_result *s)
{
    const report_comparison *small = NULL;
    for (size_t m = 0; m < a->n_metrics; m++) {
        const report_comparison *c = &s->cmp[m];
        if (c->in_family && c->significant && c->cost_class == STATS_COST_BELOW &&
            c->margin.change > 0 && (!small || c->margin.change > small->margin.change))
            small = c;
    }
    return small;
}

/* "+0.20 % peak RSS [+0.19 %, +0.21 %] is below the 2 % of interest" */
static void describe_below(const report_analysis *a, const report_comparison *c, char *buf,
                           size_t size)
{
    char change[160], t[16];
    describe_change(a, c, change, sizeof change);
    fmt_threshold(c->min_cost, t, sizeof t);
    snprintf(buf, size, "%s is below the %s of interest", change, t);
}

/* NO COST's evidence: the largest cost that differs from the baseline but
 * stays below its threshold, then the costs shown equivalent to it. */
static void describe_no_cost(const report_analysis *a, const report_smell_result *s,
                             const char *acc, char *e, size_t size)
{
    const report_comparison *small = largest_small_cost(a, s);
    char equivalent[256] = "", other[256] = "";
    double t_equiv = NAN;
    bool same_t = true;
    for (size_t m = 0; m < a->n_metrics; m++) {
        const report_comparison *c = &s->cmp[m];
        if (!c->in_family)
            continue;
        char label[64];
        cost_label(a, c, label, sizeof label);
        if (c->margin.equivalent) {
            text_list_add(equivalent, sizeof equivalent, ", ", label);
            same_t &= isnan(t_equiv) || t_equiv == c->min_cost;
            t_equiv = c->min_cost;
        } else if (c != small) {
            char one[160];
            describe_change(a, c, one, sizeof one);
            text_list_add(other, sizeof other, "; ", one);
        }
    }
    size_t used = 0;
    e[0] = '\0';
    if (small) {
        char below[256];
        describe_below(a, small, below, sizeof below);
        used += (size_t)snprintf(e, size, "%s; ", below);
    }
    if (equivalent[0] && used < size) {
        char t[16];
        fmt_threshold(t_equiv, t, sizeof t);
        used += (size_t)snprintf(e + used, size - used, "equivalent within %s%s: %s; ",
                                 same_t ? "±" : "their thresholds", same_t ? t : "", equivalent);
    }
    if (other[0] && used < size)
        used += (size_t)snprintf(e + used, size - used, "below the threshold: %s; ", other);
    if (used < size)
        snprintf(e + used, size - used, "%s", acc);
}

/* INCONCLUSIVE for want of runs: the cost that is neither above nor below
 * its threshold, with the runs that would likely decide it. */
static void describe_unclear(const report_analysis *a, const report_smell_result *s,
                             const char *acc, char *e, size_t size)
{
    const report_comparison *u = NULL;
    for (size_t m = 0; m < a->n_metrics; m++) {
        const report_comparison *c = &s->cmp[m];
        if (c->in_family && c->cost_class == STATS_COST_UNCLEAR &&
            (!u || c->margin.change - c->min_cost > u->margin.change - u->min_cost))
            u = c;
    }
    if (!u) {
        snprintf(e, size, "a cost neither above nor below its threshold; run more; %s", acc);
        return;
    }
    char change[160], t[16], need[96];
    describe_change(a, u, change, sizeof change);
    fmt_threshold(u->min_cost, t, sizeof t);
    const report_arm_result *arm = &a->arms[s->arm], *base = &a->arms[s->baseline];
    if (u->margin.lo > u->min_cost)
        snprintf(need, sizeof need, "above it, but not after Holm across %zu tests",
                 a->family_size);
    else if (u->runs_needed)
        snprintf(need, sizeof need, "about %zu runs per arm would likely decide it",
                 u->runs_needed);
    else
        snprintf(need, sizeof need, "no practical number of runs would decide it");
    char below[256] = "";
    const report_comparison *small = largest_small_cost(a, s);
    if (small) {
        describe_below(a, small, below + 2, sizeof below - 2);
        below[0] = ';';
        below[1] = ' ';
    }
    snprintf(e, size, "%s straddles the %s of interest (%zu and %zu runs): %s; run more%s; %s",
             change, t, arm->ok, base->ok, need, below, acc);
}

/* The verdict's one line of evidence. */
static void write_evidence(const report_analysis *a, report_smell_result *s)
{
    char costs[768] = "", acc[256];
    describe_accuracy(a, s, acc, sizeof acc);
    /* energy first (the study's headline), then the report's order */
    int energy = report_analysis_metric(a, "energy_kwh");
    for (size_t k = 0; k <= a->n_metrics; k++) {
        size_t m = k == 0 ? (size_t)energy : k - 1;
        if ((k == 0 && energy < 0) || (k > 0 && (int)m == energy))
            continue;
        const report_comparison *c = &s->cmp[m];
        if (c->in_family && c->worse) {
            char one[256];
            describe_above(a, c, one, sizeof one);
            text_list_add(costs, sizeof costs, "; ", one);
        }
    }
    const report_arm_result *arm = &a->arms[s->arm], *base = &a->arms[s->baseline];
    char *e = s->evidence;
    size_t size = sizeof s->evidence;
    switch (s->reason) {
    case STATS_REASON_TOO_FEW_RUNS:
        snprintf(e, size, "%zu and %zu successful runs (smell, baseline); a verdict needs %zu each",
                 arm->ok, base->ok, a->opts.min_runs);
        break;
    case STATS_REASON_NO_COST_METRICS:
        snprintf(e, size, "no cost metric (time, memory, energy, CO2) varies in both arms");
        break;
    case STATS_REASON_ACCURACY_CHANGED:
        snprintf(e, size, "%s%s%s", acc, costs[0] ? "; " : "", costs);
        break;
    case STATS_REASON_NOTHING_WORSE:
        describe_no_cost(a, s, acc, e, size);
        break;
    case STATS_REASON_COST_UNCLEAR:
        describe_unclear(a, s, acc, e, size);
        break;
    case STATS_REASON_NO_ACCURACY:
        snprintf(e, size, "%s; accuracy not recorded, so whether the cost is hidden is unknown",
                 costs);
        break;
    case STATS_REASON_ACCURACY_UNCLEAR:
    case STATS_REASON_COST_HIDDEN:
    case STATS_REASON_NONE:
        snprintf(e, size, "%s; %s", costs, acc);
        break;
    }
    if (s->strata && s->reason != STATS_REASON_TOO_FEW_RUNS) {
        char strata[80];
        text_format(strata, sizeof strata, "stratified by node (%zu node%s holding both arms)",
                    s->strata, s->strata == 1 ? "" : "s");
        text_list_add(e, size, "; ", strata);
    }
}

static hml_status low_power_warnings(report_analysis *a, const report_smell_result *s,
                                     hml_err *err)
{
    const char *name = a->data->arms[s->arm].name;
    for (size_t m = 0; m < a->n_metrics; m++) {
        const report_comparison *c = &s->cmp[m];
        if (!c->in_family || c->significant || !(c->delta > 0) ||
            c->magnitude == STATS_NEGLIGIBLE || !(c->power < POWER_TARGET))
            continue;
        char change[96], need[64];
        report_fmt_change(a, c, change, sizeof change);
        if (c->n_for_power)
            snprintf(need, sizeof need, "about %zu runs per arm would give 80 %%", c->n_for_power);
        else
            snprintf(need, sizeof need, "no practical n would give 80 %%");
        hml_status st = add_warning(
            a, REPORT_WARN_LOW_POWER, "low-power", err,
            "%s, %s: %s is not significant, and at this n the test has only %.0f %% power for a "
            "difference this size; %s",
            name, a->metrics[m].label, change, 100 * c->power, need);
        if (st != HML_OK)
            return st;
    }
    return HML_OK;
}

static hml_status energy_warnings(report_analysis *a, hml_err *err)
{
    for (size_t i = 0; i < a->data->n_arms; i++) {
        const char *methods = a->arms[i].energy_method;
        char copy[192];
        snprintf(copy, sizeof copy, "%s", methods);
        for (char *save = NULL, *m = strtok_r(copy, "+", &save); m; m = strtok_r(NULL, "+", &save))
            text_list_add(a->energy_methods, sizeof a->energy_methods, ", ", m);
    }
    if (strstr(a->energy_methods, "estimate:")) {
        a->energy_estimated = true;
        char estimates[256] = "", copy[256];
        snprintf(copy, sizeof copy, "%s", a->energy_methods);
        for (char *save = NULL, *m = strtok_r(copy, ", ", &save); m;
             m = strtok_r(NULL, ", ", &save))
            if (strncmp(m, "estimate:", 9) == 0)
                text_list_add(estimates, sizeof estimates, ", ", m);
        hml_status st = add_warning(
            a, REPORT_WARN_ENERGY_ESTIMATED, "energy-estimated", err,
            "energy is partly or wholly estimated, not measured (%s): an estimate follows CPU "
            "time or memory, so it shows differences between arms but not true energy; "
            "measure with RAPL or NVML for absolute figures",
            estimates);
        if (st != HML_OK)
            return st;
    }
    if (strstr(a->energy_methods, "codecarbon"))
        return add_warning(a, REPORT_WARN_ENERGY_UNKNOWN, "energy-method-unknown", err,
                           "energy figures come from CodeCarbon, whose emissions.csv does not "
                           "say whether they were measured (RAPL) or estimated (TDP)");
    return HML_OK;
}

/* The machine around each successful run (meter/fitness.h): one warning per
 * kind of trouble, naming the runs ("baseline #12"). */
static hml_status fitness_warnings(report_analysis *a, hml_err *err)
{
    char busy[480] = "", swapped[480] = "", throttled[480] = "";
    for (size_t i = 0; i < a->data->n_arms; i++) {
        const report_arm *arm = &a->data->arms[i];
        for (size_t r = 0; r < arm->n_runs; r++) {
            const report_run *run = &arm->runs[r];
            if (!report_run_ok(run))
                continue;
            char name[140];
            snprintf(name, sizeof name, "%s #%s", arm->name, run->id);
            double wall = report_run_metric_or(run, "wall_s", 0);
            double own = wall > 0 ? report_run_metric_or(run, "cpu_s", 0) / wall : 0;
            if (fitness_busy(own, report_run_metric_or(run, "fitness_other_cpu", 0),
                             report_run_metric_or(run, "fitness_cpus", 0)))
                text_list_add(busy, sizeof busy, ", ", name);
            if (report_run_metric_or(run, "fitness_swap_pages", 0) > 0)
                text_list_add(swapped, sizeof swapped, ", ", name);
            if (report_run_metric_or(run, "fitness_throttle_events", 0) > 0)
                text_list_add(throttled, sizeof throttled, ", ", name);
        }
    }
    hml_status st = HML_OK;
    if (busy[0])
        st = add_warning(a, REPORT_WARN_UNFIT_MACHINE, "busy-machine", err,
                         "measured while the machine was busy (the CPUs the run could use were "
                         "%.0f %%+ in use, other processes taking %.0f %%+ of them): %s; their "
                         "time and energy include the contention: rerun them on a quiet machine",
                         100 * FITNESS_FULL, 100 * FITNESS_OTHERS, busy);
    if (st == HML_OK && swapped[0])
        st = add_warning(a, REPORT_WARN_UNFIT_MACHINE, "swapping", err,
                         "measured while the machine was swapping: %s; their time includes "
                         "paging: free memory, then rerun them",
                         swapped);
    if (st == HML_OK && throttled[0])
        st = add_warning(a, REPORT_WARN_UNFIT_MACHINE, "throttled", err,
                         "measured while the CPU was thermally throttled: %s; their time and "
                         "energy depend on the temperature: let the machine cool, then rerun them",
                         throttled);
    return st;
}

/* CPU time and memory accounted by a cgroup, or sampled from /proc, are
 * different quantities: a comparison across methods compares methods. */
static bool is_resource_metric(const char *name)
{
    return strcmp(name, "cpu_s") == 0 || strcmp(name, "user_s") == 0 ||
           strcmp(name, "sys_s") == 0 || strcmp(name, "peak_rss_bytes") == 0;
}

static hml_status method_warnings(report_analysis *a, hml_err *err)
{
    for (size_t m = 0; m < a->n_metrics; m++) {
        if (!is_resource_metric(a->metrics[m].name))
            continue;
        for (size_t i = 0; i < a->data->n_arms; i++) {
            char copy[sizeof a->arms[i].cells[m].method];
            snprintf(copy, sizeof copy, "%s", a->arms[i].cells[m].method);
            for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
                 t = strtok_r(NULL, ",", &save))
                text_list_add(a->resource_methods, sizeof a->resource_methods, ", ", t);
        }
    }
    for (size_t i = 0; i < a->n_smells; i++) {
        const report_smell_result *s = &a->smells[i];
        char which[400] = "";
        for (size_t m = 0; m < a->n_metrics; m++) {
            if (!is_resource_metric(a->metrics[m].name))
                continue;
            const char *mine = a->arms[s->arm].cells[m].method;
            const char *theirs = a->arms[s->baseline].cells[m].method;
            if (!mine[0] || !theirs[0] ||
                (strcmp(mine, theirs) == 0 && !strchr(mine, ',')))
                continue;
            char item[400];
            snprintf(item, sizeof item, "%s (%s vs %s)", a->metrics[m].label, mine, theirs);
            text_list_add(which, sizeof which, ", ", item);
        }
        if (!which[0])
            continue;
        hml_status st = add_warning(
            a, REPORT_WARN_METHOD_MISMATCH, "method-mismatch", err,
            "%s vs %s: measured by different methods: %s; such figures are not comparable: "
            "run both arms on one machine with the same --accounting",
            a->data->arms[s->arm].name, a->data->arms[s->baseline].name, which);
        if (st != HML_OK)
            return st;
    }
    return HML_OK;
}

/* A warning for each pair of compared arms that ran on different hardware
 * or on different nodes. */
static hml_status node_warnings(report_analysis *a, hml_err *err)
{
    hml_status st = HML_OK;
    for (size_t i = 0; st == HML_OK && i < a->n_smells; i++) {
        const report_arm *arm = &a->data->arms[a->smells[i].arm];
        const report_arm *base = &a->data->arms[a->smells[i].baseline];
        char where[1200];
        switch (report_nodes_compare(arm, base, where, sizeof where)) {
        case REPORT_NODES_SAME: break;
        case REPORT_NODES_OTHER_HARDWARE:
            st = add_warning(a, REPORT_WARN_MIXED_HARDWARE, "mixed-hardware", err,
                             "%s vs %s: ran on different hardware: %s; such figures are not "
                             "comparable: run both arms on the same nodes, or read a node that ran "
                             "both with --node", arm->name, base->name, where);
            break;
        case REPORT_NODES_OTHER_NODES:
            st = add_warning(a, REPORT_WARN_MIXED_NODES, "mixed-nodes", err,
                             "%s vs %s: ran on different nodes: %s; node-to-node differences "
                             "count as the smell's cost: run both arms on the same nodes, or "
                             "read a node that ran both with --node", arm->name, base->name, where);
            break;
        }
    }
    return st;
}

static hml_status analyze_smells(report_analysis *a, hml_err *err)
{
    const report_dataset *d = a->data;
    size_t treated = 0;
    for (size_t i = 0; i < d->n_arms; i++)
        treated += d->arms[i].baseline_index >= 0;
    a->smells = calloc(treated ? treated : 1, sizeof *a->smells);
    if (!a->smells)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    for (size_t i = 0; i < d->n_arms; i++) {
        if (d->arms[i].baseline_index < 0)
            continue;
        report_smell_result *s = &a->smells[a->n_smells++];
        s->arm = i;
        s->baseline = (size_t)d->arms[i].baseline_index;
        s->cmp = calloc(a->n_metrics ? a->n_metrics : 1, sizeof *s->cmp);
        if (!s->cmp)
            return hml_fail(err, HML_ESYSTEM, "out of memory");
        for (size_t m = 0; m < a->n_metrics; m++) {
            hml_status st = compare_metric(a, &d->arms[i], &d->arms[s->baseline], m, &s->cmp[m],
                                           err);
            if (st != HML_OK)
                return st;
            a->stratified_changes += s->cmp[m].change_strata > 0;
        }
    }
    return HML_OK;
}

/* Holm across every smell x cost-metric test of the report. */
static hml_status correct_family(report_analysis *a, hml_err *err)
{
    size_t m = 0;
    for (size_t i = 0; i < a->n_smells; i++)
        for (size_t k = 0; k < a->n_metrics; k++)
            m += a->smells[i].cmp[k].in_family;
    a->family_size = m;
    if (m == 0)
        return HML_OK;
    double *p = malloc(m * sizeof *p);
    if (!p)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    size_t j = 0;
    for (size_t i = 0; i < a->n_smells; i++)
        for (size_t k = 0; k < a->n_metrics; k++)
            if (a->smells[i].cmp[k].in_family) {
                const report_comparison *c = &a->smells[i].cmp[k];
                p[j++] = c->stratified ? c->strata.p : c->mwu.p;
                a->stratified_tests += c->stratified;
            }
    hml_status st = stats_holm(p, m, p, err);
    j = 0;
    for (size_t i = 0; st == HML_OK && i < a->n_smells; i++)
        for (size_t k = 0; k < a->n_metrics; k++) {
            report_comparison *c = &a->smells[i].cmp[k];
            if (!c->in_family)
                continue;
            c->p_holm = p[j++];
            c->significant = c->p_holm < a->opts.alpha;
        }
    free(p);
    return st;
}

/* The smallest cost of interest: the default, then the plan's, then the
 * user's --min-cost on top. */
static hml_status resolve_min_cost(report_analysis *a, hml_err *err)
{
    stats_min_cost_default(&a->min_cost);
    snprintf(a->min_cost_source, sizeof a->min_cost_source, "default");
    if (a->data->min_cost[0]) {
        hml_status st = stats_min_cost_parse(&a->min_cost, a->data->min_cost, err);
        if (st != HML_OK)
            return hml_wrap(err, "the plan's smallest cost of interest");
        snprintf(a->min_cost_source, sizeof a->min_cost_source, "plan");
    }
    if (a->opts.min_cost) {
        hml_status st = stats_min_cost_parse(&a->min_cost, a->opts.min_cost, err);
        if (st != HML_OK)
            return st;
        snprintf(a->min_cost_source, sizeof a->min_cost_source, "%s",
                 a->data->min_cost[0] ? "plan + command line" : "command line");
    }
    return HML_OK;
}

/* One arm's successful runs as stats_judge reads them: a row per run in run
 * order, a column per report metric, NaN where a run lacks the metric; with
 * runs from several nodes, each row's node (index into a->nodes), else NULL. */
static hml_status run_table(const report_analysis *a, const report_arm *arm, double **out,
                            size_t **node, size_t *n_rows, hml_err *err)
{
    size_t w = a->n_metrics ? a->n_metrics : 1, cap = arm->n_runs ? arm->n_runs : 1;
    const report_run **rows = malloc(cap * sizeof *rows);
    *out = malloc(cap * w * sizeof **out);
    *node = a->n_nodes > 1 ? malloc(cap * sizeof **node) : NULL;
    if (!rows || !*out || (a->n_nodes > 1 && !*node)) {
        free(rows);
        free(*out);
        free(*node);
        *out = NULL;
        *node = NULL;
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    }
    size_t n = ok_runs_in_order(arm, rows);
    for (size_t r = 0; r < n; r++) {
        for (size_t m = 0; m < a->n_metrics; m++)
            (*out)[r * w + m] = report_run_metric_or(rows[r], a->metrics[m].name, NAN);
        if (*node)
            (*node)[r] = report_nodes_find(a->nodes, a->n_nodes, &rows[r]->host);
    }
    free(rows);
    *n_rows = n;
    return HML_OK;
}

/* min_cost: each metric's smallest cost of interest, as the judgement used it. */
static void take_judgement(report_analysis *a, report_smell_result *s,
                           const stats_judged_smell *j, const double *min_cost)
{
    s->verdict = j->verdict;
    s->reason = j->reason;
    s->has_accuracy = j->has_accuracy;
    int acc = report_analysis_metric(a, "accuracy");
    if (j->has_accuracy && acc >= 0) {
        s->tost = j->tost;
        s->tost_strata = j->tost_strata;
        if (j->tost_strata > s->strata)
            s->strata = j->tost_strata;
        s->acc_smell = a->arms[s->arm].cells[acc].s.mean;
        s->acc_baseline = a->arms[s->baseline].cells[acc].s.mean;
    }
    for (size_t m = 0; m < a->n_metrics; m++) {
        report_comparison *c = &s->cmp[m];
        const stats_judged_cost *jc = &j->costs[m];
        c->in_family = jc->tested;
        c->p_holm = NAN;
        c->min_cost = min_cost[m];
        if (!jc->tested)
            continue;
        c->margin = jc->margin;
        c->margin_strata = jc->strata;
        if (jc->strata > s->strata)
            s->strata = jc->strata;
        c->p_over_holm = jc->p_over_holm;
        c->cost_class = jc->cls;
        c->worse = jc->cls == STATS_COST_ABOVE;
        c->runs_needed = jc->cls == STATS_COST_UNCLEAR
                             ? stats_cost_margin_runs_needed_at(&jc->margin,
                                                                jc->change.runs_per_arm,
                                                                a->opts.alpha, POWER_MAX_N)
                             : 0;
    }
    a->stratified_verdicts += s->strata > 0;
    a->stratified_tosts += s->tost_strata > 0;
}

/* The verdicts (stats_judge over every arm's runs) and how often bootstrap
 * resamples of the runs repeat them. */
static hml_status judge_smells(report_analysis *a, hml_err *err)
{
    const report_dataset *d = a->data;
    size_t w = a->n_metrics, ns = a->n_smells;
    stats_run_table *tables = calloc(d->n_arms ? d->n_arms : 1, sizeof *tables);
    double *min_cost = malloc((w ? w : 1) * sizeof *min_cost);
    size_t *smell_arm = malloc((ns ? ns : 1) * sizeof *smell_arm);
    size_t *base_arm = malloc((ns ? ns : 1) * sizeof *base_arm);
    stats_judged_smell *judged = calloc(ns ? ns : 1, sizeof *judged);
    size_t slots = ns * w;
    stats_judged_cost *costs = calloc(slots ? slots : 1, sizeof *costs);
    stats_verdict *verdicts = malloc((ns ? ns : 1) * sizeof *verdicts);
    double *share = malloc((ns ? ns : 1) * sizeof *share);
    hml_status st = HML_OK;
    if (!tables || !min_cost || !smell_arm || !base_arm || !judged || !costs || !verdicts ||
        !share)
        st = hml_fail(err, HML_ESYSTEM, "out of memory");
    for (size_t i = 0; st == HML_OK && i < d->n_arms; i++) {
        double *v = NULL;
        size_t *node = NULL;
        st = run_table(a, &d->arms[i], &v, &node, &tables[i].n_runs, err);
        tables[i].v = v;
        tables[i].node = node;
    }
    for (size_t m = 0; st == HML_OK && m < w; m++) {
        const report_metric_col *col = &a->metrics[m];
        min_cost[m] = col->info && col->info->cost ? stats_min_cost_for(&a->min_cost, col->name)
                                                   : NAN;
    }
    for (size_t i = 0; st == HML_OK && i < ns; i++) {
        smell_arm[i] = a->smells[i].arm;
        base_arm[i] = a->smells[i].baseline;
        judged[i].costs = &costs[i * w];
    }
    stats_judge_spec spec = {.n_metrics = w, .min_cost = min_cost,
                             .accuracy = report_analysis_metric(a, "accuracy"),
                             .alpha = a->opts.alpha, .acc_margin = a->opts.acc_margin,
                             .min_runs = a->opts.min_runs, .arms = tables, .n_arms = d->n_arms,
                             .smell_arm = smell_arm, .base_arm = base_arm, .n_smells = ns};
    if (st == HML_OK)
        st = stats_judge(&spec, judged, NULL, err);
    for (size_t i = 0; st == HML_OK && i < ns; i++) {
        take_judgement(a, &a->smells[i], &judged[i], min_cost);
        verdicts[i] = judged[i].verdict;
    }
    if (st == HML_OK && a->opts.stability_resamples)
        st = stats_verdict_stability(&spec, verdicts, a->opts.stability_resamples,
                                     a->opts.seed, share, err);
    for (size_t i = 0; st == HML_OK && i < ns; i++) {
        a->smells[i].stability = a->opts.stability_resamples ? share[i] : NAN;
        a->smells[i].unstable = a->smells[i].stability < REPORT_STABLE_SHARE;
    }
    for (size_t i = 0; tables && i < d->n_arms; i++) {
        free((double *)tables[i].v);
        free((size_t *)tables[i].node);
    }
    free(tables);
    free(min_cost);
    free(smell_arm);
    free(base_arm);
    free(judged);
    free(costs);
    free(verdicts);
    free(share);
    return st;
}

hml_status report_analyze(const report_dataset *data, const report_options *opts,
                          report_analysis *out, hml_err *err)
{
    memset(out, 0, sizeof *out);
    out->data = data;
    if (opts)
        out->opts = *opts;
    else
        report_options_default(&out->opts);
    hml_status st = resolve_min_cost(out, err);
    if (st == HML_OK)
        st = collect_metrics(out, err);
    if (st == HML_OK)
        st = describe_arms(out, err);
    if (st == HML_OK)
        st = report_nodes_collect(data, &out->nodes, &out->n_nodes, err);
    if (st == HML_OK)
        st = analyze_smells(out, err);
    if (st == HML_OK)
        st = judge_smells(out, err);
    if (st == HML_OK)
        st = correct_family(out, err);
    for (size_t i = 0; st == HML_OK && i < out->n_smells; i++)
        write_evidence(out, &out->smells[i]);
    for (size_t i = 0; st == HML_OK && i < out->n_smells; i++)
        st = low_power_warnings(out, &out->smells[i], err);
    if (st == HML_OK)
        st = energy_warnings(out, err);
    if (st == HML_OK)
        st = fitness_warnings(out, err);
    if (st == HML_OK)
        st = method_warnings(out, err);
    if (st == HML_OK)
        st = node_warnings(out, err);
    if (st != HML_OK)
        report_analysis_free(out);
    return st;
}

void report_analysis_free(report_analysis *a)
{
    if (!a)
        return;
    if (a->arms && a->data)
        for (size_t i = 0; i < a->data->n_arms; i++)
            free(a->arms[i].cells);
    free(a->arms);
    for (size_t i = 0; i < a->n_smells; i++)
        free(a->smells[i].cmp);
    free(a->smells);
    free(a->metrics);
    free(a->warnings);
    report_nodes_free(a->nodes, a->n_nodes);
    memset(a, 0, sizeof *a);
}
