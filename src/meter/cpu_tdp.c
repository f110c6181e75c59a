#include "meter/cpu_tdp.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Words that name no model: every vendor string may or may not carry them. */
static bool is_filler(const char *word, size_t len)
{
    if ((len == 3 && strncmp(word, "cpu", 3) == 0) ||
        (len == 9 && strncmp(word, "processor", 9) == 0))
        return true;
    /* "64-core", "8-core" */
    size_t digits = 0;
    while (digits < len && isdigit((unsigned char)word[digits]))
        digits++;
    return digits > 0 && len - digits == 5 && strncmp(word + digits, "-core", 5) == 0;
}

void cpu_tdp_normalise(const char *model, char *out, size_t size)
{
    if (size == 0)
        return;
    char spaced[256];
    size_t n = 0;
    for (const char *p = model; *p && n + 1 < sizeof spaced; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' && p[1] == '@')
            break; /* " @ 2.30GHz": the clock, not the model */
        if (c == '(' && (strncasecmp(p, "(r)", 3) == 0 || strncasecmp(p, "(tm)", 4) == 0)) {
            p += p[2] == ')' ? 2 : 3;
            c = ' ';
        } else if (c >= 0x80 || c == '(' || c == ')' || c == ',' || isspace(c)) {
            c = ' ';
        }
        spaced[n++] = (char)tolower(c);
    }
    spaced[n] = '\0';
    size_t used = 0;
    out[0] = '\0';
    for (char *word = spaced; *word;) {
        while (*word == ' ')
            word++;
        size_t len = strcspn(word, " ");
        if (len > 0 && !is_filler(word, len) && used + len + 2 <= size) {
            if (used)
                out[used++] = ' ';
            memcpy(out + used, word, len);
            used += len;
            out[used] = '\0';
        }
        word += len;
    }
}

static bool has_digit(const char *word, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (isdigit((unsigned char)word[i]))
            return true;
    return false;
}

/* Whether every word of part is a word of whole (both normalised), and one
 * of them holds a digit; *words: how many words part has. */
static bool words_within(const char *part, const char *whole, size_t *words)
{
    bool numbered = false;
    *words = 0;
    for (const char *w = part; *w;) {
        size_t len = strcspn(w, " ");
        bool found = false;
        for (const char *v = whole; *v && !found;) {
            size_t vlen = strcspn(v, " ");
            found = vlen == len && strncmp(v, w, len) == 0;
            v += vlen;
            while (*v == ' ')
                v++;
        }
        if (!found)
            return false;
        numbered = numbered || has_digit(w, len);
        (*words)++;
        w += len;
        while (*w == ' ')
            w++;
    }
    return numbered && *words > 0;
}

/* The host's numbered words ("xeon e5-2686 v4" -> "e5-2686"): every name
 * that can match holds one of them. */
#define MAX_NUMBERED 16
typedef struct numbered_words {
    char word[MAX_NUMBERED][64];
    size_t count;
} numbered_words;

static void numbered_words_of(const char *host, numbered_words *out)
{
    out->count = 0;
    for (const char *w = host; *w && out->count < MAX_NUMBERED;) {
        size_t len = strcspn(w, " ");
        if (has_digit(w, len) && len < sizeof out->word[0]) {
            memcpy(out->word[out->count], w, len);
            out->word[out->count++][len] = '\0';
        }
        w += len;
        while (*w == ' ')
            w++;
    }
}

/* Whether one of the host's numbered words occurs in name (any case): far
 * cheaper than normalising every name of the table. */
static bool may_match(const char *name, const numbered_words *host)
{
    for (size_t i = 0; i < host->count; i++)
        if (strcasestr(name, host->word[i]))
            return true;
    return false;
}

static cpu_tdp_match find_normalised(const char *host, const cpu_tdp_entry **entry)
{
    *entry = NULL;
    const cpu_tdp_entry *best = NULL;
    size_t best_words = 0;
    bool ambiguous = false;
    numbered_words numbered;
    numbered_words_of(host, &numbered);
    /* Without a numbered word no name can match ("Intel Xeon Processor"). */
    for (size_t i = 0; numbered.count > 0 && i < cpu_tdp_table_size; i++) {
        if (!may_match(cpu_tdp_table[i].name, &numbered))
            continue;
        char name[256];
        cpu_tdp_normalise(cpu_tdp_table[i].name, name, sizeof name);
        if (strcmp(name, host) == 0) {
            *entry = &cpu_tdp_table[i];
            return CPU_TDP_EXACT;
        }
        size_t words;
        if (!words_within(name, host, &words) || words < best_words)
            continue;
        if (words > best_words) {
            best = &cpu_tdp_table[i];
            best_words = words;
            ambiguous = false;
        } else if (cpu_tdp_table[i].tdp_w != best->tdp_w) {
            ambiguous = true;
        }
    }
    if (!best)
        return CPU_TDP_NONE;
    if (ambiguous)
        return CPU_TDP_AMBIGUOUS;
    *entry = best;
    return CPU_TDP_WORDS;
}

cpu_tdp_match cpu_tdp_find(const char *model, const cpu_tdp_entry **entry)
{
    /* A run looks up the same model as the run before: about a millisecond
     * of table scan saved per run. */
    static char last_host[256] = "\x01";
    static cpu_tdp_match last_match;
    static const cpu_tdp_entry *last_entry;
    char host[256];
    cpu_tdp_normalise(model ? model : "", host, sizeof host);
    if (strcmp(host, last_host) != 0) {
        last_match = find_normalised(host, &last_entry);
        memcpy(last_host, host, sizeof host);
    }
    *entry = last_entry;
    return last_match;
}
