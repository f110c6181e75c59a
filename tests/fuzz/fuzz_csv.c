/* A CSV given to `hmlcost report --csv`: ours (arm, baseline, status, ...)
 * or CodeCarbon's emissions.csv. The first input byte picks the reading
 * options, so both the arm-column and the --baseline paths are covered.
 * What loads is then analysed and rendered in every format. */
#include "fuzz_input.h"
#include "fuzz_report.h"
#include "report/dataset.h"
#include "report/load_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const arm_columns[] = {NULL, "project_name", "experiment_id", "arm"};
    static const char *const baselines[] = {NULL, "base", "baseline", "a"};
    report_csv_options opts = {
        .arm_column = arm_columns[data[0] & 3],
        .baseline = baselines[(data[0] >> 2) & 3],
    };
    const char *path = fuzz_input_file(data + 1, size - 1, ".csv");
    report_dataset d = {0};
    hml_err err = {0};
    if (report_load_csv(path, &opts, &d, &err) == HML_OK)
        fuzz_report_everything(&d);
    report_dataset_free(&d);
    return 0;
}
