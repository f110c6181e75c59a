#include "report/csv_table.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX_BYTES (512L << 20)

/* A growing byte buffer for the field being read. */
typedef struct field_buf {
    char *text;
    size_t len, cap;
} field_buf;

static bool buf_push(field_buf *b, char c)
{
    if (b->len + 1 >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char *grown = realloc(b->text, cap);
        if (!grown)
            return false;
        b->text = grown;
        b->cap = cap;
    }
    b->text[b->len++] = c;
    b->text[b->len] = '\0';
    return true;
}

/* The fields of the row being read. */
typedef struct row_buf {
    char **fields;
    size_t n, cap;
} row_buf;

static bool row_push(row_buf *r, const field_buf *f)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char **grown = realloc(r->fields, cap * sizeof *grown);
        if (!grown)
            return false;
        r->fields = grown;
        r->cap = cap;
    }
    char *copy = strdup(f->len ? f->text : "");
    if (!copy)
        return false;
    r->fields[r->n++] = copy;
    return true;
}

static void row_clear(row_buf *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->fields[i]);
    r->n = 0;
}

static void trim(char *s)
{
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    size_t lead = 0;
    while (s[lead] && isspace((unsigned char)s[lead]))
        lead++;
    memmove(s, s + lead, len - lead + 1);
}

void csv_table_free(csv_table *t)
{
    if (!t)
        return;
    for (size_t c = 0; c < t->n_cols; c++)
        free(t->header[c]);
    free(t->header);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    free(t->rows);
    free(t->line);
    memset(t, 0, sizeof *t);
}

/* Takes the finished row: the first becomes the header, the others rows. */
static hml_status take_row(csv_table *t, row_buf *row, size_t line, const char *name,
                           hml_err *err)
{
    if (!t->header) {
        for (size_t c = 0; c < row->n; c++) {
            trim(row->fields[c]);
            if (!row->fields[c][0])
                return hml_fail(err, HML_EUSAGE, "%s line %zu: column %zu has no name", name,
                                line, c + 1);
            for (size_t p = 0; p < c; p++)
                if (strcmp(row->fields[p], row->fields[c]) == 0)
                    return hml_fail(err, HML_EUSAGE, "%s line %zu: column '%s' appears twice",
                                    name, line, row->fields[c]);
        }
        t->header = row->fields;
        t->n_cols = row->n;
        *row = (row_buf){0};
        return HML_OK;
    }
    if (row->n != t->n_cols)
        return hml_fail(err, HML_EUSAGE, "%s line %zu: %zu fields, but the header has %zu", name,
                        line, row->n, t->n_cols);
    char ***rows = realloc(t->rows, (t->n_rows + 1) * sizeof *rows);
    if (rows)
        t->rows = rows;
    size_t *lines = rows ? realloc(t->line, (t->n_rows + 1) * sizeof *lines) : NULL;
    if (!lines)
        return hml_fail(err, HML_ESYSTEM, "%s: out of memory", name);
    t->line = lines;
    char **fields = realloc(row->fields, (row->n ? row->n : 1) * sizeof *fields);
    if (!fields)
        return hml_fail(err, HML_ESYSTEM, "%s: out of memory", name);
    t->rows[t->n_rows] = fields;
    t->line[t->n_rows] = line;
    t->n_rows++;
    *row = (row_buf){0};
    return HML_OK;
}

hml_status csv_parse(const char *text, size_t len, const char *name, csv_table *out,
                     hml_err *err)
{
    memset(out, 0, sizeof *out);
    field_buf field = {0};
    row_buf row = {0};
    hml_status st = HML_OK;
    size_t i = 0, line = 1, row_line = 1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    bool in_quotes = false, after_quote = false, row_has_text = false;
    for (; i <= len && st == HML_OK; i++) {
        bool at_end = i == len;
        char c = at_end ? '\n' : text[i];
        if (!at_end && c == '\0') {
            st = hml_fail(err, HML_EUSAGE, "%s line %zu: a NUL byte (not a text file?)", name,
                          line);
            break;
        }
        if (in_quotes) {
            if (at_end) {
                st = hml_fail(err, HML_EUSAGE, "%s line %zu: a quoted field is not closed", name,
                              row_line);
            } else if (c == '"' && i + 1 < len && text[i + 1] == '"') {
                if (!buf_push(&field, '"'))
                    st = hml_fail(err, HML_ESYSTEM, "%s: out of memory", name);
                i++;
            } else if (c == '"') {
                in_quotes = false;
                after_quote = true;
            } else {
                if (c == '\n')
                    line++;
                if (!buf_push(&field, c))
                    st = hml_fail(err, HML_ESYSTEM, "%s: out of memory", name);
            }
            continue;
        }
        if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
            continue; /* CRLF: the LF ends the row */
        if (c == ',' || c == '\n') {
            if (c == '\n' && !row_has_text && row.n == 0) { /* blank line */
                line++;
                row_line = line;
                field.len = 0;
                continue;
            }
            if (!row_push(&row, &field)) {
                st = hml_fail(err, HML_ESYSTEM, "%s: out of memory", name);
                break;
            }
            field.len = 0;
            if (field.text)
                field.text[0] = '\0';
            after_quote = false;
            if (c == '\n') {
                st = take_row(out, &row, row_line, name, err);
                row_clear(&row);
                row_has_text = false;
                line++;
                row_line = line;
            }
            continue;
        }
        if (after_quote) {
            st = hml_fail(err, HML_EUSAGE, "%s line %zu: text after a closing quote", name, line);
            break;
        }
        if (c == '"' && field.len == 0) {
            in_quotes = true;
            row_has_text = true;
            continue;
        }
        if (!isspace((unsigned char)c))
            row_has_text = true;
        if (!buf_push(&field, c))
            st = hml_fail(err, HML_ESYSTEM, "%s: out of memory", name);
    }
    row_clear(&row);
    free(row.fields);
    free(field.text);
    if (st == HML_OK && !out->header)
        st = hml_fail(err, HML_EUSAGE, "%s: empty file (no header line)", name);
    if (st != HML_OK)
        csv_table_free(out);
    return st;
}

hml_status csv_read_file(const char *path, csv_table *out, hml_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return hml_fail(err, HML_EUSAGE, "%s: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    hml_status st = HML_OK;
    for (;;) {
        if (len == cap) {
            if ((long)cap >= CSV_MAX_BYTES) {
                st = hml_fail(err, HML_EUSAGE, "%s: larger than %ld MiB", path,
                              CSV_MAX_BYTES >> 20);
                break;
            }
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(text, cap);
            if (!grown) {
                st = hml_fail(err, HML_ESYSTEM, "%s: out of memory", path);
                break;
            }
            text = grown;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = hml_fail(err, HML_EUSAGE, "%s: %s", path, strerror(errno ? errno : EIO));
            break;
        }
    }
    fclose(f);
    if (st == HML_OK)
        st = csv_parse(text ? text : "", len, path, out, err);
    free(text);
    return st;
}

int csv_column(const csv_table *t, const char *name)
{
    for (size_t c = 0; c < t->n_cols; c++)
        if (strcmp(t->header[c], name) == 0)
            return (int)c;
    return -1;
}
