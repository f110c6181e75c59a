/* The terminal report: verdicts first, then one table per smell against its
 * baseline, then warnings and how the figures were obtained. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "report/format.h"
#include "report/format_util.h"
#include "report/text_table.h"

#define ANSI_BOLD "\033[1m"
#define ANSI_RED "\033[1;31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_GREEN "\033[32m"
#define ANSI_DIM "\033[2m"
#define ANSI_RESET "\033[0m"

static const char *verdict_color(stats_verdict v)
{
    switch (v) {
    case STATS_VERDICT_HIDDEN_COST: return ANSI_RED;
    case STATS_VERDICT_VISIBLE: return ANSI_YELLOW;
    case STATS_VERDICT_NO_COST: return ANSI_GREEN;
    case STATS_VERDICT_INCONCLUSIVE: return ANSI_DIM;
    }
    return "";
}

/* A name escaped by the text rule: up to four characters per byte. */
#define ESCAPED_NAME 512

static void paint(FILE *out, bool color, const char *ansi, const char *text)
{
    fprintf(out, "%s%s%s", color ? ansi : "", text, color ? ANSI_RESET : "");
}

/* Where the runs ran, when they ran on more than one node. */
static void node_table(FILE *out, const report_analysis *a, bool color)
{
    fputc('\n', out);
    paint(out, color, ANSI_BOLD, "Nodes");
    fprintf(out, "  (the runs ran on %zu nodes; --node NAME reports one)\n", a->n_nodes);
    text_table t;
    report_node_table(a, false, &t);
    text_table_print(out, &t, 2, color);
    text_table_free(&t);
}

static void smell_table(FILE *out, const report_analysis *a, const report_smell_result *s,
                        bool color)
{
    const report_dataset *d = a->data;
    const report_arm *arm = &d->arms[s->arm], *base = &d->arms[s->baseline];
    fputc('\n', out);
    char arm_name[ESCAPED_NAME], base_name[ESCAPED_NAME], title[2 * ESCAPED_NAME + 8];
    escape_text(arm_name, sizeof arm_name, arm->name);
    escape_text(base_name, sizeof base_name, base->name);
    snprintf(title, sizeof title, "%s vs %s", arm_name, base_name);
    paint(out, color, ANSI_BOLD, title);
    fprintf(out, "  (%zu and %zu successful runs", a->arms[s->arm].ok, a->arms[s->baseline].ok);
    if (arm->smell[0] && strcmp(arm->smell, arm->name) != 0) {
        fputs("; smell ", out);
        escape_text_fputs(out, arm->smell);
    }
    fprintf(out, ")\n");
    text_table t;
    text_table_init(&t, 6);
    char level[48];
    report_fmt_change_heading(a, s, level, sizeof level);
    const char *head[] = {"metric", base->name, arm->name, level, "p (Holm)", "delta"};
    text_table_add(&t, head);
    t.right[1] = t.right[2] = t.right[4] = true;
    for (size_t m = 0; m < a->n_metrics; m++) {
        report_comparison_cells cells;
        report_comparison_cells_fill(a, s, m, &cells);
        const char *row[] = {cells.metric, cells.baseline, cells.arm,
                             cells.change, cells.p_holm, cells.delta};
        text_table_add(&t, row);
        if (s->cmp[m].worse)
            text_table_color_last(&t, 3, ANSI_RED);
    }
    text_table_print(out, &t, 2, color);
    text_table_free(&t);
    if (s->has_accuracy)
        fprintf(out, "  accuracy TOST (margin %g pp): p = %.4g, %s%s\n", 100 * a->opts.acc_margin,
                s->tost.p, s->tost.equivalent ? "equivalent" : "not shown equivalent",
                s->tost_strata ? ", stratified by node" : "");
}

