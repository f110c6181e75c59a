#include "report/format_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "common/text.h"
#include "smells/catalogue.h"

void report_fmt_p(double p, char *buf, size_t size)
{
    if (isnan(p))
        snprintf(buf, size, "-");
    else if (p < 0.0001)
        snprintf(buf, size, "< 0.0001");
    else if (p < 0.001)
        snprintf(buf, size, "%.4f", p);
    else if (p < 0.995)
        snprintf(buf, size, "%.3f", p);
    else
        snprintf(buf, size, "%.2f", p);
}

void report_fmt_num(double v, char *buf, size_t size)
{
    double a = fabs(v);
    if (isnan(v))
        snprintf(buf, size, "-");
    else if (a == 0)
        snprintf(buf, size, "0");
    else if (a >= 1e7 || a < 1e-4)
        snprintf(buf, size, "%.3g", v);
    else if (a >= 1000)
        snprintf(buf, size, "%.0f", v);
    else if (a >= 100)
        snprintf(buf, size, "%.1f", v);
    else if (a >= 10)
        snprintf(buf, size, "%.2f", v);
    else if (a >= 1)
        snprintf(buf, size, "%.3f", v);
    else
        snprintf(buf, size, "%.3g", v);
}

static void pct(double ratio, char *buf, size_t size, int sign)
{
    double p = (ratio - 1) * 100;
    double a = fabs(p);
    int decimals = a >= 10 ? 0 : a >= 1 ? 1 : 2;
    if (sign)
        snprintf(buf, size, "%+.*f %%", decimals, p);
    else
        snprintf(buf, size, "%.*f %%", decimals, p);
}

void report_fmt_ratio_pct(double ratio, char *buf, size_t size)
{
    if (isnan(ratio))
        snprintf(buf, size, "-");
    else
        pct(ratio, buf, size, 1);
}

void report_fmt_change(const report_analysis *a, const report_comparison *c, char *buf,
                       size_t size)
{
    const report_metric_col *col = &a->metrics[c->metric];
    if (!c->tested) {
        snprintf(buf, size, "-");
        return;
    }
    if (strcmp(col->display_unit, "%") == 0) { /* a share (accuracy): the difference in pp */
        snprintf(buf, size, "%+.2f pp [%.2f, %.2f]", 100 * c->boot.diff, 100 * c->boot.diff_lo,
                 100 * c->boot.diff_hi);
        return;
    }
    if (!isnan(c->boot.ratio) && !isnan(c->boot.ratio_lo)) {
        char mid[32], lo[32], hi[32];
        pct(c->boot.ratio, mid, sizeof mid, 1);
        pct(c->boot.ratio_lo, lo, sizeof lo, 0);
        pct(c->boot.ratio_hi, hi, sizeof hi, 0);
        /* the interval's own signs: "-2 %" stays, "3 %" stays unsigned */
        snprintf(buf, size, "%s [%s, %s]", mid, lo, hi);
        return;
    }
    char mid[32], lo[32], hi[32];
    report_fmt_num(c->boot.diff * col->display_scale, mid, sizeof mid);
    report_fmt_num(c->boot.diff_lo * col->display_scale, lo, sizeof lo);
    report_fmt_num(c->boot.diff_hi * col->display_scale, hi, sizeof hi);
    snprintf(buf, size, "%s%s %s [%s, %s]", c->boot.diff > 0 ? "+" : "", mid, col->display_unit,
             lo, hi);
}

void report_metric_heading(const report_metric_col *col, char *buf, size_t size)
{
    if (col->display_unit[0])
        snprintf(buf, size, "%s (%s)", col->label, col->display_unit);
    else
        snprintf(buf, size, "%s", col->label);
}

