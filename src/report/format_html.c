/* HTML: one self-contained page (no scripts, fonts or images from elsewhere)
 * for a paper's supplement: verdicts, a box-and-strip figure per metric, the
 * comparisons, per-arm figures, one run's memory, CPU use and power over time,
 * warnings and the methods. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "report/format.h"
#include "report/format_util.h"
#include "report/plot_svg.h"
#include "stats/mann_whitney.h"

/* Okabe-Ito colours: told apart with any colour vision. */
#define COLOR_BASELINE "#0072B2"
#define COLOR_HIDDEN "#D55E00"
#define COLOR_VISIBLE "#E69F00"
#define COLOR_NO_COST "#009E73"
#define COLOR_INCONCLUSIVE "#7A7A7A"

static const char *const page_style =
    ":root{--ink:#1b1f24;--mute:#5c6670;--rule:#d9dde1;--band:#f6f7f9}"
    "*{box-sizing:border-box}"
    "body{margin:0;color:var(--ink);background:#fff;font:15px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}"
    "main{max-width:1180px;margin:0 auto;padding:28px 28px 60px}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;padding-bottom:4px;"
    "border-bottom:2px solid var(--ink)}h3{font-size:16px;margin:22px 0 6px}"
    ".meta{color:var(--mute);margin:0}"
    ".banner{border-left:4px solid " COLOR_VISIBLE ";background:#fff7e6;padding:8px 12px;"
    "margin:14px 0}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:6px 0}"
    "th,td{padding:5px 8px;border-bottom:1px solid var(--rule);text-align:left;"
    "vertical-align:top}"
    "th{font-weight:600;border-bottom:1.5px solid var(--ink);white-space:nowrap}"
    "td.num,th.num{text-align:right;white-space:nowrap}"
    "tr.worse td.change{font-weight:700;color:" COLOR_HIDDEN "}"
    "td.change,td.name{white-space:nowrap}"
    ".badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12.5px;"
    "font-weight:700;letter-spacing:.02em;white-space:nowrap}"
    ".hidden_cost{background:" COLOR_HIDDEN "}.visible{background:" COLOR_VISIBLE ";color:#222}"
    ".no_cost{background:" COLOR_NO_COST "}.inconclusive{background:" COLOR_INCONCLUSIVE "}"
    ".evidence{font-size:13.5px}"
    ".stability{font-size:13px;white-space:nowrap}.stability.unstable{color:" COLOR_HIDDEN
    ";font-weight:700}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:18px 26px}"
    "figure{margin:0}figcaption{font-size:13px;color:var(--mute);margin-top:2px}"
    "figcaption b{color:var(--ink)}"
    "svg.plot{width:100%;height:auto;display:block}"
    "svg .tick{font-size:11px;fill:#444}svg .axis{font-size:12px;fill:#222}"
    "svg .label{font-size:12px;fill:#222}"
    ".legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;margin:4px 0 12px}"
    ".legend span::before{content:'';display:inline-block;width:11px;height:11px;"
    "border-radius:2px;margin-right:6px;vertical-align:-1px;background:var(--c)}"
    "ul.warnings{padding-left:20px}ul.warnings li{margin:3px 0}"
    ".note{font-size:13.5px;color:var(--mute)}"
    "code{font-size:12.5px;background:var(--band);padding:0 3px;border-radius:3px}"
    "@media print{main{max-width:none;padding:0}h2{break-after:avoid}figure{break-inside:avoid}"
    ".grid{grid-template-columns:1fr 1fr}}";

static const char *arm_color(const report_analysis *a, size_t arm)
{
    for (size_t i = 0; i < a->n_smells; i++)
        if (a->smells[i].arm == arm)
            switch (a->smells[i].verdict) {
            case STATS_VERDICT_HIDDEN_COST: return COLOR_HIDDEN;
            case STATS_VERDICT_VISIBLE: return COLOR_VISIBLE;
            case STATS_VERDICT_NO_COST: return COLOR_NO_COST;
            case STATS_VERDICT_INCONCLUSIVE: return COLOR_INCONCLUSIVE;
            }
    return COLOR_BASELINE;
}

