#include "report/source.h"

hml_status report_load_source(const report_source *src, report_dataset *out, hml_err *err)
{
    hml_status st = src->input ? report_load_csv(src->input, &src->csv, out, err)
                               : report_load_store(src->store, &src->stored, out, err);
    if (st != HML_OK || !src->node)
        return st;
    st = report_dataset_keep_node(out, src->node, err);
    if (st != HML_OK)
        report_dataset_free(out);
    return st;
}
