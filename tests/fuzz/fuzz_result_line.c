/* A workload's result line (anything a child writes to $HMLCOST_RESULT_FD):
 * taken as a JSON object, or refused with a note. */
#include <stdlib.h>

#include "fuzz_input.h"
#include "runner/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy without a terminator: the parser gets a length. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    for (size_t i = 0; i < size; i++)
        text[i] = (char)data[i];
    char *json = NULL;
    meter_metrics metrics = {0};
    char note[256];
    result_line_take(text, size, &json, &metrics, note, sizeof note);
    free(json);
    meter_metrics_free(&metrics);
    free(text);
    return 0;
}
