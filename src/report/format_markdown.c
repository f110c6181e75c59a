/* Markdown: the verdict table, per-arm figures and one table per smell,
 * ready to paste into a paper's notes or a README. Every text that comes
 * from the input (names, methods, evidence, warnings) goes through
 * escape_markdown; the formatter's own markup (bold) does not. */
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "report/format.h"
#include "report/format_util.h"
#include "report/text_table.h"

/* Room for an escaped name or heading (an escape is at most six bytes). */
#define MD_NAME 400
#define MD_LONG 2048

static void verdict_table(FILE *out, const report_analysis *a)
{
    const report_dataset *d = a->data;
    text_table t;
    text_table_init(&t, 5);
    const char *head[] = {"smell", "baseline", "verdict", "stability", "evidence"};
    text_table_add(&t, head);
    for (size_t i = 0; i < a->n_smells; i++) {
        const report_smell_result *s = &a->smells[i];
        char verdict[48], arm[MD_NAME], base[MD_NAME], evidence[MD_LONG];
        snprintf(verdict, sizeof verdict, "**%s**", stats_verdict_name(s->verdict));
        char stability[96];
        report_fmt_stability(s, stability, sizeof stability);
        const char *row[] = {escape_markdown(arm, sizeof arm, d->arms[s->arm].name),
                             escape_markdown(base, sizeof base, d->arms[s->baseline].name),
                             verdict, stability,
                             escape_markdown(evidence, sizeof evidence, s->evidence)};
        text_table_add(&t, row);
    }
    text_table_print_markdown(out, &t);
    text_table_free(&t);
}

/* Arms as rows, metrics as columns: "mean ± sd" of the successful runs. */
static void arm_table(FILE *out, const report_analysis *a)
{
    const report_dataset *d = a->data;
    size_t per = TEXT_TABLE_MAX_COLS - 2; /* metrics per table; wide reports split */
    for (size_t first = 0; first < a->n_metrics; first += per) {
        size_t last = first + per < a->n_metrics ? first + per : a->n_metrics;
        text_table t;
        text_table_init(&t, 2 + last - first);
        char heads[TEXT_TABLE_MAX_COLS][MD_NAME], heading[96];
        const char *head[TEXT_TABLE_MAX_COLS] = {"arm", "runs (ok)"};
        for (size_t m = first; m < last; m++) {
            report_metric_heading(&a->metrics[m], heading, sizeof heading);
            head[2 + m - first] = escape_markdown(heads[m - first], sizeof heads[0], heading);
            t.right[2 + m - first] = true;
        }
        text_table_add(&t, head);
        for (size_t i = 0; i < d->n_arms; i++) {
            char cells[TEXT_TABLE_MAX_COLS][64], runs[48], name[MD_NAME];
            const char *row[TEXT_TABLE_MAX_COLS] = {
                escape_markdown(name, sizeof name, d->arms[i].name), runs};
            snprintf(runs, sizeof runs, "%zu (%zu)", a->arms[i].runs, a->arms[i].ok);
            for (size_t m = first; m < last; m++) {
                report_mean_sd(a, i, m, cells[m - first], sizeof cells[0]);
                row[2 + m - first] = cells[m - first];
            }
            text_table_add(&t, row);
        }
        text_table_print_markdown(out, &t);
        text_table_free(&t);
        fputc('\n', out);
    }
}

/* Where the runs ran, when they ran on more than one node. */
static void node_table(FILE *out, const report_analysis *a)
{
    fprintf(out, "## Nodes\n\nThe runs ran on %zu nodes; `--node NAME` reports one.\n\n",
            a->n_nodes);
    text_table t;
    report_node_table(a, true, &t);
    text_table_print_markdown(out, &t);
    text_table_free(&t);
    fputc('\n', out);
}

