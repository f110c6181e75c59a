#include "common/escape.h"

#include <stdint.h>
#include <string.h>

#include "common/utf8.h"

/* Where escaped text goes: a FILE, or a fixed buffer that stops at the
 * first piece that does not fit whole. */
typedef struct sink {
    FILE *out;
    char *buf;
    size_t size, len;
    bool full;
} sink;

static void put(sink *s, const char *piece, size_t n)
{
    if (s->out) {
        fwrite(piece, 1, n, s->out);
        return;
    }
    if (s->full || s->len + n >= s->size) {
        s->full = true;
        return;
    }
    memcpy(s->buf + s->len, piece, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static void put_str(sink *s, const char *piece) { put(s, piece, strlen(piece)); }

static void put_hex_byte(sink *s, unsigned char byte)
{
    char e[5];
    snprintf(e, sizeof e, "\\x%02x", byte);
    put(s, e, 4);
}

static sink buffer_sink(char *dst, size_t size)
{
    if (size)
        dst[0] = '\0';
    return (sink){.buf = dst, .size = size, .full = size == 0};
}

/* Code points a terminal acts on rather than shows: C1 controls, and the
 * bidirectional embeddings, overrides and isolates that reorder a line. */
static bool invisible_control(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F;
}

/* The text rule for one character at p (n bytes, code point cp; n == 0: an
 * invalid byte). Returns true when it was escaped. */
static bool text_escape_one(sink *s, const unsigned char *p, size_t n, uint32_t cp)
{
    if (n == 0) {
        put_hex_byte(s, p[0]);
        return true;
    }
    if (n == 1) {
        switch (cp) {
        case '\n': put_str(s, "\\n"); return true;
        case '\r': put_str(s, "\\r"); return true;
        case '\t': put_str(s, "\\t"); return true;
        case '\\': put_str(s, "\\\\"); return true;
        default: break;
        }
        if (cp < 0x20 || cp == 0x7F) {
            put_hex_byte(s, p[0]);
            return true;
        }
        return false;
    }
    if (invisible_control(cp)) {
        char e[8];
        snprintf(e, sizeof e, "\\u%04x", (unsigned)cp);
        put_str(s, e);
        return true;
    }
    return false;
}

/* One character (n bytes at p, code point cp; n == 0: an invalid byte)
 * written by a rule. */
typedef void (*char_rule)(sink *s, const unsigned char *p, size_t n, uint32_t cp);

static void apply(sink *s, const char *text, char_rule rule)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    const unsigned char *end = p + strlen((const char *)p);
    while (p < end && !s->full) {
        uint32_t cp = 0;
        size_t n = utf8_sequence(p, (size_t)(end - p), &cp);
        rule(s, p, n, cp);
        p += n ? n : 1;
    }
}

static void text_char(sink *s, const unsigned char *p, size_t n, uint32_t cp)
{
    if (!text_escape_one(s, p, n, cp))
        put(s, (const char *)p, n);
}

static void markdown_char(sink *s, const unsigned char *p, size_t n, uint32_t cp)
{
    const char *entity = NULL;
    if (n == 1) {
        switch (cp) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '\n':
        case '\r': entity = " "; break; /* a line break would end the table row */
        default: break;
        }
    }
    if (entity) {
        put_str(s, entity);
    } else if (n == 1 && cp && strchr("\\`*_[]|", (int)cp)) {
        char e[2] = {'\\', (char)cp};
        put(s, e, 2);
    } else {
        text_char(s, p, n, cp);
    }
}

void escape_text_fputs(FILE *out, const char *text)
{
    sink s = {.out = out};
    apply(&s, text, text_char);
}

char *escape_text(char *dst, size_t size, const char *text)
{
    sink s = buffer_sink(dst, size);
    apply(&s, text, text_char);
    return dst;
}

void escape_markdown_fputs(FILE *out, const char *text)
{
    sink s = {.out = out};
    apply(&s, text, markdown_char);
}