void report_mean_sd(const report_analysis *a, size_t arm, size_t m, char *buf, size_t size)
{
    const report_cell *cell = &a->arms[arm].cells[m];
    double k = a->metrics[m].display_scale;
    if (cell->s.n == 0) {
        snprintf(buf, size, "-");
        return;
    }
    char mean[32], sd[32];
    report_fmt_num(cell->s.mean * k, mean, sizeof mean);
    if (cell->s.n < 2) {
        snprintf(buf, size, "%s", mean);
        return;
    }
    /* the spread to two significant digits: enough to judge the mean's digits */
    double v = cell->s.sd * k;
    if (v == 0)
        snprintf(sd, sizeof sd, "0");
    else if (fabs(v) >= 100 || fabs(v) < 1e-4)
        snprintf(sd, sizeof sd, "%.2g", v);
    else
        snprintf(sd, sizeof sd, "%.*f", (int)fmax(0, 1 - floor(log10(fabs(v)))), v);
    snprintf(buf, size, "%s ± %s", mean, sd);
}

void report_comparison_cells_fill(const report_analysis *a, const report_smell_result *s,
                                  size_t m, report_comparison_cells *cells)
{
    const report_comparison *c = &s->cmp[m];
    memset(cells, 0, sizeof *cells);
    report_metric_heading(&a->metrics[m], cells->metric, sizeof cells->metric);
    report_mean_sd(a, s->baseline, m, cells->baseline, sizeof cells->baseline);
    report_mean_sd(a, s->arm, m, cells->arm, sizeof cells->arm);
    report_fmt_change(a, c, cells->change, sizeof cells->change);
    if (c->in_family)
        report_fmt_p(c->p_holm, cells->p_holm, sizeof cells->p_holm);
    if (c->tested) {
        report_fmt_p(c->mwu.p, cells->p_mwu, sizeof cells->p_mwu);
        report_fmt_p(c->welch.p, cells->p_welch, sizeof cells->p_welch);
        snprintf(cells->delta, sizeof cells->delta, "%+.2f %s", c->delta,
                 stats_magnitude_name(c->magnitude));
    }
}

const char *report_arm_measures(const report_analysis *a, const report_smell_result *s)
{
    const report_arm *arm = &a->data->arms[s->arm];
    const smell_variant *v = smell_variant_find(arm->name);
    /* The arm's stored smell, when there is one, must be the variant's. */
    if (!v || (arm->smell[0] && strcmp(arm->smell, v->smell) != 0))
        return NULL;
    return v->measures;
}

bool report_has_arm_measures(const report_analysis *a)
{
    for (size_t i = 0; i < a->n_smells; i++)
        if (report_arm_measures(a, &a->smells[i]))
            return true;
    return false;
}

void report_fmt_stability(const report_smell_result *s, char *buf, size_t size)
{
    if (!isfinite(s->stability))
        snprintf(buf, size, "%s", "");
    else
        snprintf(buf, size, "%.0f %% of resamples%s", floor(100 * s->stability),
                 s->unstable ? ", unstable: run more" : "");
}

void report_fmt_min_cost(const report_analysis *a, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int f = 0; f < STATS_FAMILY_COUNT && used < size; f++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s %.3g %%", f ? ", " : "",
                                 stats_cost_family_name((stats_cost_family)f),
                                 100 * a->min_cost.family[f]);
    for (size_t i = 0; i < a->min_cost.n_metric && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, ", %s %.3g %%",
                                 a->min_cost.metric[i].name, 100 * a->min_cost.metric[i].value);
    if (used < size)
        snprintf(buf + used, size - used, " (%s)", a->min_cost_source);
}

void report_fmt_rule(const report_analysis *a, char *buf, size_t size)
{
    char mc[256];
    report_fmt_min_cost(a, mc, sizeof mc);
    snprintf(buf, size,
             "HIDDEN COST: a cost (time, memory, energy) significantly above its smallest cost "
             "of interest (%s; one-sided Welch test on log values against the threshold, Holm "
             "across %zu tests at alpha %g) with accuracy equivalent within %g pp (TOST). "
             "NO COST: every cost significantly below its threshold (\"equivalent\" when "
             "its interval lies within plus or minus it). INCONCLUSIVE: a cost whose %.0f %% "
             "interval straddles its threshold, or fewer than %zu successful runs per arm. "
             "VISIBLE: accuracy not "
             "equivalent. Stability: the share of %zu bootstrap resamples of the runs (each arm "
             "resampled, seed %lu) giving the same verdict; below %.0f %% it is flagged "
             "unstable.",
             mc, a->family_size, a->opts.alpha, 100 * a->opts.acc_margin,
             100 * (1 - 2 * a->opts.alpha), a->opts.min_runs, a->opts.stability_resamples,
             a->opts.seed, 100 * REPORT_STABLE_SHARE);
}

