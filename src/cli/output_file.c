#include "cli/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory part of path (a copy; "." for a bare name). */
static char *parent_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *dir = strdup(dirname(copy));
    free(copy);
    return dir;
}

static const char *last_part(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Whether a and b name the same file: both exist and share device and
 * inode, or (one not existing yet) the same name in the same directory,
 * as a store's -wal that appears only while it is written. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    bool a_exists = stat(a, &sa) == 0, b_exists = stat(b, &sb) == 0;
    if (a_exists && b_exists)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (strcmp(last_part(a), last_part(b)) != 0)
        return false;
    char *da = parent_of(a), *db = parent_of(b);
    bool same = da && db && stat(da, &sa) == 0 && stat(db, &sb) == 0 &&
                sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    free(da);
    free(db);
    return same;
}

static hml_status fail_errno(const char *path, hml_err *err)
{
    return hml_fail(err, HML_EUSAGE, "--output %s: %s", path, strerror(errno));
}

/* Written in place: a device or a FIFO is not a file to replace. */
static hml_status open_in_place(output_file *out, const char *path, hml_err *err)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return fail_errno(path, err);
    out->f = fdopen(fd, "w");
    if (!out->f) {
        close(fd);
        return fail_errno(path, err);
    }
    return HML_OK;
}

/* A new private file beside target (O_EXCL: nothing planted there is
 * followed), with the mode the replaced file had or the umask's. */
static hml_status open_beside(output_file *out, const char *path, const struct stat *old,
                              hml_err *err)
{
    size_t len = strlen(out->target) + sizeof ".tmpXXXXXX";
    out->tmp = malloc(len);
    if (!out->tmp)
        return hml_fail(err, HML_ESYSTEM, "out of memory");
    snprintf(out->tmp, len, "%s.tmpXXXXXX", out->target);
    int fd = mkstemp(out->tmp);
    if (fd < 0) {
        free(out->tmp);
        out->tmp = NULL;
        return fail_errno(path, err);
    }
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = old ? old->st_mode & 0777 : 0666 & ~mask;
    out->f = fchmod(fd, mode) == 0 ? fdopen(fd, "w") : NULL;
    if (!out->f) {
        hml_status st = fail_errno(path, err);
        close(fd);
        unlink(out->tmp);
        free(out->tmp);
        out->tmp = NULL;
        return st;
    }
    return HML_OK;
}

hml_status output_file_open(output_file *out, const char *path, const char *const *protect,
                            hml_err *err)
{
    memset(out, 0, sizeof *out);
    out->name = path;
    if (!*path)
        return hml_fail(err, HML_EUSAGE, "--output: empty file name");
    for (const char *const *p = protect; p && *p; p++)
        if (same_file(path, *p)) {
            bool other_name = strcmp(last_part(path), last_part(*p)) != 0;
            return hml_fail(err, HML_EUSAGE,
                            "--output %s: that is the input%s; refusing to overwrite it", path,
                            other_name ? " (one of its files)" : "");
        }
    struct stat sb;
    hml_status st;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return fail_errno(path, err);
        /* new: a dangling symlink there is replaced, its target not created */
        out->target = strdup(path);
        st = out->target ? open_beside(out, path, NULL, err)
                         : hml_fail(err, HML_ESYSTEM, "out of memory");
    } else if (S_ISDIR(sb.st_mode)) {
        return hml_fail(err, HML_EUSAGE, "--output %s: is a directory", path);
    } else if (S_ISBLK(sb.st_mode)) {
        return hml_fail(err, HML_EUSAGE, "--output %s: is a block device; refusing to write it",
                        path);
    } else if (!S_ISREG(sb.st_mode)) {
        return open_in_place(out, path, err);
    } else {
        /* an existing file (through any symlinks): the file itself is replaced */
        out->target = realpath(path, NULL);
        st = out->target ? open_beside(out, path, &sb, err) : fail_errno(path, err);
    }
    if (st != HML_OK) {
        free(out->target);
        out->target = NULL;
    }
    return st;
}

hml_status output_file_commit(output_file *out, hml_err *err)
{
    hml_status st = HML_OK;
    if (out->f && fclose(out->f) != 0)
        st = hml_fail(err, HML_ESYSTEM, "--output %s: %s", out->name, strerror(errno));
    out->f = NULL;
    if (st == HML_OK && out->tmp && rename(out->tmp, out->target) != 0)
        st = hml_fail(err, HML_EUSAGE, "--output %s: %s", out->name, strerror(errno));
    if (st != HML_OK && out->tmp)
        unlink(out->tmp);
    free(out->tmp);
    free(out->target);
    out->tmp = out->target = NULL;
    return st;
}

void output_file_abort(output_file *out)
{
    if (out->f)
        fclose(out->f);
    if (out->tmp)
        unlink(out->tmp);
    free(out->tmp);
    free(out->target);
    memset(out, 0, sizeof *out);
}

hml_status output_file_open_protecting(output_file *out, const char *path, const char *input,
                                       bool store, hml_err *err)
{
    /* a store is also its SQLite companions (overwriting its -wal loses
     * runs), beside the name given and beside the file a symlink leads to */
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    enum { SUFFIXES = sizeof suffixes / sizeof suffixes[0] };
    char *real = realpath(input, NULL);
    const char *names[2] = {input, real ? real : input};
    char *protect[2 * SUFFIXES + 1] = {NULL};
    size_t n = 0;
    hml_status st = HML_OK;
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < (store ? SUFFIXES : 1) && st == HML_OK; i++) {
            size_t len = strlen(names[k]) + strlen(suffixes[i]) + 1;
            if (!(protect[n] = malloc(len)))
                st = hml_fail(err, HML_ESYSTEM, "out of memory");
            else
                snprintf(protect[n++], len, "%s%s", names[k], suffixes[i]);
        }
    free(real);
    if (st == HML_OK)
        st = output_file_open(out, path, (const char *const *)protect, err);
    for (size_t i = 0; i < n; i++)
        free(protect[i]);
    return st;
}
