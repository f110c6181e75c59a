#include "report/text_table.h"

#include <stdlib.h>
#include <string.h>

#include "common/escape.h"

void text_table_init(text_table *t, size_t cols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols < TEXT_TABLE_MAX_COLS ? cols : TEXT_TABLE_MAX_COLS;
}

void text_table_free(text_table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->colors);
    memset(t, 0, sizeof *t);
}

void text_table_add(text_table *t, const char *const *cells)
{
    if (t->failed)
        return;
    size_t n = (t->rows + 1) * t->cols;
    char **grown = realloc(t->cells, n * sizeof *grown);
    if (grown)
        t->cells = grown;
    const char **colors = grown ? realloc(t->colors, n * sizeof *colors) : NULL;
    if (!colors) {
        t->failed = true;
        return;
    }
    t->colors = colors;
    for (size_t c = 0; c < t->cols; c++) {
        char *copy = strdup(cells[c] ? cells[c] : "");
        t->cells[t->rows * t->cols + c] = copy;
        t->colors[t->rows * t->cols + c] = NULL;
        if (!copy)
            t->failed = true;
    }
    t->rows++;
}

void text_table_color_last(text_table *t, size_t col, const char *ansi)
{
    if (!t->failed && t->rows && col < t->cols)
        t->colors[(t->rows - 1) * t->cols + col] = ansi;
}

static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* A cell as the terminal shows it (the text rule); the widths are those of
 * the escaped text. */
static const char *shown(const text_table *t, size_t r, size_t c, char *buf, size_t size)
{
    return escape_text(buf, size, t->cells[r * t->cols + c]);
}

void text_table_print(FILE *out, const text_table *t, int indent, bool color)
{
    if (t->failed)
        return;
    char buf[1024];
    size_t width[TEXT_TABLE_MAX_COLS] = {0};
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            size_t w = display_width(shown(t, r, c, buf, sizeof buf));
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < t->rows; r++) {
        fprintf(out, "%*s", indent, "");
        for (size_t c = 0; c < t->cols; c++) {
            const char *cell = shown(t, r, c, buf, sizeof buf);
            const char *ansi = color ? t->colors[r * t->cols + c] : NULL;
            if (r == 0 && color)
                ansi = "\033[1m";
            int pad = (int)(width[c] - display_width(cell));
            bool last = c + 1 == t->cols;
            if (t->right[c])
                fprintf(out, "%*s", pad, "");
            fprintf(out, "%s%s%s", ansi ? ansi : "", cell, ansi ? "\033[0m" : "");
            if (!t->right[c] && !last)
                fprintf(out, "%*s", pad, "");
            if (!last)
                fputs("  ", out);
        }
        fputc('\n', out);
    }
}

/* Cells are Markdown already (escape_markdown); a line break would still
 * end the row, so it becomes a space whatever the cell holds. */
static void markdown_cell(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
}

void text_table_print_markdown(FILE *out, const text_table *t)
{
    if (t->failed)
        return;
    for (size_t r = 0; r < t->rows; r++) {
        fputc('|', out);
        for (size_t c = 0; c < t->cols; c++) {
            fputc(' ', out);
            markdown_cell(out, t->cells[r * t->cols + c]);
            fputs(" |", out);
        }
        fputc('\n', out);
        if (r == 0) {
            fputc('|', out);
            for (size_t c = 0; c < t->cols; c++)
                fputs(t->right[c] ? " ---: |" : " --- |", out);
            fputc('\n', out);
        }
    }
}
