/* CIFAR-10's binary version: data_batch_1.bin .. data_batch_5.bin (training,
 * 10,000 records each) and test_batch.bin, every record 3073 bytes. */
#ifndef HMLCOST_DATA_CIFAR10_H
#define HMLCOST_DATA_CIFAR10_H

#include <stddef.h>

#include "common/error.h"
#include "data/dataset.h"

/* Finds the data directory, first match wins: `dir` when not NULL (then it
 * must hold the files), $HMLCOST_DATA, ./data/cifar-10-batches-bin,
 * ../shared/data/cifar10. A candidate counts when it holds
 * data_batch_1.bin. Writes the directory into out. Fails (HML_EUSAGE) with
 * the places it looked. */
hml_status cifar10_find_dir(const char *dir, char *out, size_t out_size, hml_err *err);

/* Loads the first `limit` training records (limit 0: all 50,000; more
 * than there are: an error naming the count) from dir, reading only the
 * files needed. Validates every file's size (a whole number of records,
 * 30,730,000 bytes for the official files) and every label (<= 9); errors
 * name the file and, for a label, the record (HML_EUSAGE). */
hml_status cifar10_load_train(const char *dir, size_t limit, data_set *out, hml_err *err);

/* The same for test_batch.bin (limit 0: all 10,000). */
hml_status cifar10_load_test(const char *dir, size_t limit, data_set *out, hml_err *err);

/* Loads records from one file (validated as above), appending up to `want`
 * records into set (whose records array has room). Exposed for tests. */
hml_status cifar10_load_file(const char *path, size_t want, data_set *set, hml_err *err);

#endif