static void esc(FILE *out, const char *text) { escape_html_fputs(out, text); }

static void header(FILE *out, const report_analysis *a)
{
    const report_dataset *d = a->data;
    size_t runs = 0, ok = 0;
    for (size_t i = 0; i < d->n_arms; i++) {
        runs += a->arms[i].runs;
        ok += a->arms[i].ok;
    }
    fputs("<header><h1>Hidden-cost report", out);
    if (d->name[0]) {
        fputs(": ", out);
        esc(out, d->name);
    }
    fputs("</h1>\n<p class=\"meta\">", out);
    if (d->experiment_id[0]) {
        fputs("Experiment ", out);
        esc(out, d->experiment_id);
        fputs(" &middot; ", out);
    }
    esc(out, d->source);
    fprintf(out, " &middot; %zu arms, %zu runs (%zu successful)", d->n_arms, runs, ok);
    if (d->created_at[0]) {
        fputs(" &middot; started ", out);
        esc(out, d->created_at);
    }
    fputs(" &middot; hmlcost " HMLCOST_VERSION "</p>\n", out);
    if (a->energy_methods[0]) {
        fprintf(out, "<p class=\"%s\">Energy method: <code>", a->energy_estimated ? "banner" : "meta");
        esc(out, a->energy_methods);
        fputs("</code>", out);
        if (a->energy_estimated)
            fputs(". <b>Part of the energy is estimated, not measured</b>: the estimate follows "
                  "CPU time or memory, so differences between arms are meaningful but absolute "
                  "energy is not.",
                  out);
        fputs("</p>\n", out);
    }
    fputs("</header>\n", out);
}

static void verdicts(FILE *out, const report_analysis *a)
{
    const report_dataset *d = a->data;
    fputs("<section id=\"verdicts\"><h2>1 Verdicts</h2>\n<table class=\"verdicts\"><thead><tr>"
          "<th>Smell arm</th><th>Baseline</th><th>Verdict</th><th>Stability</th>"
          "<th>Evidence</th></tr></thead>"
          "<tbody>\n",
          out);
    for (size_t i = 0; i < a->n_smells; i++) {
        const report_smell_result *s = &a->smells[i];
        fputs("<tr><td class=\"name\">", out);
        esc(out, d->arms[s->arm].name);
        fputs("</td><td class=\"name\">", out);
        esc(out, d->arms[s->baseline].name);
        char stability[96];
        report_fmt_stability(s, stability, sizeof stability);
        fprintf(out, "</td><td><span class=\"badge %s\">%s</span></td><td class=\"%s\">",
                stats_verdict_id(s->verdict), stats_verdict_name(s->verdict),
                s->unstable ? "stability unstable" : "stability");
        esc(out, stability);
        fputs("</td><td class=\"evidence\">", out);
        esc(out, s->evidence);
        fputs("</td></tr>\n", out);
    }
    char rule[1024];
    report_fmt_rule(a, rule, sizeof rule);
    fputs("</tbody></table>\n<p class=\"note\">", out);
    esc(out, rule);
    fputs("</p></section>\n", out);
}

/* What each smell arm measures (the catalogue's words), under the verdicts. */
static void arm_measures(FILE *out, const report_analysis *a)
{
    if (!report_has_arm_measures(a))
        return;
    fputs("<section id=\"measures\"><h3>What the smell arms measure</h3>\n<ul class=\"note\">", out);
    for (size_t i = 0; i < a->n_smells; i++) {
        const char *text = report_arm_measures(a, &a->smells[i]);
        if (!text)
            continue;
        fputs("<li><b>", out);
        esc(out, a->data->arms[a->smells[i].arm].name);
        fputs("</b>: ", out);
        esc(out, text);
        fputs("</li>\n", out);
    }
    fputs("</ul></section>\n", out);
}

