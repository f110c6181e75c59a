/* The file a command was asked to write with -o: replaced whole or not at
 * all, never one of the command's inputs, and nothing else touched. */
#ifndef HMLCOST_CLI_OUTPUT_FILE_H
#define HMLCOST_CLI_OUTPUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"

typedef struct output_file {
    FILE *f;      /* write here */
    char *tmp;    /* the private file renamed onto target; NULL when written in place */
    char *target; /* the regular file replaced (a symlink's target, resolved) */
    const char *name; /* as the user gave it, for messages */
} output_file;

/* Opens path for writing. protect: paths it must not be (same file by
 * device and inode, or the same name in the same directory when one does
 * not exist yet), NULL-terminated. A regular file (or a new one) is written
 * to a temporary file created exclusively beside it and renamed into place
 * by output_file_commit; a character device or FIFO (/dev/null, /dev/stdout,
 * a pipe) is written in place; a directory or block device is refused. */
hml_status output_file_open(output_file *out, const char *path, const char *const *protect,
                            hml_err *err);

/* output_file_open protecting input: the name given and the file a symlink
 * there leads to, each with its SQLite companions (-wal, -shm, -journal)
 * when input is a store. */
hml_status output_file_open_protecting(output_file *out, const char *path, const char *input,
                                       bool store, hml_err *err);

/* Closes the file and puts it in place; on failure (or after
 * output_file_abort) nothing is left of the temporary file. */
hml_status output_file_commit(output_file *out, hml_err *err);
void output_file_abort(output_file *out);

#endif
