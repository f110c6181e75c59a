/* Output escaping: one rule per output format for text that comes from
 * outside (arm and experiment names, paths, environment values, methods and
 * notes read from a store or a CSV). Every formatter that prints such text
 * goes through here, so a name cannot rewrite a terminal line, inject HTML
 * or a spreadsheet formula, or make a JSON document invalid.
 *
 * Each rule has a FILE writer and a buffer writer; the buffer writer
 * truncates silently at a whole escape (never half of one), always
 * terminates, and returns dst so it can sit in a printf argument list. */
#ifndef HMLCOST_COMMON_ESCAPE_H
#define HMLCOST_COMMON_ESCAPE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Terminal text: C0 controls, DEL and bytes that are not UTF-8 become \xHH
 * (\n, \r, \t as such), the backslash itself \\, and C1 controls and the
 * bidirectional overrides (which reorder what is shown) \uHHHH. Printable
 * ASCII and valid UTF-8 pass unchanged. */
void escape_text_fputs(FILE *out, const char *text);
char *escape_text(char *dst, size_t size, const char *text);

/* Markdown (GitHub-flavoured, also inside table cells): HTML's & < > as
 * entities; \ ` * _ [ ] | backslash-escaped; line breaks as a space;
 * other controls and bytes that are not UTF-8 as in the text rule. */
void escape_markdown_fputs(FILE *out, const char *text);
char *escape_markdown(char *dst, size_t size, const char *text);

/* HTML text and attribute values: & < > " ' as entities; controls other
 * than tab and newline, and bytes that are not UTF-8, as U+FFFD. */
void escape_html_fputs(FILE *out, const char *text);

/* One CSV text field: a field that a spreadsheet would read as a formula
 * (it starts with = + - @ tab or CR, OWASP's list) gets a leading '; then
 * quoted when it holds a comma, quote, CR or LF, or starts or ends with a
 * blank. Numbers are not text fields: write them directly, so a negative
 * number stays a number. */
void escape_csv_field(FILE *out, const char *field);
/* The field without that prefix: the text after a leading ' when a formula
 * character follows it, else field itself. */
const char *escape_csv_unprefixed(const char *field);

/* JSON: replaces every byte sequence that is not UTF-8 in the strings and
 * keys of item (recursively) with U+FFFD; returns the number of strings
 * changed (0 when all were valid). When memory runs out for one, it and the
 * strings after it are left as they are. */
size_t escape_json_utf8(cJSON *item);
/* Prints root (formatted or compact) after escape_json_utf8; when a string
 * was changed, and root is an object, it first gains the key
 * "invalid_utf8_replaced" (that count) so a reader knows the text is not
 * the original. NULL when out of memory; the caller frees with cJSON_free. */
char *escape_json_print(cJSON *root, bool formatted);

#endif