static void smell_table(FILE *out, const report_analysis *a, const report_smell_result *s)
{
    const report_dataset *d = a->data;
    char arm[MD_NAME], base[MD_NAME];
    escape_markdown(arm, sizeof arm, d->arms[s->arm].name);
    escape_markdown(base, sizeof base, d->arms[s->baseline].name);
    fprintf(out, "### %s vs %s\n\n**%s**: ", arm, base, stats_verdict_name(s->verdict));
    escape_markdown_fputs(out, s->evidence);
    fputs("\n\n", out);
    text_table t;
    text_table_init(&t, 7);
    char level[48];
    report_fmt_change_heading(a, s, level, sizeof level);
    const char *head[] = {"metric", base, arm, level, "p (Holm)", "Cliff's delta", "method"};
    text_table_add(&t, head);
    t.right[1] = t.right[2] = t.right[4] = t.right[5] = true;
    for (size_t m = 0; m < a->n_metrics; m++) {
        const report_comparison *c = &s->cmp[m];
        report_comparison_cells cells;
        report_comparison_cells_fill(a, s, m, &cells);
        char metric[MD_NAME], method[MD_NAME], change[96];
        /* Markdown bolds a change for the worse and puts the magnitude in
         * parentheses. */
        snprintf(change, sizeof change, c->worse ? "**%.90s**" : "%s", cells.change);
        if (c->tested)
            snprintf(cells.delta, sizeof cells.delta, "%+.2f (%s)", c->delta,
                     stats_magnitude_name(c->magnitude));
        escape_markdown(metric, sizeof metric, cells.metric);
        escape_markdown(method, sizeof method, a->arms[s->arm].cells[m].method);
        const char *row[] = {metric,       cells.baseline, cells.arm, change,
                             cells.p_holm, cells.delta,    method};
        text_table_add(&t, row);
    }
    text_table_print_markdown(out, &t);
    text_table_free(&t);
    fputc('\n', out);
}

/* What each smell arm measures (the catalogue's words). */
static void arm_measures(FILE *out, const report_analysis *a)
{
    if (!report_has_arm_measures(a))
        return;
    fprintf(out, "## What the smell arms measure\n\n");
    for (size_t i = 0; i < a->n_smells; i++) {
        const char *text = report_arm_measures(a, &a->smells[i]);
        if (text)
            fprintf(out, "- **%s**: %s\n", a->data->arms[a->smells[i].arm].name, text);
    }
    fputc('\n', out);
}

hml_status report_render_markdown(FILE *out, const report_analysis *a,
                                  const report_render_options *opts, hml_err *err)
{
    (void)opts;
    (void)err;
    const report_dataset *d = a->data;
    fprintf(out, "# hmlcost report");
    if (d->experiment_id[0])
        fprintf(out, ": experiment %s", d->experiment_id);
    if (d->name[0]) {
        fputs(" (", out);
        escape_markdown_fputs(out, d->name);
        fputc(')', out);
    }
    fputs("\n\nSource: ", out);
    escape_markdown_fputs(out, d->source);
    fputc('.', out);
    if (a->energy_methods[0]) {
        fputs(" Energy method: ", out);
        escape_markdown_fputs(out, a->energy_methods);
        fprintf(out, "%s.", a->energy_estimated ? " (**estimated**, not measured)" : "");
    }
    fprintf(out, "\n\n## Verdicts\n\n");
    char rule[1024];
    report_fmt_rule(a, rule, sizeof rule);
    verdict_table(out, a);
    fprintf(out,
            "\n%s The tables' p (Holm) is the two-sided Mann-Whitney U test (exact for n <= 25 "
            "per arm) of any difference; their changes are ratios of means with %.0f %% "
            "percentile bootstrap intervals (%zu resamples, MT19937 seed %lu).\n\n",
            rule, 100 * a->opts.level, a->opts.resamples, a->opts.seed);
    char node_test[2048];
    report_fmt_node_test(a, node_test, sizeof node_test);
    if (node_test[0])
        fprintf(out, "%s\n\n", node_test);
    arm_measures(out, a);
    fprintf(out, "## Arms (mean ± sd of successful runs)\n\n");
    arm_table(out, a);
    fprintf(out, "## Smells against their baselines\n\n");
    for (size_t i = 0; i < a->n_smells; i++)
        smell_table(out, a, &a->smells[i]);
    if (a->n_nodes > 1)
        node_table(out, a);
    if (a->n_warnings) {
        fprintf(out, "## Warnings\n\n");
        for (size_t i = 0; i < a->n_warnings; i++) {
            fputs("- ", out);
            escape_markdown_fputs(out, a->warnings[i].text);
            fputc('\n', out);
        }
    }
    return HML_OK;
}