char *escape_markdown(char *dst, size_t size, const char *text)
{
    sink s = buffer_sink(dst, size);
    apply(&s, text, markdown_char);
    return dst;
}

#define REPLACEMENT_CHARACTER "\xEF\xBF\xBD"

void escape_html_fputs(FILE *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    const unsigned char *end = p + strlen((const char *)p);
    while (p < end) {
        uint32_t cp = 0;
        size_t n = utf8_sequence(p, (size_t)(end - p), &cp);
        switch (n == 1 ? cp : 0) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if (n == 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F ||
                (cp >= 0x80 && cp <= 0x9F))
                fputs(REPLACEMENT_CHARACTER, out);
            else
                fwrite(p, 1, n, out);
        }
        p += n ? n : 1;
    }
}

/* OWASP's CSV injection list: what makes a spreadsheet start a formula. */
static bool formula_start(char c) { return c && strchr("=+-@\t\r", c); }

const char *escape_csv_unprefixed(const char *field)
{
    return field[0] == '\'' && formula_start(field[1]) ? field + 1 : field;
}

void escape_csv_field(FILE *out, const char *field)
{
    if (!field)
        field = "";
    size_t len = strlen(field);
    bool formula = formula_start(field[0]);
    static const char blanks[] = " \t\r\n\v\f";
    bool blank_edge = len && (strchr(blanks, field[0]) || strchr(blanks, field[len - 1]));
    bool quote = strpbrk(field, ",\"\r\n") != NULL || blank_edge;
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (const char *p = field; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    if (quote)
        fputc('"', out);
}

/* Replaces every invalid sequence of *text with U+FFFD, in a new string
 * from cJSON's allocator (so it can be a key of a cJSON item): 1 when it
 * did, 0 when *text is valid UTF-8, -1 when memory ran out. */
static int utf8_repair(char **text)
{
    const unsigned char *p = (const unsigned char *)*text;
    size_t bad = 0, len = strlen(*text);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_sequence(p + i, len - i, &cp);
        bad += n == 0;
        i += n ? n : 1;
    }
    if (!bad)
        return 0;
    char *fixed = cJSON_malloc(len + 2 * bad + 1);
    if (!fixed)
        return -1;
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_sequence(p + i, len - i, &cp);
        if (n) {
            memcpy(fixed + out, p + i, n);
            out += n;
            i += n;
        } else {
            memcpy(fixed + out, REPLACEMENT_CHARACTER, 3);
            out += 3;
            i++;
        }
    }
    fixed[out] = '\0';
    cJSON_free(*text);
    *text = fixed;
    return 1;
}

/* escape_json_utf8, and false when memory ran out for a string. */
static bool repair_all(cJSON *item, size_t *changed)
{
    for (; item; item = item->next) {
        int r = 0;
        if (item->string && !(item->type & cJSON_StringIsConst) &&
            (r = utf8_repair(&item->string)) < 0)
            return false;
        *changed += (size_t)r;
        r = 0;
        if (cJSON_IsString(item) && !(item->type & cJSON_IsReference) && item->valuestring &&
            (r = utf8_repair(&item->valuestring)) < 0)
            return false;
        *changed += (size_t)r;
        if (item->child && !repair_all(item->child, changed))
            return false;
    }
    return true;
}

size_t escape_json_utf8(cJSON *item)
{
    size_t changed = 0;
    repair_all(item, &changed);
    return changed;
}

char *escape_json_print(cJSON *root, bool formatted)
{
    if (!root)
        return NULL;
    /* Only root itself, not its siblings (a root has none, but be exact). */
    cJSON *next = root->next;
    root->next = NULL;
    size_t changed = 0;
    bool repaired = repair_all(root, &changed);
    root->next = next;
    if (!repaired) /* not a text with some strings left unrepaired */
        return NULL;
    if (changed && cJSON_IsObject(root)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "invalid_utf8_replaced");
        if (!cJSON_AddNumberToObject(root, "invalid_utf8_replaced", (double)changed))
            return NULL;
    }
    return formatted ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
}
