#include "fuzz_report.h"

#include <stdio.h>
#include <stdlib.h>

#include "report/analysis.h"
#include "report/format.h"

void fuzz_report_everything(const report_dataset *d)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    report_options opts;
    report_options_default(&opts);
    opts.resamples = 64;
    opts.min_runs = 2;
    report_analysis a;
    hml_err err = {0};
    if (report_analyze(d, &opts, &a, &err) != HML_OK)
        return;
    static const report_format formats[] = {REPORT_FORMAT_TEXT, REPORT_FORMAT_MARKDOWN,
                                            REPORT_FORMAT_CSV, REPORT_FORMAT_JSON,
                                            REPORT_FORMAT_HTML};
    report_render_options ropts = {.color = true, .run = NULL};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        report_render(sink, formats[i], &a, &ropts, &err);
    report_analysis_free(&a);
}
