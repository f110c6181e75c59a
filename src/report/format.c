#include "report/format.h"

#include <errno.h>
#include <string.h>

hml_status report_format_parse(const char *text, report_format *out, hml_err *err)
{
    static const struct {
        const char *name;
        report_format format;
    } names[] = {{"text", REPORT_FORMAT_TEXT},         {"terminal", REPORT_FORMAT_TEXT},
                 {"markdown", REPORT_FORMAT_MARKDOWN}, {"md", REPORT_FORMAT_MARKDOWN},
                 {"csv", REPORT_FORMAT_CSV},           {"json", REPORT_FORMAT_JSON},
                 {"html", REPORT_FORMAT_HTML}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].format;
            return HML_OK;
        }
    return hml_fail(err, HML_EUSAGE,
                    "--format: '%s' is not one of text, markdown, csv, json, html", text);
}

hml_status report_render(FILE *out, report_format format, const report_analysis *a,
                         const report_render_options *opts, hml_err *err)
{
    report_render_options none = {0};
    if (!opts)
        opts = &none;
    hml_status st = HML_OK;
    switch (format) {
    case REPORT_FORMAT_TEXT: st = report_render_text(out, a, opts, err); break;
    case REPORT_FORMAT_MARKDOWN: st = report_render_markdown(out, a, opts, err); break;
    case REPORT_FORMAT_CSV: st = report_render_csv(out, a, opts, err); break;
    case REPORT_FORMAT_JSON: st = report_render_json(out, a, opts, err); break;
    case REPORT_FORMAT_HTML: st = report_render_html(out, a, opts, err); break;
    }
    if (st != HML_OK)
        return st;
    if (fflush(out) != 0 || ferror(out))
        return hml_fail(err, HML_ESYSTEM, "writing the report: %s", strerror(errno ? errno : EIO));
    return HML_OK;
}
