#include "report/load_csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/name_limits.h"
#include "common/text.h"
#include "report/csv_schema.h"
#include "report/csv_table.h"

/* A cell as it was before the CSV rule's formula prefix (so an export
 * reads back with its names unchanged). */
static const char *cell(const csv_table *t, size_t row, int col)
{
    return col >= 0 ? escape_csv_unprefixed(t->rows[row][col]) : "";
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

/* A number in a cell (blanks around it allowed). *present false for an empty
 * cell; "nan" and "inf" are refused, as are trailing characters. */
static hml_status parse_number(const csv_table *t, size_t row, int col, const char *path,
                               double *value, bool *present, hml_err *err)
{
    const char *text = cell(t, row, col);
    *present = false;
    if (blank(text))
        return HML_OK;
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    while (end && isspace((unsigned char)*end))
        end++;
    if (end == text || *end != '\0' || !isfinite(v) || errno == ERANGE)
        return hml_fail(err, HML_EUSAGE, "%s line %zu: column %s: '%s' is not a number", path,
                        t->line[row], t->header[col], text);
    *value = v;
    *present = true;
    return HML_OK;
}

/* A value outside its column's contract, refused with the row, the column
 * and the contract named. */
static hml_status refuse(const csv_table *t, size_t row, int col, const char *path,
                         const char *contract, hml_err *err)
{
    return hml_fail(err, HML_EUSAGE, "%s line %zu: column %s: '%s' is not %s", path, t->line[row],
                    t->header[col], cell(t, row, col), contract);
}

static hml_status within(const csv_table *t, size_t row, int col, const char *path, double v,
                         double min, double max, const char *contract, hml_err *err)
{
    return v >= min && v <= max ? HML_OK : refuse(t, row, col, path, contract, err);
}

/* The number in the named column; *present false when the file has no such
 * column or the cell is empty. */
static hml_status column_number(const csv_table *t, size_t row, const char *column,
                                const char *path, double *value, bool *present, hml_err *err)
{
    int col = csv_column(t, column);
    *present = false;
    return col < 0 ? HML_OK : parse_number(t, row, col, path, value, present, err);
}

static void copy_cell(char *dst, size_t size, const csv_table *t, size_t row, int col)
{
    text_copy(dst, size, cell(t, row, col));
}

static bool known_status(const char *s)
{
    static const char *const statuses[] = {"ok", "failed", "crashed", "timeout", "error"};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (strcmp(s, statuses[i]) == 0)
            return true;
    return false;
}

/* The metrics of one row. */
static hml_status read_metrics(const csv_table *t, size_t row, const char *path, report_run *run,
                               hml_err *err)
{
    for (size_t i = 0; i < csv_schema_metric_count; i++) {
        const csv_metric_column *m = &csv_schema_metrics[i];
        double v;
        bool present;
        hml_status st = column_number(t, row, m->column, path, &v, &present, err);
        if (st != HML_OK)
            return st;
        if (!present)
            continue;
        st = within(t, row, csv_column(t, m->column), path, v, m->min, m->max, m->contract, err);
        if (st != HML_OK)
            return st;
        const char *method = m->method_column ? cell(t, row, csv_column(t, m->method_column)) : "";
        if (blank(method))
            method = m->default_method;
        st = report_run_set_metric(run, m->metric, v * m->to_metric, m->unit, method, err);
        if (st == HML_OK && strcmp(m->metric, "energy_kwh") == 0)
            st = report_run_set_metric(run, "energy_total_j", v * 3.6e6, "J", method, err);
        if (st != HML_OK)
            return st;
    }
    double v;
    bool present;
    hml_status st = column_number(t, row, "ram_energy", path, &v, &present, err);
    if (st != HML_OK || !present)
        return st;
    st = within(t, row, csv_column(t, "ram_energy"), path, v, 0, HUGE_VAL, CSV_NOT_NEGATIVE, err);
    if (st != HML_OK)
        return st;
    const char *method = cell(t, row, csv_column(t, "ram_energy_method"));
    if (blank(method))
        method = CSV_CODECARBON_METHOD;
    /* RAPL's DRAM domain is a counter; anything else is the RAM estimate. */
    const char *name = strcmp(method, "rapl") == 0 ? "energy_dram_j" : "energy_ram_j";
    return report_run_set_metric(run, name, v * 3.6e6, "J", method, err);
}

static hml_status read_host(const csv_table *t, size_t row, const char *path, report_run *run,
                            hml_err *err)
{
    report_host *h = &run->host;
    copy_cell(h->hostname, sizeof h->hostname, t, row, csv_column(t, "hostname"));
    copy_cell(h->cpu_model, sizeof h->cpu_model, t, row, csv_column(t, "cpu_model"));
    copy_cell(h->gpu_model, sizeof h->gpu_model, t, row, csv_column(t, "gpu_model"));
    copy_cell(h->country_name, sizeof h->country_name, t, row, csv_column(t, "country_name"));
    copy_cell(h->country_iso_code, sizeof h->country_iso_code, t, row,
              csv_column(t, "country_iso_code"));
    /* Each column fills a figure or a count, within its contract. */
    struct {
        const char *column;
        double *figure;
        int *count;
        double min, max;
        const char *contract;
    } numbers[] = {{"ram_total_size", &h->ram_total_gb, NULL, 0, HUGE_VAL, CSV_NOT_NEGATIVE},
                   {"pue", &h->pue, NULL, 1, 10, "from 1 to 10"},
                   {"cpu_count", NULL, &h->cpu_count, 0, 1e6, "a count from 0 to 1000000"},
                   {"gpu_count", NULL, &h->gpu_count, 0, 1e6, "a count from 0 to 1000000"}};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        bool present;
        double v;
        hml_status st = column_number(t, row, numbers[i].column, path, &v, &present, err);
        if (st != HML_OK)
            return st;
        if (!present)
            continue;
        if (v < numbers[i].min || v > numbers[i].max || (numbers[i].count && v != floor(v)))
            return refuse(t, row, csv_column(t, numbers[i].column), path, numbers[i].contract,
                          err);
        if (numbers[i].figure)
            *numbers[i].figure = v;
        else
            *numbers[i].count = (int)v;
    }
    return HML_OK;
}