/* text, wrapped at width columns, each line after the first indented. */
static void print_wrapped(FILE *out, const char *text, size_t used, size_t indent, size_t width)
{
    while (*text) {
        size_t len = strcspn(text, " ");
        if (used > indent && used + 1 + len > width) {
            fprintf(out, "\n%*s", (int)indent, "");
            used = indent;
        } else if (used > indent) {
            fputc(' ', out);
            used++;
        }
        fwrite(text, 1, len, out);
        used += len;
        text += len;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

/* What each smell arm measures (the catalogue's words): the two faces of
 * model-reuse, freed and kept, measure different things. */
static void arm_measures(FILE *out, const report_analysis *a, bool color)
{
    if (!report_has_arm_measures(a))
        return;
    fputc('\n', out);
    paint(out, color, ANSI_BOLD, "What the smell arms measure");
    fputc('\n', out);
    for (size_t i = 0; i < a->n_smells; i++) {
        const char *text = report_arm_measures(a, &a->smells[i]);
        if (!text)
            continue;
        const char *name = a->data->arms[a->smells[i].arm].name;
        fprintf(out, "  %s:", name);
        print_wrapped(out, text, 3 + strlen(name), 6, 96);
    }
}

hml_status report_render_text(FILE *out, const report_analysis *a,
                              const report_render_options *opts, hml_err *err)
{
    (void)err;
    bool color = opts && opts->color;
    const report_dataset *d = a->data;
    size_t runs = 0, ok = 0;
    for (size_t i = 0; i < d->n_arms; i++) {
        runs += a->arms[i].runs;
        ok += a->arms[i].ok;
    }
    paint(out, color, ANSI_BOLD, "hmlcost report");
    if (d->experiment_id[0])
        fprintf(out, ": experiment %s", d->experiment_id);
    if (d->name[0]) {
        fputs(" \"", out);
        escape_text_fputs(out, d->name);
        fputc('"', out);
    }
    fputc('\n', out);
    escape_text_fputs(out, d->source);
    fprintf(out, "; %zu arms, %zu runs (%zu successful)\n", d->n_arms, runs, ok);
    if (a->energy_methods[0]) {
        fputs("energy method: ", out);
        escape_text_fputs(out, a->energy_methods);
        fprintf(out, "%s\n", a->energy_estimated ? " (ESTIMATED, not measured)" : "");
    }
    if (a->resource_methods[0]) {
        fputs("cpu and memory method: ", out);
        escape_text_fputs(out, a->resource_methods);
        fputc('\n', out);
    }

    fputc('\n', out);
    char min_cost[256];
    report_fmt_min_cost(a, min_cost, sizeof min_cost);
    paint(out, color, ANSI_BOLD, "Verdicts");
    fprintf(out, "  (smallest cost of interest: %s; Holm across %zu tests at alpha %g; accuracy "
                 "by TOST within %g pp)\n",
            min_cost, a->family_size, a->opts.alpha, 100 * a->opts.acc_margin);
    size_t name_w = 0;
    char name[ESCAPED_NAME];
    for (size_t i = 0; i < a->n_smells; i++) {
        size_t w = strlen(escape_text(name, sizeof name, d->arms[a->smells[i].arm].name));
        name_w = w > name_w ? w : name_w;
    }
    for (size_t i = 0; i < a->n_smells; i++) {
        const report_smell_result *s = &a->smells[i];
        fprintf(out, "  %-*s  ", (int)name_w,
                escape_text(name, sizeof name, d->arms[s->arm].name));
        char verdict[32];
        snprintf(verdict, sizeof verdict, "%-12s", stats_verdict_name(s->verdict));
        paint(out, color, verdict_color(s->verdict), verdict);
        fprintf(out, "  vs %s", escape_text(name, sizeof name, d->arms[s->baseline].name));
        char stability[96];
        report_fmt_stability(s, stability, sizeof stability);
        if (stability[0]) {
            fputs("  (", out);
            paint(out, color && s->unstable, ANSI_YELLOW, stability);
            fputc(')', out);
        }
        fputs("\n      ", out);
        escape_text_fputs(out, s->evidence);
        fputc('\n', out);
    }
    arm_measures(out, a, color);
    for (size_t i = 0; i < a->n_smells; i++)
        smell_table(out, a, &a->smells[i], color);
    if (a->n_nodes > 1)
        node_table(out, a, color);
    if (a->n_warnings) {
        fputc('\n', out);
        paint(out, color, ANSI_BOLD, "Warnings");
        fputc('\n', out);
        for (size_t i = 0; i < a->n_warnings; i++) {
            fputs("  ", out);
            paint(out, color, ANSI_YELLOW, "!");
            fputc(' ', out);
            escape_text_fputs(out, a->warnings[i].text);
            fputc('\n', out);
        }
    }
    char rule[1024];
    report_fmt_rule(a, rule, sizeof rule);
    fprintf(out, "\n%s\n", rule);
    fprintf(out,
            "change: ratio of means (difference for shares) with a percentile bootstrap "
            "interval (%zu resamples, MT19937 seed %lu); delta: Cliff's delta; values: mean ± sd "
            "of successful runs\n",
            a->opts.resamples, a->opts.seed);
    char node_test[2048];
    report_fmt_node_test(a, node_test, sizeof node_test);
    if (node_test[0])
        fprintf(out, "%s\n", node_test);
    return HML_OK;
}
