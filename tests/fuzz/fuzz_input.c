/* Harness inputs as files, for parsers that take a path. */
#include "fuzz_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char input_path[256];

char *fuzz_input_string(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

void fuzz_input_cleanup(void)
{
    if (*input_path)
        unlink(input_path);
}

const char *fuzz_input_file(const uint8_t *data, size_t size, const char *suffix)
{
    if (!*input_path) {
        const char *dir = getenv("TMPDIR");
        if (!dir || !*dir)
            dir = "/tmp";
        snprintf(input_path, sizeof input_path, "%s/hmlcost-fuzz-%ld%s", dir, (long)getpid(),
                 suffix);
        atexit(fuzz_input_cleanup);
    }
    FILE *f = fopen(input_path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        fprintf(stderr, "fuzz: cannot write %s\n", input_path);
        abort();
    }
    return input_path;
}