static hml_status read_row(const csv_table *t, size_t row, const char *path, int arm_col,
                           report_dataset *d, hml_err *err)
{
    const char *arm_name = cell(t, row, arm_col);
    if (blank(arm_name))
        return hml_fail(err, HML_EUSAGE, "%s line %zu: column %s is empty", path, t->line[row],
                        t->header[arm_col]);
    if (strlen(arm_name) > ARM_NAME_MAX)
        return hml_fail(err, HML_EUSAGE, "%s line %zu: column %s: arm name '%.40s...' is longer "
                        "than %d characters", path, t->line[row], t->header[arm_col], arm_name,
                        ARM_NAME_MAX);
    static const char *const named[] = {"smell", "baseline"};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        int col = csv_column(t, named[i]);
        if (strlen(cell(t, row, col)) > ARM_NAME_MAX)
            return hml_fail(err, HML_EUSAGE, "%s line %zu: column %s: '%.40s...' is longer than %d "
                            "characters", path, t->line[row], named[i], cell(t, row, col),
                            ARM_NAME_MAX);
    }
    report_arm *arm = report_dataset_find_arm(d, arm_name);
    if (!arm) {
        arm = report_dataset_add_arm(d, arm_name);
        if (!arm)
            return hml_fail(err, HML_ESYSTEM, "out of memory");
        copy_cell(arm->smell, sizeof arm->smell, t, row, csv_column(t, "smell"));
        copy_cell(arm->baseline, sizeof arm->baseline, t, row, csv_column(t, "baseline"));
    }
    report_run *run = report_arm_add_run(arm);
    if (!run)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    copy_cell(run->id, sizeof run->id, t, row, csv_column(t, "run_id"));
    if (!run->id[0])
        snprintf(run->id, sizeof run->id, "row%zu", row + 1);
    copy_cell(run->started_at, sizeof run->started_at, t, row, csv_column(t, "timestamp"));
    copy_cell(run->reason, sizeof run->reason, t, row, csv_column(t, "reason"));
    const char *status = cell(t, row, csv_column(t, "status"));
    if (!blank(status)) {
        if (!known_status(status))
            return hml_fail(err, HML_EUSAGE,
                            "%s line %zu: status '%s' is not ok, failed, crashed, timeout or error",
                            path, t->line[row], status);
        snprintf(run->status, sizeof run->status, "%s", status);
    }
    double order;
    bool present;
    hml_status st = column_number(t, row, "order", path, &order, &present, err);
    if (st == HML_OK && present)
        st = within(t, row, csv_column(t, "order"), path, order, 0, 1e9,
                    "a position from 0 to 1000000000", err);
    if (st != HML_OK)
        return st;
    run->order = present ? (long)order : (long)row;
    if ((st = read_host(t, row, path, run, err)) != HML_OK)
        return st;
    return read_metrics(t, row, path, run, err);
}

