#include "smells/catalogue.h"

#include <string.h>

static const char *const reuse_metrics[] = {"wall_s",     "cpu_s", "peak_rss_bytes",
                                            "energy_kwh", "co2_g", NULL};
static const char *const minibatch_metrics[] = {
    "peak_rss_bytes", "wall_s", "energy_kwh", "co2_g", "images_per_s", "accuracy", "final_loss",
    NULL};
static const char *const libpath_metrics[] = {"wall_s", "sys_s", "cpu_s", "energy_kwh", "co2_g",
                                              NULL};
static const char *const parallelism_metrics[] = {"wall_s", "cpu_s",      "sys_s",
                                                  "energy_cpu_j", "energy_kwh", "co2_g",
                                                  "images_per_s", NULL};

/* Treatment strengths follow the issue: strong enough to be measurable in a
 * 10-run study on a 2-core machine, realistic enough to be found in the wild. */
static const smell_info catalogue[] = {
    {
        .id = "model-reuse",
        .title = "Improper model reuse",
        .changes = "the model is constructed K times in one process (parameters, optimizer "
                   "state, initialization, backend primitives); the last one trains",
        .default_treatment = "--model-builds 10 (earlier models freed; "
                             "--keep-stale-models keeps them alive)",
        .external = SMELL_EXTERNAL_PLACEHOLDER,
        .placeholder = "{model_builds}",
        .doctor_family = "reuse",
        .metrics = reuse_metrics,
    },
    {
        .id = "minibatch",
        .title = "Minibatch mismatch",
        .changes = "the batch is far larger than the hardware needs; learning rate and "
                   "epochs unchanged, so accuracy may move and is reported",
        .default_treatment = "--batch 16x the baseline batch (64 -> 1024)",
        .external = SMELL_EXTERNAL_PLACEHOLDER,
        .placeholder = "{batch}",
        .doctor_family = "batch",
        .metrics = minibatch_metrics,
    },
    {
        .id = "libpath",
        .title = "Library path mismatch",
        .changes = "LD_LIBRARY_PATH makes the dynamic loader search many wrong places "
                   "before the right one, and may resolve other builds of a library",
        .default_treatment = "LD_LIBRARY_PATH = 1000 non-existent directories, then "
                             "directories holding other builds of loaded libraries "
                             "(--libpath-dirs), then the existing path",
        .external = SMELL_EXTERNAL_ENVIRONMENT,
        .placeholder = NULL,
        .doctor_family = "libpath",
        .metrics = libpath_metrics,
    },
    {
        .id = "parallelism",
        .title = "Unnecessary parallelism",
        .changes = "thread counts above the CPUs available to the process: contention "
                   "and scheduling overhead, no speed-up",
        .default_treatment = "--threads and OMP_NUM_THREADS (and OPENBLAS/MKL/TF thread "
                             "variables for a command) at 8x the logical CPUs",
        .external = SMELL_EXTERNAL_ENVIRONMENT,
        .placeholder = NULL,
        .doctor_family = "threads",
        .metrics = parallelism_metrics,
    },
};

static const smell_variant variants[] = {
    {"model-reuse", "model-reuse", true, "--model-builds K, earlier models freed"},
    {"model-reuse-kept", "model-reuse", false,
     "--model-builds K --keep-stale-models: earlier models stay alive (the leak)"},
    {"minibatch", "minibatch", true, "--batch B (default 16x the baseline batch)"},
    {"libpath", "libpath", true,
     "LD_LIBRARY_PATH: N non-existent directories + --libpath-dirs + the existing path"},
    {"parallelism", "parallelism", true,
     "--threads T and OMP_NUM_THREADS=T (default T = 8x the logical CPUs)"},
    {"parallelism-nested", "parallelism", false,
     "nested: OMP_NUM_THREADS=T,T with OMP_MAX_ACTIVE_LEVELS=2, "
     "TF_NUM_INTEROP_THREADS=T x TF_NUM_INTRAOP_THREADS=T"},
};

const smell_info *smell_catalogue(size_t *count)
{
    *count = sizeof catalogue / sizeof catalogue[0];
    return catalogue;
}

const smell_variant *smell_variants(size_t *count)
{
    *count = sizeof variants / sizeof variants[0];
    return variants;
}

const smell_info *smell_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < sizeof catalogue / sizeof catalogue[0]; i++)
        if (strcmp(catalogue[i].id, id) == 0)
            return &catalogue[i];
    return NULL;
}

const smell_variant *smell_variant_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (strcmp(variants[i].name, name) == 0)
            return &variants[i];
    return NULL;
}
