/* The cuda backend's options as its backend string names them (the
 * result's "backend"): the defaults -- table algorithms, fused
 * conv+bias+ReLU, graphs, fp32 and the gradient path of grad_defaults.h --
 * add nothing; every departure adds its name; a value that is not
 * understood is refused, naming the option. With the cuda backend built,
 * through its describe() (no GPU needed); without it, through the names
 * describe() appends (nn_cuda_config_name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "nn/backend.h"
#include "nn/cuda/cuda_config.h"
#include "nn/cuda/grad_defaults.h"

/* The two gradient paths as the options set them, and as the backend
 * string names them when they are not the default. */
static const char *const verified_path[][2] = {
    {"cuda-bias-grad", "split"}, {"cuda-wgrad", "cudnn"}, {"cuda-pool-bwd", "cudnn"}};
static const char *const verified_names[] = {"+biassplit", "+cudnnwgrad", "+cudnnpool"};
static const char *const own_path[][2] = {
    {"cuda-bias-grad", "tiled"}, {"cuda-wgrad", "own"}, {"cuda-pool-bwd", "fused"}};
static const char *const own_names[] = {"+biastiled", "+ownwgrad", "+fusedpool"};

static nn_model_config cfg;

static int clear(void **state)
{
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    return 0;
}

static void set(const char *name, const char *value)
{
    hml_err err = {0};
    assert_int_equal(nn_cuda_config_set(&cfg.cuda, name, value, &err), HML_OK);
}

/* The part after "cudnn-<version>". */
static const char *suffix(void)
{
    static char buf[160];
#ifdef HMLCOST_HAVE_CUDA
    const nn_backend *b = nn_backend_find("cuda");
    assert_non_null(b);
    b->describe(&cfg, buf, sizeof buf);
    assert_int_equal(strncmp(buf, "cudnn-", 6), 0);
    const char *plus = strchr(buf, '+');
    return plus ? plus : "";
#else
    nn_cuda_config_name(&cfg.cuda, buf, sizeof buf);
    return buf;
#endif
}

static void defaults_add_nothing(void **state)
{
    (void)state;
    assert_string_equal(suffix(), "");
    set("cuda-algo", "table");
    const char *const(*path)[2] = CUDA_OWN_GRAD_KERNELS_DEFAULT ? own_path : verified_path;
    for (size_t i = 0; i < 3; i++)
        set(path[i][0], path[i][1]);
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
    set("cuda-bias-grad", "split");
    set("cuda-wgrad", "cudnn");
    set("cuda-pool-bwd", "cudnn");
    assert_string_equal(suffix(), "");
}

/* The gradient path that is not the default: one option each, named. */
static void the_other_gradient_path_is_named(void **state)
{
    (void)state;
    const char *const(*path)[2] = CUDA_OWN_GRAD_KERNELS_DEFAULT ? verified_path : own_path;
    const char *const *names = CUDA_OWN_GRAD_KERNELS_DEFAULT ? verified_names : own_names;
    char expected[64] = "";
    for (size_t i = 0; i < 3; i++) {
        set(path[i][0], path[i][1]);
        strcat(expected, names[i]);
        assert_string_equal(suffix(), expected);
    }
}

static void departures_are_named(void **state)
{
    (void)state;
    set("cuda-algo", "find");
    assert_string_equal(suffix(), "+find");
    set("cuda-algo", "heuristic");
    set("cuda-unfused", NULL);
    assert_string_equal(suffix(), "+heuristic+unfused");
    clear(NULL);
    set("cuda-tf32", NULL);
    set("cuda-algos", "conv2.bwd_filter=2");
    set("cuda-bias-grad", "single");
    set("cuda-no-graphs", NULL);
    cfg.cuda.profile = true; /* bench/cuda_train --profile */
    assert_string_equal(suffix(), "+tf32+pinned+biassingle+nographs+profile");
}

/* A value that is not understood is refused, naming the option, and leaves
 * the configuration (and so the string) at the defaults. */
static void bad_values_are_refused_and_change_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value, *message;
    } bad[] = {
        {"cuda-algo", "fastest", "--cuda-algo: unknown value 'fastest'"},
        {"cuda-bias-grad", "sometimes", "--cuda-bias-grad: unknown value 'sometimes'"},
        {"cuda-wgrad", "cublas", "--cuda-wgrad: unknown value 'cublas'"},
        {"cuda-pool-bwd", "own", "--cuda-pool-bwd: unknown value 'own'"},
        {"cuda-algos", "conv2.bwd_filter=0", "--cuda-algos: 'conv2.bwd_filter=0'"},
        {"cuda-algos", "conv9.fwd=1", "--cuda-algos: 'conv9' is not a convolution"},
        {"cuda-algo", NULL, "--cuda-algo needs a value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hml_err err = {0};
        assert_int_equal(nn_cuda_config_set(&cfg.cuda, bad[i].name, bad[i].value, &err),
                         HML_EUSAGE);
        if (!strstr(err.msg, bad[i].message))
            fail_msg("%s %s: '%s' lacks '%s'", bad[i].name, bad[i].value, err.msg,
                     bad[i].message);
        assert_string_equal(suffix(), "");
    }
}

/* Two configurations that make the same choices are the same, however the
 * choices were written (the context refuses a model with other choices). */
static void same_choices_are_the_same_configuration(void **state)
{
    (void)state;
    nn_cuda_config defaults = {0};
    const char *const(*path)[2] = CUDA_OWN_GRAD_KERNELS_DEFAULT ? own_path : verified_path;
    for (size_t i = 0; i < 3; i++)
        set(path[i][0], path[i][1]);
    set("cuda-algos", "conv2.bwd_filter=2,conv1.fwd=0");
    assert_false(nn_cuda_config_same(&cfg.cuda, &defaults));
    nn_cuda_config reordered = {0};
    hml_err err = {0};
    assert_int_equal(nn_cuda_config_set(&reordered, "cuda-algos", "conv1.fwd=0 conv2.bwd_filter=2",
                                        &err),
                     HML_OK);
    assert_true(nn_cuda_config_same(&cfg.cuda, &reordered));
    set("cuda-tf32", NULL);
    assert_false(nn_cuda_config_same(&cfg.cuda, &reordered));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults_add_nothing, clear),
        cmocka_unit_test_setup(departures_are_named, clear),
        cmocka_unit_test_setup(the_default_gradient_path_is_the_verified_one, clear),
        cmocka_unit_test_setup(the_other_gradient_path_is_named, clear),
        cmocka_unit_test_setup(bad_values_are_refused_and_change_nothing, clear),
        cmocka_unit_test_setup(same_choices_are_the_same_configuration, clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
