/* The output escaping rules on any bytes, checked for what they promise:
 * the text rule leaves no control byte and no invalid UTF-8, the buffer
 * writers stay inside their buffer and terminate, the Markdown rule leaves
 * no raw '<' or line break, the CSV prefix is undone exactly, and JSON is
 * always valid UTF-8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "fuzz_input.h"

/* True when s is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
static int valid_utf8(const unsigned char *s)
{
    while (*s) {
        size_t n = *s < 0x80 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3
                 : (*s & 0xF8) == 0xF0 ? 4 : 0;
        if (!n)
            return 0;
        unsigned v = n == 1 ? *s : *s & (0x7F >> n);
        for (size_t i = 1; i < n; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return 0;
            v = v << 6 | (s[i] & 0x3F);
        }
        static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        s += n;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_input_string(data, size);
    if (!text)
        return 0;
    size_t cut = size ? data[0] : 0; /* a buffer size to try, small ones too */

    char big[8192];
    char *small = malloc(cut + 1);
    if (small) {
        escape_text(small, cut + 1, text);
        if (strlen(small) > cut)
            abort();
        escape_markdown(small, cut + 1, text);
        if (strlen(small) > cut)
            abort();
        free(small);
    }
    escape_text(big, sizeof big, text);
    for (const unsigned char *p = (const unsigned char *)big; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            abort();
    if (!valid_utf8((const unsigned char *)big))
        abort();
    escape_markdown(big, sizeof big, text);
    if (strpbrk(big, "<>\n\r"))
        abort();

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (f) {
        escape_html_fputs(f, text);
        escape_csv_field(f, text);
        fclose(f);
        free(out);
    }
    /* Reading a field back undoes exactly the prefix written. */
    char prefixed[2] = {'\'', text[0]};
    char *with = malloc(size + 2);
    if (with) {
        memcpy(with, prefixed, 1);
        memcpy(with + 1, text, size + 1);
        const char *back = escape_csv_unprefixed(with);
        if (back != with && strcmp(back, text) != 0)
            abort();
        free(with);
    }

    cJSON *root = cJSON_CreateObject();
    if (root && cJSON_AddStringToObject(root, text, text)) {
        char *json = escape_json_print(root, false);
        if (json && !valid_utf8((const unsigned char *)json))
            abort();
        cJSON_free(json);
    }
    cJSON_Delete(root);
    free(text);
    return 0;
}
