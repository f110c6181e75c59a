/* The cuda backend's knobs as its backend string names them (the result's
 * "backend"): the defaults -- table algorithms, fused conv+bias+ReLU, split
 * bias gradients, graphs, fp32 -- add nothing; every departure adds its
 * name. describe() needs no GPU (built with the cuda backend only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "nn/backend.h"

static const char *const knobs[] = {"HMLCOST_CUDA_TF32",     "HMLCOST_CUDA_GRAPHS",
                                    "HMLCOST_CUDA_ALGO",     "HMLCOST_CUDA_ALGOS",
                                    "HMLCOST_CUDA_FUSED",    "HMLCOST_CUDA_BIASGRAD",
                                    "HMLCOST_CUDA_WGRAD",    "HMLCOST_CUDA_POOLBWD",
                                    "HMLCOST_CUDA_PROFILE"};

static const char *describe(void)
{
    static char buf[128];
    const nn_backend *b = nn_backend_find("cuda");
    assert_non_null(b);
    b->describe(buf, sizeof buf);
    return buf;
}

/* The part after "cudnn-<version>". */
static const char *suffix(void)
{
    const char *s = describe();
    assert_int_equal(strncmp(s, "cudnn-", 6), 0);
    const char *plus = strchr(s, '+');
    return plus ? plus : "";
}

static int clear(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++)
        unsetenv(knobs[i]);
    return 0;
}

static void defaults_add_nothing(void **state)
{
    (void)state;
    assert_string_equal(suffix(), "");
    setenv("HMLCOST_CUDA_ALGO", "table", 1);
    setenv("HMLCOST_CUDA_FUSED", "1", 1);
    setenv("HMLCOST_CUDA_BIASGRAD", "tiled", 1);
    setenv("HMLCOST_CUDA_WGRAD", "own", 1);
    setenv("HMLCOST_CUDA_POOLBWD", "fused", 1);
    setenv("HMLCOST_CUDA_GRAPHS", "1", 1);
    assert_string_equal(suffix(), "");
}

/* Run 3's defaults (before our fused gradient kernels), one setting each. */
static void run3_defaults_are_named(void **state)
{
    (void)state;
    setenv("HMLCOST_CUDA_BIASGRAD", "split", 1);
    assert_string_equal(suffix(), "+biassplit");
    setenv("HMLCOST_CUDA_WGRAD", "cudnn", 1);
    assert_string_equal(suffix(), "+biassplit+cudnnwgrad");
    setenv("HMLCOST_CUDA_POOLBWD", "cudnn", 1);
    assert_string_equal(suffix(), "+biassplit+cudnnwgrad+cudnnpool");
}

static void departures_are_named(void **state)
{
    (void)state;
    setenv("HMLCOST_CUDA_ALGO", "find", 1);
    assert_string_equal(suffix(), "+find");
    setenv("HMLCOST_CUDA_ALGO", "heuristic", 1);
    setenv("HMLCOST_CUDA_FUSED", "0", 1);
    assert_string_equal(suffix(), "+heuristic+unfused");
    clear(NULL);
    setenv("HMLCOST_CUDA_TF32", "1", 1);
    setenv("HMLCOST_CUDA_ALGOS", "conv2.bwd_filter=2", 1);
    setenv("HMLCOST_CUDA_BIASGRAD", "single", 1);
    setenv("HMLCOST_CUDA_GRAPHS", "0", 1);
    setenv("HMLCOST_CUDA_PROFILE", "1", 1);
    assert_string_equal(suffix(), "+tf32+pinned+biassingle+nographs+profile");
}

/* A knob that is not understood leaves the string at the defaults (create
 * then fails with the knob's message, before any GPU work). */
static void bad_knobs_describe_the_defaults(void **state)
{
    (void)state;
    setenv("HMLCOST_CUDA_ALGO", "fastest", 1);
    setenv("HMLCOST_CUDA_BIASGRAD", "sometimes", 1);
    assert_string_equal(suffix(), "");
    clear(NULL);
    setenv("HMLCOST_CUDA_WGRAD", "cublas", 1);
    assert_string_equal(suffix(), "");
    clear(NULL);
    setenv("HMLCOST_CUDA_POOLBWD", "own", 1);
    assert_string_equal(suffix(), "");
    clear(NULL);
    setenv("HMLCOST_CUDA_ALGOS", "conv2.bwd_filter=0", 1);
    assert_string_equal(suffix(), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults_add_nothing, clear),
        cmocka_unit_test_setup(departures_are_named, clear),
        cmocka_unit_test_setup(run3_defaults_are_named, clear),
        cmocka_unit_test_setup(bad_knobs_describe_the_defaults, clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