static void legend(FILE *out, const report_analysis *a)
{
    bool used[5] = {false};
    for (size_t i = 0; i < a->data->n_arms; i++) {
        const char *c = arm_color(a, i);
        const char *all[] = {COLOR_BASELINE, COLOR_HIDDEN, COLOR_VISIBLE, COLOR_NO_COST,
                             COLOR_INCONCLUSIVE};
        for (int k = 0; k < 5; k++)
            used[k] |= strcmp(c, all[k]) == 0;
    }
    static const char *const names[] = {"baseline", "hidden cost", "visible", "no cost",
                                        "inconclusive"};
    static const char *const colors[] = {COLOR_BASELINE, COLOR_HIDDEN, COLOR_VISIBLE,
                                         COLOR_NO_COST, COLOR_INCONCLUSIVE};
    fputs("<div class=\"legend\">", out);
    for (int k = 0; k < 5; k++)
        if (used[k])
            fprintf(out, "<span style=\"--c:%s\">%s</span>", colors[k], names[k]);
    fputs("<span style=\"--c:transparent\">&#9671; mean &middot; box: quartiles, line: median, "
          "whiskers: 1.5 IQR &middot; points: runs</span></div>\n",
          out);
}

/* One box-and-strip figure per metric: every arm, its successful runs. */
static hml_status figures(FILE *out, const report_analysis *a, hml_err *err)
{
    const report_dataset *d = a->data;
    fputs("<section id=\"figures\"><h2>2 Figures</h2>\n", out);
    legend(out, a);
    fputs("<div class=\"grid\">\n", out);
    int number = 0;
    for (size_t m = 0; m < a->n_metrics; m++) {
        const report_metric_col *col = &a->metrics[m];
        svg_box_group *groups = calloc(d->n_arms ? d->n_arms : 1, sizeof *groups);
        if (!groups)
            return hml_fail(err, HML_ESYSTEM, "html: out of memory");
        hml_status st = HML_OK;
        size_t with_data = 0;
        for (size_t i = 0; i < d->n_arms && st == HML_OK; i++) {
            const report_arm *arm = &d->arms[i];
            const report_cell *cell = &a->arms[i].cells[m];
            double k = col->display_scale;
            double *pts = calloc(arm->n_runs ? arm->n_runs : 1, sizeof *pts);
            char **titles = calloc(arm->n_runs ? arm->n_runs : 1, sizeof *titles);
            if (!pts || !titles) {
                free(pts);
                free(titles);
                st = hml_fail(err, HML_ESYSTEM, "html: out of memory");
                break;
            }
            size_t n = 0;
            for (size_t r = 0; r < arm->n_runs; r++) {
                const report_run *run = &arm->runs[r];
                const report_metric *rm = report_run_ok(run) ? report_run_metric(run, col->name)
                                                             : NULL;
                if (!rm || !isfinite(rm->value))
                    continue;
                char value[32], title[200];
                report_fmt_num(rm->value * k, value, sizeof value);
                snprintf(title, sizeof title, "%s, run %s: %s %s", arm->name, run->id, value,
                         col->display_unit);
                pts[n] = rm->value * k;
                titles[n] = strdup(title);
                n++;
            }
            with_data += n > 0;
            groups[i] = (svg_box_group){
                .label = arm->name, .color = arm_color(a, i), .points = pts,
                .point_titles = (const char *const *)titles, .n_points = n,
                .q1 = cell->s.q1 * k, .median = cell->s.median * k, .q3 = cell->s.q3 * k,
                .whisker_lo = cell->s.whisker_lo * k, .whisker_hi = cell->s.whisker_hi * k,
                .mean = cell->s.mean * k};
        }
        if (st == HML_OK && with_data) {
            char label[96];
            report_metric_heading(col, label, sizeof label);
            number++;
            fputs("<figure id=\"fig-", out);
            esc(out, col->name); /* a store's metric names are not ours to trust */
            fputs("\">\n", out);
            svg_box_strip(out, groups, d->n_arms, label, label);
            fprintf(out, "<figcaption><b>Figure %d.</b> ", number);
            char sentence[96];
            snprintf(sentence, sizeof sentence, "%s", label);
            sentence[0] = (char)toupper((unsigned char)sentence[0]);
            esc(out, sentence);
            fputs(" per arm, successful runs only. Method: <code>", out);
            char methods[512] = "";
            for (size_t i = 0; i < d->n_arms; i++) {
                const char *mm = a->arms[i].cells[m].method;
                if (mm[0] && !strstr(methods, mm)) {
                    size_t used = strlen(methods);
                    snprintf(methods + used, sizeof methods - used, "%s%s", used ? ", " : "", mm);
                }
            }
            esc(out, methods[0] ? methods : "unknown");
            fputs("</code>.</figcaption></figure>\n", out);
        }
        for (size_t i = 0; i < d->n_arms; i++) {
            if (groups[i].point_titles)
                for (size_t p = 0; p < groups[i].n_points; p++)
                    free((char *)groups[i].point_titles[p]);
            free((void *)groups[i].point_titles);
            free((void *)groups[i].points);
        }
        free(groups);
        if (st != HML_OK)
            return st;
    }
    fputs("</div></section>\n", out);
    return HML_OK;
}

