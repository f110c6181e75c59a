/* A damaged run store: `hmlcost report --store` on any file must read an
 * experiment or refuse the file with an error, never crash; what loads is
 * analysed and rendered in every format. */
#include "fuzz_input.h"
#include "fuzz_report.h"
#include "report/dataset.h"
#include "report/load_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".db");
    report_store_options opts = {.experiment = 0, .samples = true};
    report_dataset d = {0};
    hml_err err = {0};
    if (report_load_store(path, &opts, &d, &err) == HML_OK)
        fuzz_report_everything(&d);
    report_dataset_free(&d);
    return 0;
}
