/* Number formatting shared by the report's formatters and the evidence line:
 * one place decides how a p-value, a change or a figure is written. */
#ifndef HMLCOST_REPORT_FORMAT_UTIL_H
#define HMLCOST_REPORT_FORMAT_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "report/analysis.h"
#include "report/text_table.h"

/* "0.0002", "0.041", "< 0.0001", "1.00" */
void report_fmt_p(double p, char *buf, size_t size);
/* A figure with 3-4 significant digits, no exponent for everyday sizes:
 * "1234", "12.3", "0.0123"; "-" for NaN. */
void report_fmt_num(double v, char *buf, size_t size);
/* The change of a comparison: "+23 % [18 %, 29 %]" from the ratio of means;
 * when the baseline mean is 0, the difference in display units:
 * "+12.0 MiB [9.1, 15.2]"; for a share (accuracy, shown in %) the difference
 * in percentage points: "-0.10 pp [-0.32, 0.12]". */
void report_fmt_change(const report_analysis *a, const report_comparison *c, char *buf,
                       size_t size);
/* A signed percentage from a ratio: "+23 %", "-4.1 %", "+0.3 %". */
void report_fmt_ratio_pct(double ratio, char *buf, size_t size);

/* A verdict's stability: "99 % of resamples", "62 % of resamples, unstable:
 * run more"; "" when it was not computed. */
void report_fmt_stability(const report_smell_result *s, char *buf, size_t size);
/* The smallest cost of interest the verdicts used and where it came from:
 * "time 2 %, memory 2 %, energy 2 % (default)", overrides after it. */
void report_fmt_min_cost(const report_analysis *a, char *buf, size_t size);
/* The verdict rule in two sentences, with this report's thresholds, level
 * and family size (plain text; every format prints it under the verdicts). */
void report_fmt_rule(const report_analysis *a, char *buf, size_t size);

/* How runs from several nodes were compared: which test gives p (Holm)
 * ("Runs from 2 nodes: p (Holm) of ... is van Elteren's ..."), whether the
 * verdicts, the tables' changes and accuracy's TOST are stratified by node
 * (plain text, one sentence; up to about 1600 characters); "" when every
 * test pools the runs. */
void report_fmt_node_test(const report_analysis *a, char *buf, size_t size);

/* The heading of a smell table's change column: "change [95 % CI]", or
 * "change by node [95 % CI]" when a change in it is stratified by node. */
void report_fmt_change_heading(const report_analysis *a, const report_smell_result *s,
                               char *buf, size_t size);

/* "wall time (s)", "final loss" */
void report_metric_heading(const report_metric_col *col, char *buf, size_t size);
/* "12.31 ± 0.12" in display units; "-" when the arm has no value. */
void report_mean_sd(const report_analysis *a, size_t arm, size_t m, char *buf, size_t size);

/* The cells of one metric's row in a smell-vs-baseline table, as every
 * table format shows them. */
typedef struct report_comparison_cells {
    char metric[96];             /* report_metric_heading */
    char baseline[64], arm[64];  /* report_mean_sd of the baseline and the smell arm */
    char change[96];             /* report_fmt_change */
    char p_holm[32];             /* "" when the metric is outside the cost-test family */
    char p_mwu[32], p_welch[32]; /* "" when not tested */
    char delta[48];              /* Cliff's delta: "+0.42 medium"; "" when not tested */
} report_comparison_cells;

void report_comparison_cells_fill(const report_analysis *a, const report_smell_result *s,
                                  size_t m, report_comparison_cells *cells);

/* The table of where the runs ran (node, CPU, GPU, "10 (9 ok)", runs per arm
 * "baseline 5, model-reuse 5"), one row per node, into t (text_table_init'ed
 * by this call); cells escaped for Markdown when markdown is true. */
void report_node_table(const report_analysis *a, bool markdown, text_table *t);

/* What a smell arm measures, from the smell catalogue (src/smells), when the
 * arm is named after one of its arms as `hmlcost run --smell` names them
 * (e.g. model-reuse and model-reuse-kept, the smell's two faces); NULL for
 * an arm of another name. */
const char *report_arm_measures(const report_analysis *a, const report_smell_result *s);
/* Does any smell arm of the report have such a text? */
bool report_has_arm_measures(const report_analysis *a);

#endif
