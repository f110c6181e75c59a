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

/* model-reuse has two faces, both in `--smell all`: freed, the earlier
 * models released before the next is built (only the construction cost is
 * left), and kept, the earlier models alive to the end as models built
 * repeatedly in one TensorFlow process stay reachable until clear_session()
 * (the construction cost plus the memory they hold). */
static const smell_variant variants[] = {
    {"model-reuse", "model-reuse", true, false, "--model-builds K, earlier models freed",
     "the freed face: the model is built K times in one process, each earlier one freed "
     "before the next is built, so it measures the repeated construction and "
     "initialization alone; model-reuse-kept adds the memory the earlier models hold"},
    {"model-reuse-kept", "model-reuse", true, true,
     "--model-builds K --keep-stale-models: earlier models stay alive (the leak)",
     "the kept face: the K-1 earlier models stay alive until the process ends, as models "
     "built again and again in one TensorFlow/Keras process stay reachable until "
     "clear_session(); it measures the construction plus the memory they hold (peak RSS), "
     "which the freed face (model-reuse) gives back"},
    {"minibatch", "minibatch", true, false, "--batch B (default 16x the baseline batch)",
     "a batch far larger than the baseline's, learning rate and epochs unchanged: memory "
     "and time per image move, and accuracy may move too (reported, not held equal)"},
    {"libpath", "libpath", true, false,
     "LD_LIBRARY_PATH: N non-existent directories + --libpath-dirs + the existing path",
     "the dynamic loader searches many wrong directories before the right one: it "
     "measures the extra start-up (system) time of every process, and a fall-back when "
     "another build of a library is found first"},
    {"parallelism", "parallelism", true, false,
     "--threads T and OMP_NUM_THREADS=T (default T = 8x the logical CPUs)",
     "more threads than the CPUs available: it measures contention and scheduling "
     "overhead against the baseline's thread count"},
    {"parallelism-nested", "parallelism", false, false,
     "nested: OMP_NUM_THREADS=T,T with OMP_MAX_ACTIVE_LEVELS=2, "
     "TF_NUM_INTEROP_THREADS=T x TF_NUM_INTRAOP_THREADS=T",
     "nested thread pools, T threads each starting T more, as frameworks with inter- and "
     "intra-op pools do: the oversubscription of the parallelism arm, squared"},
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
