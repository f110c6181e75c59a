/* An INI plan file: parsed and validated, or refused naming the line; a
 * plan that loads must also serialise (its JSON is the experiment's key). */
#include <stdlib.h>

#include "fuzz_input.h"
#include "runner/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".ini");
    plan p;
    plan_init(&p);
    hml_err err = {0};
    if (plan_load_ini(&p, path, &err) == HML_OK && plan_validate(&p, &err) == HML_OK) {
        char key[17];
        plan_key(&p, key, &err);
        for (size_t i = 0; i < p.arm_count; i++) {
            char **argv = NULL;
            if (plan_arm_command(&p, &p.arms[i], &argv, &err) == HML_OK)
                plan_words_free(argv);
        }
    }
    plan_free(&p);
    return 0;
}