static void comparisons(FILE *out, const report_analysis *a)
{
    const report_dataset *d = a->data;
    fputs("<section id=\"comparisons\"><h2>3 Smells against their baselines</h2>\n", out);
    for (size_t i = 0; i < a->n_smells; i++) {
        const report_smell_result *s = &a->smells[i];
        fputs("<h3>", out);
        esc(out, d->arms[s->arm].name);
        fputs(" vs ", out);
        esc(out, d->arms[s->baseline].name);
        fprintf(out, " <span class=\"badge %s\">%s</span></h3>\n", stats_verdict_id(s->verdict),
                stats_verdict_name(s->verdict));
        fprintf(out,
                "<table><thead><tr><th>Metric</th><th class=\"num\">");
        esc(out, d->arms[s->baseline].name);
        fprintf(out, " (n = %zu)</th><th class=\"num\">", a->arms[s->baseline].ok);
        esc(out, d->arms[s->arm].name);
        char heading[48];
        report_fmt_change_heading(a, s, heading, sizeof heading);
        heading[0] = 'C'; /* a heading of the page's tables */
        fprintf(out,
                " (n = %zu)</th><th>%s</th><th class=\"num\">p (Holm)</th>"
                "<th class=\"num\">p (MWU)</th><th class=\"num\">p (Welch)</th>"
                "<th class=\"num\">Cliff's &delta;</th></tr></thead><tbody>\n",
                a->arms[s->arm].ok, heading);
        for (size_t m = 0; m < a->n_metrics; m++) {
            report_comparison_cells cells;
            report_comparison_cells_fill(a, s, m, &cells);
            fprintf(out, "<tr%s><td class=\"name\">",
                    s->cmp[m].worse ? " class=\"worse\"" : "");
            esc(out, cells.metric);
            fputs("</td><td class=\"num\">", out);
            esc(out, cells.baseline);
            fputs("</td><td class=\"num\">", out);
            esc(out, cells.arm);
            fputs("</td><td class=\"change\">", out);
            esc(out, cells.change);
            fputs("</td><td class=\"num\">", out);
            esc(out, cells.p_holm);
            fputs("</td><td class=\"num\">", out);
            esc(out, cells.p_mwu);
            fputs("</td><td class=\"num\">", out);
            esc(out, cells.p_welch);
            fputs("</td><td class=\"num\">", out);
            esc(out, cells.delta);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
        if (s->has_accuracy)
            fprintf(out,
                    "<p class=\"note\">Accuracy TOST (margin &plusmn;%g pp): difference %+.2f pp, "
                    "%.0f %% CI [%+.2f, %+.2f] pp, p = %.3g: %s%s.</p>\n",
                    100 * a->opts.acc_margin, 100 * s->tost.diff, 100 * (1 - 2 * a->opts.alpha),
                    100 * s->tost.ci_lo, 100 * s->tost.ci_hi, s->tost.p,
                    s->tost.equivalent ? "equivalent" : "not shown equivalent",
                    s->tost_strata ? ", stratified by node" : "");
    }
    fputs("</section>\n", out);
}

static void arm_table(FILE *out, const report_analysis *a)
{
    const report_dataset *d = a->data;
    fputs("<section id=\"arms\"><h2>4 Arms</h2>\n<p class=\"note\">Mean &plusmn; sd of the "
          "successful runs; below it the median and the 95 % confidence interval of the mean."
          "</p>\n<div style=\"overflow-x:auto\"><table><thead><tr><th>Metric</th>",
          out);
    for (size_t i = 0; i < d->n_arms; i++) {
        fputs("<th class=\"num\">", out);
        esc(out, d->arms[i].name);
        fprintf(out, "<br><span class=\"note\">%zu of %zu ok</span></th>", a->arms[i].ok,
                a->arms[i].runs);
    }
    fputs("</tr></thead><tbody>\n", out);
    for (size_t m = 0; m < a->n_metrics; m++) {
        char name[96];
        report_metric_heading(&a->metrics[m], name, sizeof name);
        fputs("<tr><td class=\"name\">", out);
        esc(out, name);
        fputs("</td>", out);
        for (size_t i = 0; i < d->n_arms; i++) {
            const report_cell *cell = &a->arms[i].cells[m];
            double k = a->metrics[m].display_scale;
            char ms[64], med[32], lo[32], hi[32];
            report_mean_sd(a, i, m, ms, sizeof ms);
            fputs("<td class=\"num\">", out);
            esc(out, ms);
            if (cell->s.n >= 2) {
                report_fmt_num(cell->s.median * k, med, sizeof med);
                report_fmt_num(cell->s.ci_lo * k, lo, sizeof lo);
                report_fmt_num(cell->s.ci_hi * k, hi, sizeof hi);
                fprintf(out, "<br><span class=\"note\">%s [%s, %s]</span>", med, lo, hi);
            }
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div></section>\n", out);
}

/* The run to draw over time: the one asked for, else, in the first smell arm
 * whose runs have samples (else the first arm with samples), the successful
 * run with the most samples. */
static hml_status pick_run(const report_analysis *a, const char *id, const report_run **run,
                           const report_arm **arm, hml_err *err)
{
    const report_dataset *d = a->data;
    *run = NULL;
    *arm = NULL;
    if (id) {
        for (size_t i = 0; i < d->n_arms && !*run; i++)
            for (size_t r = 0; r < d->arms[i].n_runs && !*run; r++)
                if (strcmp(d->arms[i].runs[r].id, id) == 0) {
                    *run = &d->arms[i].runs[r];
                    *arm = &d->arms[i];
                }
        if (!*run)
            return hml_fail(err, HML_EUSAGE, "--run %s: no run with that id in the data", id);
        return HML_OK;
    }
    for (int pass = 0; pass < 2 && !*run; pass++)
        for (size_t i = 0; i < d->n_arms && !*run; i++) {
            if (pass == 0 && d->arms[i].baseline_index < 0)
                continue;
            size_t most = 0;
            for (size_t r = 0; r < d->arms[i].n_runs; r++) {
                const report_run *x = &d->arms[i].runs[r];
                const report_series *s = report_run_series(x, "rss_bytes");
                size_t n = s ? s->n : x->n_series ? x->series[0].n : 0;
                if (report_run_ok(x) && n > most) {
                    most = n;
                    *run = x;
                    *arm = &d->arms[i];
                }
            }
        }
    return HML_OK;
}

/* The run's energy method as stored, its components joined by " + "
 * ("rapl", "estimate:cpu-4W-per-logical-cpu + estimate:ram-0.375W-per-GiB
 * (estimated, not measured)"). */
static void caption_energy_method(const report_run *run, char *buf, size_t size)
{
    char joined[256];
    report_run_energy_method(run, joined, sizeof joined);
    size_t used = 0;
    buf[0] = '\0';
    for (const char *p = joined; *p && used + 4 < size; p++) {
        if (*p == '+') {
            used += (size_t)snprintf(buf + used, size - used, " + ");
        } else {
            buf[used++] = *p;
            buf[used] = '\0';
        }
    }
    if (!buf[0])
        snprintf(buf, size, "not stored");
    else if (strstr(joined, "estimate:"))
        snprintf(buf + used, size - used, " (estimated, not measured)");
}

static hml_status time_series(FILE *out, const report_analysis *a, const char *id, hml_err *err)
{
    const report_run *run;
    const report_arm *arm;
    hml_status st = pick_run(a, id, &run, &arm, err);
    if (st != HML_OK)
        return st;
    fputs("<section id=\"timeseries\"><h2>5 One run over time</h2>\n", out);
    if (!run || run->n_series == 0) {
        fputs("<p class=\"note\">No time series in this input (a CSV holds one row per run; the "
              "run store keeps the samples).</p></section>\n",
              out);
        return HML_OK;
    }
    fputs("<p class=\"note\">Run ", out);
    esc(out, run->id);
    fputs(" of arm ", out);
    esc(out, arm->name);
    const report_metric *wall = report_run_metric(run, "wall_s");
    const report_metric *energy = report_run_metric(run, "energy_total_j");
    const report_metric *kwh = report_run_metric(run, "energy_kwh");
    double joules = energy ? energy->value : kwh ? kwh->value * 3.6e6 : NAN;
    if (wall && wall->value > 0 && isfinite(joules))
        fprintf(out, "; average power %.1f W over %.1f s", joules / wall->value, wall->value);
    const report_series *energy_series = report_run_series(run, "energy_j");
    char energy_method[512] = "";
    caption_energy_method(run, energy_method, sizeof energy_method);
    if (energy_series && energy_series->n >= 2) {
        fputs(" (choose another with <code>--run ID</code>). Each sample holds the energy used "
              "since the run began; power over time is the energy between two consecutive "
              "samples over the time between them (energy method: ",
              out);
        esc(out, energy_method);
        fputs("). CPU use shows where the work was.</p>\n<div class=\"grid\">\n", out);
    } else {
        fputs(" (choose another with <code>--run ID</code>). This run's samples hold no energy "
              "(a store written before sample energy was recorded, or a counter that could not "
              "be read during the run), so power over time is not sampled; CPU use shows where "
              "the work was.</p>\n<div class=\"grid\">\n",
              out);
    }
    static const struct {
        const char *name, *label, *color;
        double scale;
    } known[] = {{"rss_bytes", "resident memory (MiB)", COLOR_BASELINE, 1.0 / (1024 * 1024)},
                 {"gpu_mem_bytes", "GPU memory (MiB)", COLOR_VISIBLE, 1.0 / (1024 * 1024)},
                 {"cpu_cores", "CPU use (busy CPUs)", COLOR_HIDDEN, 1},
                 {"power_w", "power (W)", COLOR_NO_COST, 1}};
    int number = 0;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        bool power = strcmp(known[k].name, "power_w") == 0;
        const report_series *s = report_run_series(run, power ? "energy_j" : known[k].name);
        if (!s || s->n == 0)
            continue;
        double *t = s->t_s, *v = NULL;
        size_t n = s->n;
        if (power) {
            /* W between consecutive samples of the cumulative energy */
            if ((st = report_series_rate(s, &t, &v, &n, err)) != HML_OK)
                return st;
            if (n == 0) {
                free(t);
                free(v);
                continue;
            }
        } else {
            v = malloc(s->n * sizeof *v);
            if (!v)
                return hml_fail(err, HML_ESYSTEM, "html: out of memory");
            memcpy(v, s->v, s->n * sizeof *v);
        }
        for (size_t i = 0; i < n; i++)
            v[i] *= known[k].scale;
        svg_series series = {.t = t, .v = v, .n = n, .color = known[k].color};
        fprintf(out, "<figure id=\"ts-%s\">\n", known[k].name);
        svg_line_chart(out, &series, known[k].label, known[k].label);
        fprintf(out, "<figcaption><b>Series %d.</b> %s, %zu %s", ++number, known[k].label, n,
                power ? "intervals between samples; energy method: " : "samples");
        if (power)
            esc(out, energy_method);
        fputs(".</figcaption></figure>\n", out);
        if (t != s->t_s)
            free(t);
        free(v);
    }
    fputs("</div></section>\n", out);
    return HML_OK;
}

static void warnings(FILE *out, const report_analysis *a)
{
    fputs("<section id=\"warnings\"><h2>6 Warnings</h2>\n", out);
    if (a->n_warnings == 0) {
        fputs("<p class=\"note\">None.</p></section>\n", out);
        return;
    }
    fputs("<ul class=\"warnings\">\n", out);
    for (size_t i = 0; i < a->n_warnings; i++) {
        fputs("<li>", out);
        esc(out, a->warnings[i].text);
        fputs("</li>\n", out);
    }
    fputs("</ul></section>\n", out);
}

static void methods(FILE *out, const report_analysis *a)
{
    fprintf(out,
            "<section id=\"methods\"><h2>7 Methods</h2>\n<p>Only successful runs enter the "
            "statistics. Each smell arm is compared with its baseline on every metric. The change "
            "is the ratio of the arm means (for accuracy the difference in percentage points) "
            "with a %.0f %% percentile bootstrap interval from %zu stratified resamples (GSL "
            "MT19937, seed %lu). The cost metrics (wall time, CPU time, peak memory, GPU memory, "
            "energy) are tested with the two-sided Mann-Whitney U test, exact for up to %d runs "
            "per arm (ties handled by the exact permutation distribution of the midranks), "
            "otherwise by the normal approximation with tie correction; the p-values of all %zu "
            "smell &times; cost tests are adjusted together with Holm's method at &alpha; = %g. "
            "These say whether a cost differs at all; the verdicts rest on the one-sided tests "
            "against the smallest cost of interest described under them. CO2 is energy times "
            "a constant and moves with it. Welch's t-test is shown beside "
            "it. The effect size is Cliff's &delta; (negligible &lt; 0.147, small &lt; 0.33, "
            "medium &lt; 0.474, else large). Accuracy is called equivalent when two one-sided "
            "Welch tests reject a difference of &plusmn;%g pp at &alpha; = %g. Warnings follow "
            "hyperfine and pyperf: outliers by the modified z-score (&gt; 3.5), coefficient of "
            "variation above 10 %%, a first run slower than the rest, failed runs, power below "
            "80 %% for the observed difference (Welch, shifted-t approximation), estimated "
            "energy.</p>\n",
            100 * a->opts.level, a->opts.resamples, a->opts.seed, STATS_MWU_EXACT_MAX_N,
            a->family_size, a->opts.alpha, 100 * a->opts.acc_margin, a->opts.alpha);
    char node_test[2048];
    report_fmt_node_test(a, node_test, sizeof node_test);
    if (node_test[0]) {
        fputs("<p>", out);
        esc(out, node_test);
        fputs("</p>\n", out);
    }
    fputs("</section>\n", out);
}

hml_status report_render_html(FILE *out, const report_analysis *a,
                              const report_render_options *opts, hml_err *err)
{
    const report_dataset *d = a->data;
    const report_run *run;
    const report_arm *arm;
    hml_status st = pick_run(a, opts ? opts->run : NULL, &run, &arm, err);
    if (st != HML_OK)
        return st; /* before writing anything */
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"hmlcost " HMLCOST_VERSION "\">\n<title>"
          "hmlcost report",
          out);
    if (d->experiment_id[0]) {
        fputs(": experiment ", out);
        esc(out, d->experiment_id);
    }
    fprintf(out, "</title>\n<style>%s</style>\n</head><body><main>\n", page_style);
    header(out, a);
    verdicts(out, a);
    arm_measures(out, a);
    if ((st = figures(out, a, err)) != HML_OK)
        return st;
    comparisons(out, a);
    arm_table(out, a);
    if ((st = time_series(out, a, opts ? opts->run : NULL, err)) != HML_OK)
        return st;
    warnings(out, a);
    methods(out, a);
    fputs("</main></body></html>\n", out);
    return HML_OK;
}
