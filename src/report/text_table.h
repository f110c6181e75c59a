/* A table of text cells printed with aligned columns (terminal) or as a
 * Markdown table. Widths count UTF-8 characters, not bytes. The terminal
 * printer escapes cells by the text rule (common/escape.h); the Markdown
 * printer takes cells as Markdown, so callers escape outside text with
 * escape_markdown and may add markup of their own. */
#ifndef HMLCOST_REPORT_TEXT_TABLE_H
#define HMLCOST_REPORT_TEXT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TEXT_TABLE_MAX_COLS 16

typedef struct text_table {
    size_t cols;
    size_t rows;              /* row 0 is the header */
    char **cells;             /* rows x cols, heap strings */
    const char **colors;      /* rows x cols ANSI prefixes (static strings) or NULL */
    bool right[TEXT_TABLE_MAX_COLS]; /* right-align the column */
    bool failed;              /* an allocation failed: print nothing */
} text_table;

void text_table_init(text_table *t, size_t cols);
void text_table_free(text_table *t);
/* Appends a row of t->cols cells (copied; NULL prints as empty). */
void text_table_add(text_table *t, const char *const *cells);
/* Colours the cell of the last row added. */
void text_table_color_last(text_table *t, size_t col, const char *ansi);

/* Aligned columns, two spaces apart, each line starting with indent spaces;
 * colours only when color is true. */
void text_table_print(FILE *out, const text_table *t, int indent, bool color);
/* | a | b |, cells as given (line breaks as spaces). */
void text_table_print_markdown(FILE *out, const text_table *t);

#endif
