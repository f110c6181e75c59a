/* CIFAR-10 binary records: any file must load as whole, labelled records or
 * be refused with an error, and loaded records must convert to a batch. */
#include <stdlib.h>

#include "data/cifar10.h"
#include "fuzz_input.h"

enum { MAX_RECORDS = 4 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".bin");
    data_set set = {.records = malloc((size_t)MAX_RECORDS * DATA_RECORD_BYTES), .count = 0};
    if (!set.records)
        return 0;
    hml_err err = {0};
    if (cifar10_load_file(path, MAX_RECORDS, &set, &err) == HML_OK && set.count) {
        float *x = malloc(set.count * DATA_IMAGE_BYTES * sizeof *x);
        int32_t labels[MAX_RECORDS];
        if (x)
            data_fill_batch(&set, NULL, 0, set.count, x, labels);
        free(x);
    }
    data_set_free(&set);
    return 0;
}
