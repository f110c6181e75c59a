/* The rules: one per smell of the catalogue, with the reason it costs. */
#include <string.h>

#include "lint/lint.h"

static const lint_rule rules[LINT_RULE_COUNT] = {
    [LINT_MODEL_REUSE] = {
        "model-reuse", "improper model reuse",
        "A model constructed inside a loop, or in a function called from one, is built "
        "again on every pass: parameters allocated and initialised, graphs and kernels "
        "set up, and (TensorFlow without tf.keras.backend.clear_session()) the old graphs "
        "kept in memory. Build it once and reuse it; reset its weights when a pass needs "
        "fresh ones."},
    [LINT_MINIBATCH] = {
        "minibatch", "minibatch mismatch",
        "A batch larger than the host supports well spills caches and memory (swapping "
        "or out-of-memory on a GPU) and, with the learning rate and epochs unchanged, "
        "trains differently; time and energy rise while accuracy does not."},
    [LINT_LIBPATH] = {
        "libpath", "library path mismatch",
        "LD_LIBRARY_PATH set by a script is searched before the system's libraries by "
        "every process started after it: missing or relative entries cost start-up time "
        "on every library load, CUDA stubs directories or other builds of a library load "
        "the wrong one (slower kernels, failures at run time)."},
    [LINT_PARALLELISM] = {
        "parallelism", "unnecessary parallelism",
        "More threads or worker processes than the CPUs available oversubscribe them: "
        "threads wait, spin and evict each other's caches, so the run takes longer and "
        "uses more energy for the same result; nested pools multiply."},
};

const lint_rule *lint_rule_get(lint_rule_id id)
{
    return (unsigned)id < LINT_RULE_COUNT ? &rules[id] : NULL;
}

const lint_rule *lint_rule_find(const char *id, lint_rule_id *out)
{
    for (int i = 0; i < LINT_RULE_COUNT; i++) {
        if (strcmp(rules[i].id, id) == 0) {
            if (out)
                *out = (lint_rule_id)i;
            return &rules[i];
        }
    }
    return NULL;
}