void report_node_table(const report_analysis *a, bool markdown, text_table *t)
{
    text_table_init(t, 5);
    const char *head[] = {"node", "CPU", "GPU", "runs", "runs per arm"};
    text_table_add(t, head);
    t->right[3] = true;
    for (size_t i = 0; i < a->n_nodes; i++) {
        const report_node *n = &a->nodes[i];
        char runs[48], per_arm[512] = "";
        text_format(runs, sizeof runs, "%zu (%zu ok)", n->runs, n->ok);
        for (size_t k = 0; k < a->data->n_arms; k++) {
            if (!n->arm_runs[k])
                continue;
            size_t used = strlen(per_arm);
            text_format(per_arm + used, sizeof per_arm - used, "%s%s %zu", used ? ", " : "",
                        a->data->arms[k].name, n->arm_runs[k]);
        }
        const char *raw[] = {n->hostname[0] ? n->hostname : "unnamed",
                             n->cpu_model[0] ? n->cpu_model : "unknown",
                             n->gpu_model[0] ? n->gpu_model : "none", runs, per_arm};
        char escaped[5][4 * sizeof per_arm];
        const char *row[5];
        for (size_t c = 0; c < 5; c++)
            row[c] = markdown ? escape_markdown(escaped[c], sizeof escaped[c], raw[c]) : raw[c];
        text_table_add(t, row);
    }
}

void report_fmt_change_heading(const report_analysis *a, const report_smell_result *s,
                               char *buf, size_t size)
{
    bool by_node = false;
    for (size_t m = 0; m < a->n_metrics; m++)
        by_node |= s->cmp[m].change_strata > 0;
    text_format(buf, size, "change%s [%.0f %% CI]", by_node ? " by node" : "",
                100 * a->opts.level);
}

void report_fmt_node_test(const report_analysis *a, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!a->stratified_tests && !a->stratified_verdicts && !a->stratified_changes &&
        !a->stratified_tosts)
        return;
    char tables[320] = "", verdicts[480], changes[480] = "", tosts[320] = "";
    if (a->stratified_tests)
        text_format(tables, sizeof tables,
                    "p (Holm) of %zu of the %zu cost tests is van Elteren's stratified "
                    "Mann-Whitney test with node as the stratum (normal approximation, nodes "
                    "holding both arms), so that a faster node counts neither for nor against "
                    "a smell; ",
                    a->stratified_tests, a->family_size);
    if (a->stratified_verdicts)
        text_format(verdicts, sizeof verdicts,
                    "the verdicts of %zu of the %zu smells are stratified by node: each cost's "
                    "change (ratio of geometric means) is estimated within each node holding "
                    "both arms and combined by inverse-variance weighting (Welch-Satterthwaite "
                    "degrees of freedom) before the test against the smallest cost of "
                    "interest, and the stability resamples runs within node and arm",
                    a->stratified_verdicts, a->n_smells);
    else
        text_format(verdicts, sizeof verdicts,
                    "the verdicts' tests against the smallest cost of interest pool the nodes");
    if (a->stratified_changes)
        text_format(changes, sizeof changes,
                    "; %zu of the tables' changes are stratified by node (\"change by node\"): "
                    "the ratio (for shares the difference) of node-weighted means, each node "
                    "holding both arms weighted by 1 / (1/n smell + 1/n baseline) of its runs, "
                    "with a percentile bootstrap that resamples runs within node and arm",
                    a->stratified_changes);
    if (a->stratified_tosts)
        text_format(tosts, sizeof tosts,
                    "; accuracy's TOST of %zu of the %zu smells is stratified by node: on the "
                    "difference of the nodes' mean accuracies, combined as the costs' change",
                    a->stratified_tosts, a->n_smells);
    text_format(buf, size, "Runs from %zu nodes: %s%s%s%s.", a->n_nodes, tables, verdicts,
                changes, tosts);
}
