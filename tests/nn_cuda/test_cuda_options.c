/* The cuda backend's knobs as its backend string names them (the result's
 * "backend"): the defaults -- table algorithms, fused conv+bias+ReLU, graphs,
 * fp32 and the gradient path of grad_defaults.h -- add nothing; every
 * departure adds its name. describe() needs no GPU (built with the cuda
 * backend only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "nn/backend.h"
#include "nn/cuda/grad_defaults.h"

/* The two gradient paths as the knobs set them, and as the backend string
 * names them when they are not the default. */
static const char *const verified_path[][2] = {{"HMLCOST_CUDA_BIASGRAD", "split"},
                                               {"HMLCOST_CUDA_WGRAD", "cudnn"},
                                               {"HMLCOST_CUDA_POOLBWD", "cudnn"}};
static const char *const verified_names[] = {"+biassplit", "+cudnnwgrad", "+cudnnpool"};
static const char *const own_path[][2] = {{"HMLCOST_CUDA_BIASGRAD", "tiled"},
                                          {"HMLCOST_CUDA_WGRAD", "own"},
                                          {"HMLCOST_CUDA_POOLBWD", "fused"}};
static const char *const own_names[] = {"+biastiled", "+ownwgrad", "+fusedpool"};

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
    setenv("HMLCOST_CUDA_GRAPHS", "1", 1);
    const char *const(*path)[2] = CUDA_OWN_GRAD_KERNELS_DEFAULT ? own_path : verified_path;
    for (size_t i = 0; i < 3; i++)
        setenv(path[i][0], path[i][1], 1);
    assert_string_equal(suffix(), "");
}

/* Until a GPU run verifies the own gradient kernels, the default is the
 * verified path (cuDNN's weight gradient and pooling backward, split bias
 * gradients), and the own kernels are named as a departure. */
static void the_default_gradient_path_is_the_verified_one(void **state)
{
    (void)state;
    if (CUDA_OWN_GRAD_KERNELS_DEFAULT)
        skip(); /* bench/gpu-check.sh verified them and made them the default */
    assert_string_equal(CUDA_OWN_GRAD_KERNELS_VERIFIED_ON, "");
    setenv("HMLCOST_CUDA_BIASGRAD", "split", 1);
    setenv("HMLCOST_CUDA_WGRAD", "cudnn", 1);
    setenv("HMLCOST_CUDA_POOLBWD", "cudnn", 1);
    assert_string_equal(suffix(), "");
}

/* The gradient path that is not the default: one switch each, named. */
static void the_other_gradient_path_is_named(void **state)
{
    (void)state;
    const char *const(*path)[2] = CUDA_OWN_GRAD_KERNELS_DEFAULT ? verified_path : own_path;
    const char *const *names = CUDA_OWN_GRAD_KERNELS_DEFAULT ? verified_names : own_names;
    char expected[64] = "";
    for (size_t i = 0; i < 3; i++) {
        setenv(path[i][0], path[i][1], 1);
        strcat(expected, names[i]);
        assert_string_equal(suffix(), expected);
    }
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
        cmocka_unit_test_setup(the_default_gradient_path_is_the_verified_one, clear),
        cmocka_unit_test_setup(the_other_gradient_path_is_named, clear),
        cmocka_unit_test_setup(bad_knobs_describe_the_defaults, clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
