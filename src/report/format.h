/* The report's output formats. Each formatter prints an analysis (and, for
 * csv, the dataset's runs); none computes a statistic. */
#ifndef HMLCOST_REPORT_FORMAT_H
#define HMLCOST_REPORT_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"
#include "report/analysis.h"

typedef enum report_format {
    REPORT_FORMAT_TEXT,     /* terminal: verdicts, per-smell tables, warnings */
    REPORT_FORMAT_MARKDOWN, /* the same as GitHub-flavoured Markdown tables */
    REPORT_FORMAT_CSV,      /* one row per run (csv_schema.h) */
    REPORT_FORMAT_JSON,     /* every figure, test and verdict */
    REPORT_FORMAT_HTML,     /* one self-contained page with inline SVG figures */
} report_format;

typedef struct report_render_options {
    bool color;             /* ANSI colours (text only) */
    const char *run;        /* html: the run whose time series is drawn (id); NULL: the
                               first successful run of the first smell arm with samples */
} report_render_options;

/* "text", "markdown", "csv", "json", "html" (also "md", "terminal"). */
hml_status report_format_parse(const char *text, report_format *out, hml_err *err);

/* Writes the report; HML_ESYSTEM when writing fails (disk full, closed pipe). */
hml_status report_render(FILE *out, report_format format, const report_analysis *a,
                         const report_render_options *opts, hml_err *err);

/* The formatters behind report_render. */
hml_status report_render_text(FILE *out, const report_analysis *a,
                              const report_render_options *opts, hml_err *err);
hml_status report_render_markdown(FILE *out, const report_analysis *a,
                                  const report_render_options *opts, hml_err *err);
hml_status report_render_csv(FILE *out, const report_analysis *a,
                             const report_render_options *opts, hml_err *err);
hml_status report_render_json(FILE *out, const report_analysis *a,
                              const report_render_options *opts, hml_err *err);
hml_status report_render_html(FILE *out, const report_analysis *a,
                              const report_render_options *opts, hml_err *err);

#endif
