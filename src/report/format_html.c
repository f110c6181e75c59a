#include "report/format.h"

hml_status report_render_html(FILE *out, const report_analysis *a,
                              const report_render_options *opts, hml_err *err)
{
    (void)a;
    (void)opts;
    (void)err;
    fputs("<!doctype html><title>todo</title>\n", out);
    return HML_OK;
}
