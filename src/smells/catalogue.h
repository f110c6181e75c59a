/* The smell catalogue: the single table in code that names the four smells
 * of the study (docs/contracts.md, "Smell ids"), what each changes, how
 * hmlcost injects it by default, whether it applies to an external command
 * and which stored metrics it is expected to move. `hmlcost smells` prints
 * it; the arm builder (arms.h) and `hmlcost doctor` read it. */
#ifndef HMLCOST_SMELLS_CATALOGUE_H
#define HMLCOST_SMELLS_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

/* The reference workload's defaults that treatments are relative to; they
 * must match `hmlcost train`'s defaults (src/workload). */
enum {
    SMELL_REFERENCE_BATCH = 64,
    SMELL_DEFAULT_MODEL_BUILDS = 10,    /* model-reuse: constructions per process */
    SMELL_DEFAULT_BATCH_FACTOR = 16,    /* minibatch: 16x the baseline batch */
    SMELL_DEFAULT_THREADS_FACTOR = 8,   /* parallelism: 8x the logical CPUs */
    SMELL_DEFAULT_LIBPATH_ENTRIES = 1000, /* libpath: non-existent directories */
};

/* How a smell reaches a workload that is not `hmlcost train`. */
typedef enum smell_external {
    SMELL_EXTERNAL_ENVIRONMENT, /* through the environment: any command */
    SMELL_EXTERNAL_PLACEHOLDER, /* only through a placeholder in the command */
} smell_external;

typedef struct smell_info {
    const char *id;       /* contracts.md: model-reuse, minibatch, libpath, parallelism */
    const char *title;    /* the study's name for it */
    const char *changes;  /* what the injection changes, one sentence */
    const char *default_treatment; /* flags and/or environment, as a user would type them */
    smell_external external;
    const char *placeholder;      /* "{model_builds}", "{batch}" or NULL */
    const char *doctor_family;    /* the `hmlcost doctor` checks that spot it */
    const char *const *metrics;   /* store metric names it should move; NULL-terminated */
} smell_info;

/* One arm a smell can be run as. Every smell has a default variant (named
 * like the smell); some have another strength or shape of the same smell. */
typedef struct smell_variant {
    const char *name;   /* arm name, e.g. "model-reuse-kept" */
    const char *smell;  /* the smell id it belongs to */
    bool is_default;    /* part of `--smell all` */
    bool train_only;    /* a switch of hmlcost train: no --workload command takes it */
    const char *treatment; /* what this variant sets, for users */
    const char *measures;  /* what the arm measures (and how it differs from the
                              smell's other arms), one or two sentences for reports */
} smell_variant;

/* The table, in the study's order; *count receives its length. */
const smell_info *smell_catalogue(size_t *count);
const smell_variant *smell_variants(size_t *count);

/* The entry for an id, or NULL. */
const smell_info *smell_find(const char *id);
/* The variant for an arm name (a smell id names its default variant), or NULL. */
const smell_variant *smell_variant_find(const char *name);

#endif
