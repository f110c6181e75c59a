/* The CIFAR-10 loader (good, truncated, bad label, missing files, search
 * order), synthetic data, normalisation, the seeded stream and the epoch
 * order. Files are written to a temporary directory; the real data set is
 * only read when present (the load-time figure is printed, not asserted:
 * sanitizer builds and a shared machine make timing asserts flaky). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data/cifar10.h"
#include "data/dataset.h"
#include "data/order.h"
#include "data/rng.h"
#include "data/synthetic.h"

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hmlcost-test-data-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes `records` records: record i has label i % 10 (12 at
 * bad_label_at) and pixels (i + p) % 256, then extra_bytes zeros. */
static void write_file(const char *name, size_t records, int bad_label_at, size_t extra_bytes)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t rec[DATA_RECORD_BYTES];
    for (size_t i = 0; i < records; i++) {
        rec[0] = (int)i == bad_label_at ? 12 : (uint8_t)(i % 10);
        for (int p = 0; p < DATA_IMAGE_BYTES; p++)
            rec[1 + p] = (uint8_t)((i + (size_t)p) % 256);
        assert_int_equal(fwrite(rec, 1, sizeof rec, f), sizeof rec);
    }
    for (size_t i = 0; i < extra_bytes; i++)
        fputc(0, f);
    fclose(f);
}

static void write_dataset(size_t per_file)
{
    char name[64];
    for (int b = 1; b <= 5; b++) {
        snprintf(name, sizeof name, "data_batch_%d.bin", b);
        write_file(name, per_file, -1, 0);
    }
    write_file("test_batch.bin", per_file, -1, 0);
}

static void loads_records_across_files_in_order(void **state)
{
    (void)state;
    write_dataset(4);
    data_set set;
    hml_err err = {0};
    assert_int_equal(cifar10_load_train(tmpdir, 10, &set, &err), HML_OK);
    assert_int_equal(set.count, 10);
    /* Records 0..3 from file 1, 4..7 from file 2, 8..9 from file 3. */
    assert_int_equal(data_label(&set, 5), 1);
    assert_int_equal(set.records[5 * DATA_RECORD_BYTES + 1], 1);
    data_set_free(&set);
    assert_int_equal(cifar10_load_train(tmpdir, 0, &set, &err), HML_OK); /* 0: all there is */
    assert_int_equal(set.count, 20);
    data_set_free(&set);
    assert_int_equal(cifar10_load_train(tmpdir, 21, &set, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "asked for 21 records but the files hold only 20"));
    assert_null(set.records);
    assert_int_equal(cifar10_load_test(tmpdir, 4, &set, &err), HML_OK);
    assert_int_equal(set.count, 4);
    data_set_free(&set);
}

static void truncated_file_is_named(void **state)
{
    (void)state;
    write_dataset(2);
    char path[512];
    snprintf(path, sizeof path, "%s/data_batch_2.bin", tmpdir);
    assert_int_equal(truncate(path, DATA_RECORD_BYTES * 2 - 100), 0);
    data_set set;
    hml_err err = {0};
    assert_int_equal(cifar10_load_train(tmpdir, 0, &set, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "data_batch_2.bin"));
    assert_non_null(strstr(err.msg, "not a whole number of 3073-byte records"));
    assert_null(set.records);
    /* A limit served by the first file alone does not read the second. */
    assert_int_equal(cifar10_load_train(tmpdir, 2, &set, &err), HML_OK);
    data_set_free(&set);
    /* An empty file is as wrong as a truncated one. */
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(cifar10_load_train(tmpdir, 0, &set, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "size 0 bytes"));
}

static void bad_label_names_file_and_record(void **state)
{
    (void)state;
    write_dataset(3);
    write_file("test_batch.bin", 3, 2, 0);
    data_set set;
    hml_err err = {0};
    assert_int_equal(cifar10_load_test(tmpdir, 0, &set, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "test_batch.bin: record 2: label 12 is not in 0..9"));
}

