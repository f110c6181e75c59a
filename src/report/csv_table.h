/* A CSV file read whole (RFC 4180: comma-separated, fields optionally in
 * double quotes with "" for a quote, LF or CRLF line ends), and the quoting
 * of fields on the way out. */
#ifndef HMLCOST_REPORT_CSV_TABLE_H
#define HMLCOST_REPORT_CSV_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"

typedef struct csv_table {
    char **header;   /* n_cols names, surrounding blanks trimmed */
    size_t n_cols;
    char ***rows;    /* n_rows rows of n_cols fields each */
    size_t *line;    /* the line each row starts on (1-based), for messages */
    size_t n_rows;
} csv_table;

/* Parses text[0..len). `name` is used in messages ("<name> line 7: ...").
 * Blank lines are skipped; a UTF-8 byte-order mark is ignored. A row with
 * another number of fields than the header, an unterminated quote, text after
 * a closing quote, a NUL byte or an empty or duplicate column name: HML_EUSAGE. */
hml_status csv_parse(const char *text, size_t len, const char *name, csv_table *out,
                     hml_err *err);
/* Reads the file and parses it (at most 512 MiB). */
hml_status csv_read_file(const char *path, csv_table *out, hml_err *err);
void csv_table_free(csv_table *t);

/* Index of the column called name, or -1. */
int csv_column(const csv_table *t, const char *name);

#endif
