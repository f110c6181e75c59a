#include "data/cifar10.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const train_files[] = {"data_batch_1.bin", "data_batch_2.bin",
                                          "data_batch_3.bin", "data_batch_4.bin",
                                          "data_batch_5.bin"};
static const char test_file[] = "test_batch.bin";
enum { TRAIN_FILES = 5 };

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool holds_cifar10(const char *dir)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, train_files[0]);
    return n > 0 && (size_t)n < sizeof path && access(path, F_OK) == 0;
}

static hml_status copy_dir(const char *dir, char *out, size_t out_size, hml_err *err)
{
    size_t len = strlen(dir);
    if (len + 1 > out_size || len + 32 > 4096)
        return hml_fail(err, HML_EUSAGE, "data: directory name too long: %.200s...", dir);
    memcpy(out, dir, len + 1);
    return HML_OK;
}

hml_status cifar10_find_dir(const char *dir, char *out, size_t out_size, hml_err *err)
{
    /* Explicit choices (the flag, then the variable) must work: silently
     * skipping a directory the user named would train on other data. */
    if (dir) {
        if (!*dir || !is_directory(dir))
            return hml_fail(err, HML_EUSAGE, "--data: '%s' is not a directory", dir);
        return copy_dir(dir, out, out_size, err);
    }
    const char *env = getenv("HMLCOST_DATA");
    if (env && *env) {
        if (!is_directory(env))
            return hml_fail(err, HML_EUSAGE, "HMLCOST_DATA: '%s' is not a directory", env);
        return copy_dir(env, out, out_size, err);
    }
    static const char *const defaults[] = {"./data/cifar-10-batches-bin", "../shared/data/cifar10"};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (holds_cifar10(defaults[i]))
            return copy_dir(defaults[i], out, out_size, err);
    return hml_fail(err, HML_EUSAGE,
                    "data: CIFAR-10 not found (looked at --data, $HMLCOST_DATA, "
                    "./data/cifar-10-batches-bin, ../shared/data/cifar10; "
                    "scripts/fetch-cifar10.sh downloads it)");
}

/* read() until done: a regular file may still return short counts. */
static ssize_t read_fully(int fd, uint8_t *buf, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Opens path and checks it is a regular file of whole records; *records
 * gets their number. Errors name the file. */
static hml_status open_records(const char *path, int *fd_out, size_t *records, hml_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hml_fail(err, HML_EUSAGE, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return hml_fail(err, HML_EUSAGE, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return hml_fail(err, HML_EUSAGE, "%s: not a regular file", path);
    }
    size_t size = (size_t)st.st_size;
    if (size == 0 || size % DATA_RECORD_BYTES != 0) {
        close(fd);
        return hml_fail(err, HML_EUSAGE,
                        "%s: size %zu bytes is not a whole number of %d-byte records "
                        "(truncated or not a CIFAR-10 binary file)",
                        path, size, DATA_RECORD_BYTES);
    }
    *records = size / DATA_RECORD_BYTES;
    *fd_out = fd;
    return HML_OK;
}

hml_status cifar10_load_file(const char *path, size_t want, data_set *set, hml_err *err)
{
    int fd = -1;
    size_t records = 0;
    hml_status s = open_records(path, &fd, &records, err);
    if (s)
        return s;
    size_t take = want < records ? want : records;
    uint8_t *dst = set->records + set->count * DATA_RECORD_BYTES;
    size_t bytes = take * DATA_RECORD_BYTES;
    ssize_t got = read_fully(fd, dst, bytes);
    int read_errno = errno;
    close(fd);
    if (got < 0)
        return hml_fail(err, HML_EUSAGE, "%s: read error: %s", path, strerror(read_errno));
    if ((size_t)got != bytes)
        return hml_fail(err, HML_EUSAGE, "%s: file shrank while reading (%zd of %zu bytes)", path,
                        got, bytes);
    for (size_t i = 0; i < take; i++) {
        uint8_t label = dst[i * DATA_RECORD_BYTES];
        if (label >= DATA_CLASSES)
            return hml_fail(err, HML_EUSAGE, "%s: record %zu: label %u is not in 0..9", path, i,
                            (unsigned)label);
    }
    set->count += take;
    return HML_OK;
}

static hml_status file_path(const char *dir, const char *name, char *path, size_t size,
                            hml_err *err)
{
    int n = snprintf(path, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        return hml_fail(err, HML_EUSAGE, "data: path too long in '%.200s'", dir);
    return HML_OK;
}

/* Two passes: the files' sizes first (so a wrong size or a limit beyond
 * the data is reported before anything is allocated), then the reads. */
static hml_status load_files(const char *dir, const char *const *names, size_t name_count,
                             size_t limit, data_set *out, hml_err *err)
{
    out->records = NULL;
    out->count = 0;
    size_t available = 0, files_needed = 0;
    char path[4096];
    hml_status s;
    for (size_t f = 0; f < name_count && (limit == 0 || available < limit); f++) {
        int fd = -1;
        size_t records = 0;
        if ((s = file_path(dir, names[f], path, sizeof path, err)) ||
            (s = open_records(path, &fd, &records, err)))
            return s;
        close(fd);
        available += records;
        files_needed = f + 1;
    }
    size_t want = limit ? limit : available;
    if (want > available)
        return hml_fail(err, HML_EUSAGE, "%s: asked for %zu records but the files hold only %zu",
                        dir, want, available);
    data_set set = {.records = malloc(want * DATA_RECORD_BYTES), .count = 0};
    if (!set.records)
        return hml_fail(err, HML_ESYSTEM, "data: out of memory for %zu records", want);
    for (size_t f = 0; f < files_needed && set.count < want; f++) {
        if ((s = file_path(dir, names[f], path, sizeof path, err)) ||
            (s = cifar10_load_file(path, want - set.count, &set, err))) {
            data_set_free(&set);
            return s;
        }
    }
    if (set.count < want) {
        data_set_free(&set);
        return hml_fail(err, HML_EUSAGE, "%s: files changed while reading", dir);
    }
    *out = set;
    return HML_OK;
}

hml_status cifar10_load_train(const char *dir, size_t limit, data_set *out, hml_err *err)
{
    return load_files(dir, train_files, TRAIN_FILES, limit, out, err);
}

hml_status cifar10_load_test(const char *dir, size_t limit, data_set *out, hml_err *err)
{
    const char *const names[] = {test_file};
    return load_files(dir, names, 1, limit, out, err);
}