static void missing_file_is_named(void **state)
{
    (void)state;
    write_dataset(2);
    char path[512];
    snprintf(path, sizeof path, "%s/data_batch_4.bin", tmpdir);
    assert_int_equal(unlink(path), 0);
    data_set set;
    hml_err err = {0};
    assert_int_equal(cifar10_load_train(tmpdir, 0, &set, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "data_batch_4.bin: cannot open"));
    /* A directory where a file should be. */
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(cifar10_load_train(tmpdir, 0, &set, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "data_batch_4.bin: not a regular file"));
    rmdir(path);
}

static void find_dir_follows_the_search_order(void **state)
{
    (void)state;
    char out[4096];
    hml_err err = {0};
    /* --data wins and must be a directory. */
    assert_int_equal(cifar10_find_dir(tmpdir, out, sizeof out, &err), HML_OK);
    assert_string_equal(out, tmpdir);
    assert_int_equal(cifar10_find_dir("/nonexistent/dir", out, sizeof out, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--data: '/nonexistent/dir' is not a directory"));
    /* Then $HMLCOST_DATA, which must also be right when set. */
    setenv("HMLCOST_DATA", tmpdir, 1);
    assert_int_equal(cifar10_find_dir(NULL, out, sizeof out, &err), HML_OK);
    assert_string_equal(out, tmpdir);
    setenv("HMLCOST_DATA", "/nonexistent/env", 1);
    assert_int_equal(cifar10_find_dir(NULL, out, sizeof out, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "HMLCOST_DATA"));
    unsetenv("HMLCOST_DATA");
    /* Then ./data/cifar-10-batches-bin, then ../shared/data/cifar10,
     * relative to the working directory. */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char sub[512];
    snprintf(sub, sizeof sub, "%s/work", tmpdir);
    mkdir(sub, 0700);
    assert_int_equal(chdir(sub), 0);
    assert_int_equal(cifar10_find_dir(NULL, out, sizeof out, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "CIFAR-10 not found"));
    mkdir("../shared", 0700);
    mkdir("../shared/data", 0700);
    mkdir("../shared/data/cifar10", 0700);
    FILE *f = fopen("../shared/data/cifar10/data_batch_1.bin", "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(cifar10_find_dir(NULL, out, sizeof out, &err), HML_OK);
    assert_string_equal(out, "../shared/data/cifar10");
    mkdir("data", 0700);
    mkdir("data/cifar-10-batches-bin", 0700);
    f = fopen("data/cifar-10-batches-bin/data_batch_1.bin", "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(cifar10_find_dir(NULL, out, sizeof out, &err), HML_OK);
    assert_string_equal(out, "./data/cifar-10-batches-bin");
    assert_int_equal(chdir(cwd), 0);
}

static void fill_batch_normalises_per_channel(void **state)
{
    (void)state;
    data_set set;
    hml_err err = {0};
    assert_int_equal(data_synthetic(3, 0, 5, &set, &err), HML_OK);
    uint32_t order[2] = {4, 1};
    float x[2 * DATA_IMAGE_BYTES];
    int32_t labels[2];
    data_fill_batch(&set, order, 0, 2, x, labels);
    assert_int_equal(labels[0], data_label(&set, 4));
    assert_int_equal(labels[1], data_label(&set, 1));
    for (int c = 0; c < 3; c++)
        for (int p = 0; p < 1024; p += 97) {
            uint8_t byte = set.records[1 * DATA_RECORD_BYTES + 1 + c * 1024 + p];
            double want = (byte / 255.0 - data_channel_mean[c]) / data_channel_std[c];
            assert_true(fabs(x[DATA_IMAGE_BYTES + c * 1024 + p] - want) < 1e-5);
        }
    data_set_free(&set);
}

static void synthetic_is_deterministic_and_labelled(void **state)
{
    (void)state;
    data_set a, b, c, test;
    hml_err err = {0};
    assert_int_equal(data_synthetic(11, 0, 300, &a, &err), HML_OK);
    assert_int_equal(data_synthetic(11, 0, 300, &b, &err), HML_OK);
    assert_int_equal(data_synthetic(12, 0, 300, &c, &err), HML_OK);
    assert_int_equal(data_synthetic(11, 1, 300, &test, &err), HML_OK);
    assert_memory_equal(a.records, b.records, 300 * DATA_RECORD_BYTES);
    assert_true(memcmp(a.records, c.records, 300 * DATA_RECORD_BYTES) != 0);
    assert_true(memcmp(a.records, test.records, 300 * DATA_RECORD_BYTES) != 0);
    int seen[10] = {0};
    for (size_t i = 0; i < a.count; i++) {
        assert_true(data_label(&a, i) < 10);
        seen[data_label(&a, i)]++;
    }
    for (int k = 0; k < 10; k++)
        assert_true(seen[k] > 10);
    data_set_free(&c);
    assert_int_equal(data_synthetic(1, 0, 0, &c, &err), HML_EUSAGE);
    data_set_free(&a);
    data_set_free(&b);
    data_set_free(&test);
}

static void rng_streams_are_reproducible_and_distinct(void **state)
{
    (void)state;
    hml_rng a, b, c;
    hml_rng_init(&a, 42, 1);
    hml_rng_init(&b, 42, 1);
    hml_rng_init(&c, 42, 2);
    int same_as_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = hml_rng_next(&a);
        assert_true(x == hml_rng_next(&b));
        same_as_c += x == hml_rng_next(&c);
    }
    assert_int_equal(same_as_c, 0);
    /* Uniform floats in [0, 1) with mean about 1/2; bounded integers below
     * the bound and covering it. */
    double sum = 0;
    int hits[7] = {0};
    for (int i = 0; i < 70000; i++) {
        float u = hml_rng_uniform_float(&a);
        assert_true(u >= 0.0f && u < 1.0f);
        sum += u;
        uint32_t k = hml_rng_below(&a, 7);
        assert_true(k < 7);
        hits[k]++;
    }
    assert_true(fabs(sum / 70000 - 0.5) < 0.01);
    for (int k = 0; k < 7; k++)
        assert_true(hits[k] > 9000 && hits[k] < 11000);
}

static void epoch_order_is_a_seeded_permutation(void **state)
{
    (void)state;
    enum { N = 1000 };
    uint32_t a[N], b[N], c[N];
    data_epoch_order(5, 0, N, a);
    data_epoch_order(5, 0, N, b);
    data_epoch_order(5, 1, N, c);
    assert_memory_equal(a, b, sizeof a);
    assert_true(memcmp(a, c, sizeof a) != 0);
    char seen[N] = {0};
    int moved = 0;
    for (int i = 0; i < N; i++) {
        assert_true(a[i] < N);
        assert_false(seen[a[i]]);
        seen[a[i]] = 1;
        moved += a[i] != (uint32_t)i;
    }
    assert_true(moved > N / 2);
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void loads_real_cifar10_when_present(void **state)
{
    (void)state;
    const char *dir = HMLCOST_SHARED_DATA "/cifar10";
    char probe[512];
    snprintf(probe, sizeof probe, "%s/data_batch_1.bin", dir);
    if (access(probe, R_OK) != 0) {
        print_message("skipped: no CIFAR-10 at %s\n", dir);
        skip();
    }
    data_set train, test;
    hml_err err = {0};
    double t0 = seconds();
    assert_int_equal(cifar10_load_train(dir, 0, &train, &err), HML_OK);
    assert_int_equal(cifar10_load_test(dir, 0, &test, &err), HML_OK);
    double took = seconds() - t0;
    assert_int_equal(train.count, 50000);
    assert_int_equal(test.count, 10000);
    int per_class[10] = {0};
    for (size_t i = 0; i < test.count; i++)
        per_class[data_label(&test, i)]++;
    for (int k = 0; k < 10; k++)
        assert_int_equal(per_class[k], 1000);
    print_message("loaded all of CIFAR-10 (60,000 records) in %.3f s\n", took);
    data_set_free(&train);
    data_set_free(&test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_records_across_files_in_order, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(truncated_file_is_named, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(bad_label_names_file_and_record, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(missing_file_is_named, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(find_dir_follows_the_search_order, make_tmpdir, remove_tmpdir),
        cmocka_unit_test(fill_batch_normalises_per_channel),
        cmocka_unit_test(synthetic_is_deterministic_and_labelled),
        cmocka_unit_test(rng_streams_are_reproducible_and_distinct),
        cmocka_unit_test(epoch_order_is_a_seeded_permutation),
        cmocka_unit_test(loads_real_cifar10_when_present),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