/* Which arms are baselines: --baseline names the one baseline (every other
 * arm is compared with it); otherwise an arm with an empty "baseline" column
 * is a baseline. */
static hml_status mark_baselines(const char *path, const csv_table *t, const char *baseline,
                                 report_dataset *d, hml_err *err)
{
    if (baseline) {
        report_arm *b = report_dataset_find_arm(d, baseline);
        if (!b)
            return hml_fail(err, HML_EUSAGE, "--baseline: no arm '%s' in %s", baseline, path);
        for (size_t a = 0; a < d->n_arms; a++) {
            report_arm *arm = &d->arms[a];
            arm->is_baseline = arm == b;
            snprintf(arm->baseline, sizeof arm->baseline, "%s", arm == b ? "" : baseline);
            if (!arm->is_baseline && !arm->smell[0] && csv_column(t, "smell") < 0)
                snprintf(arm->smell, sizeof arm->smell, "%s", arm->name);
            if (arm->is_baseline)
                arm->smell[0] = '\0';
        }
        return HML_OK;
    }
    if (csv_column(t, "baseline") < 0)
        return hml_fail(err, HML_EUSAGE,
                        "%s: which arm is the baseline? (no 'baseline' column: use --baseline NAME)",
                        path);
    for (size_t a = 0; a < d->n_arms; a++)
        d->arms[a].is_baseline = d->arms[a].baseline[0] == '\0';
    return HML_OK;
}

hml_status report_load_csv(const char *path, const report_csv_options *opts, report_dataset *out,
                           hml_err *err)
{
    memset(out, 0, sizeof *out);
    const char *arm_column = opts && opts->arm_column ? opts->arm_column : "arm";
    csv_table t;
    hml_status st = csv_read_file(path, &t, err);
    if (st != HML_OK)
        return st;
    int arm_col = csv_column(&t, arm_column);
    if (arm_col < 0) {
        st = opts && opts->arm_column
                 ? hml_fail(err, HML_EUSAGE, "--arm-column: no column '%s' in %s", arm_column, path)
                 : hml_fail(err, HML_EUSAGE,
                            "%s: no 'arm' column (for a CodeCarbon emissions.csv, name the "
                            "column that holds the arm with --arm-column)",
                            path);
    } else if (t.n_rows == 0) {
        st = hml_fail(err, HML_EUSAGE, "%s: no runs (only a header)", path);
    }
    for (size_t r = 0; st == HML_OK && r < t.n_rows; r++)
        st = read_row(&t, r, path, arm_col, out, err);
    if (st == HML_OK)
        st = mark_baselines(path, &t, opts ? opts->baseline : NULL, out, err);
    if (st == HML_OK) {
        copy_cell(out->experiment_id, sizeof out->experiment_id, &t, 0,
                  csv_column(&t, "experiment_id"));
        int col = csv_column(&t, "project_name");
        if (strlen(cell(&t, 0, col)) > EXPERIMENT_NAME_MAX)
            st = hml_fail(err, HML_EUSAGE, "%s line %zu: column project_name: longer than %d "
                          "characters", path, t.line[0], EXPERIMENT_NAME_MAX);
        copy_cell(out->name, sizeof out->name, &t, 0, col);
        copy_cell(out->created_at, sizeof out->created_at, &t, 0, csv_column(&t, "timestamp"));
        snprintf(out->source, sizeof out->source, "%s %s",
                 csv_column(&t, "energy_method") >= 0 ? "hmlcost CSV" : "CSV", path);
        if (st == HML_OK && (st = report_dataset_pair(out, err)) != HML_OK)
            hml_wrap(err, "%s", path);
    }
    csv_table_free(&t);
    if (st != HML_OK)
        report_dataset_free(out);
    return st;
}
