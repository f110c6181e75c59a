/* oneDNN loaded when first needed and the helpers over its C API
 * (nn/onednn_load.h, nn/onednn_functions.h, nn/onednn_util.h): every
 * function the code calls resolves, tensors survive a trip through another
 * layout, a primitive runs, and a oneDNN failure becomes a one-line error
 * naming what failed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <oneapi/dnnl/dnnl_debug.h>

#include "nn/onednn_functions.h"
#include "nn/onednn_load.h"
#include "nn/onednn_util.h"

static void the_library_loads_once_and_every_function_resolves(void **state)
{
    (void)state;
    hml_err err;
    assert_int_equal(nn_onednn_load(&err), HML_OK);
    assert_int_equal(nn_onednn_load(&err), HML_OK); /* cheap, and the same */
    /* The forwarders the X-list defines, each called once where harmless. */
#define NAME(ret, name, params, args) #name,
    const char *names[] = {ONEDNN_FUNCTIONS(NAME)};
#undef NAME
    size_t n = sizeof names / sizeof *names;
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        assert_true(strncmp(names[i], "dnnl_", 5) == 0);
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(names[i], names[j]);
    }
    const dnnl_version_t *v = dnnl_version();
    assert_non_null(v);
    assert_int_equal(v->major, DNNL_VERSION_MAJOR); /* the library matches the header */
    char text[32], expected[32];
    onednn_version_string(text, sizeof text);
    snprintf(expected, sizeof expected, "%d.%d.%d", v->major, v->minor, v->patch);
    assert_string_equal(text, expected);
    assert_string_equal(dnnl_status2str(dnnl_invalid_arguments), "invalid_arguments");
}

static void a_failure_names_what_failed(void **state)
{
    (void)state;
    hml_err err;
    assert_int_equal(onednn_fail(&err, dnnl_out_of_memory, "oneDNN convolution"), HML_ESYSTEM);
    assert_string_equal(err.msg, "oneDNN convolution: oneDNN status out_of_memory");
    onednn_ctx ctx;
    assert_int_equal(onednn_ctx_create(&ctx, &err), HML_OK);
    /* Two layouts of different tensors: no reorder between them. */
    dnnl_memory_desc_t a, b;
    const dnnl_dim_t da[] = {2, 3}, db[] = {4, 5};
    assert_int_equal(onednn_md(&a, 2, da, dnnl_nc, &err), HML_OK);
    assert_int_equal(onednn_md(&b, 2, db, dnnl_nc, &err), HML_OK);
    dnnl_primitive_t prim = NULL;
    assert_int_equal(onednn_reorder_primitive(&ctx, &a, &b, &prim, "a mismatched copy", &err),
                     HML_ESYSTEM);
    assert_true(strncmp(err.msg, "a mismatched copy", 17) == 0);
    assert_non_null(strstr(err.msg, "oneDNN status"));
    assert_null(prim);
    onednn_ctx_destroy(&ctx);
}

/* nchw -> nhwc -> back: the same numbers in the same places. */
static void a_tensor_survives_another_layout(void **state)
{
    (void)state;
    hml_err err;
    onednn_ctx ctx;
    assert_int_equal(onednn_ctx_create(&ctx, &err), HML_OK);
    const dnnl_dim_t dims[] = {2, 3, 4, 5};
    enum { N = 2 * 3 * 4 * 5 };
    float in[N], out[N];
    for (int i = 0; i < N; i++)
        in[i] = (float)i * 0.5f - 7.0f;
    dnnl_memory_desc_t nhwc;
    assert_int_equal(onednn_md(&nhwc, 4, dims, dnnl_nhwc, &err), HML_OK);
    assert_int_equal(dnnl_memory_desc_get_size(&nhwc), N * sizeof(float));
    dnnl_memory_t mem = NULL;
    assert_int_equal(onednn_memory(&ctx, &nhwc, NULL, &mem, &err), HML_OK);
    assert_int_equal(onednn_import(&ctx, in, dnnl_nchw, mem, &err), HML_OK);
    /* in nhwc, element (n=0, c=1, h=0, w=0) sits right after (0, 0, 0, 0) */
    void *handle = NULL;
    assert_int_equal(dnnl_memory_get_data_handle(mem, &handle), dnnl_success);
    const float *raw = handle;
    assert_true(raw[0] == in[0]);
    assert_true(raw[1] == in[1 * 4 * 5]);
    memset(out, 0, sizeof out);
    assert_int_equal(onednn_export(&ctx, mem, dnnl_nchw, out, &err), HML_OK);
    assert_memory_equal(in, out, sizeof in);

    /* reorder_once between two memories of different layouts */
    dnnl_memory_desc_t nchw;
    assert_int_equal(onednn_md(&nchw, 4, dims, dnnl_nchw, &err), HML_OK);
    dnnl_memory_t plain = NULL;
    assert_int_equal(onednn_memory(&ctx, &nchw, out, &plain, &err), HML_OK);
    memset(out, 0, sizeof out);
    assert_int_equal(onednn_reorder_once(&ctx, mem, plain, &err), HML_OK);
    assert_memory_equal(in, out, sizeof in); /* over the caller's buffer */
    dnnl_memory_destroy(plain);
    dnnl_memory_destroy(mem);
    onednn_ctx_destroy(&ctx);
}

static void a_primitive_runs_on_the_stream(void **state)
{
    (void)state;
    hml_err err;
    onednn_ctx ctx;
    assert_int_equal(onednn_ctx_create(&ctx, &err), HML_OK);
    const dnnl_dim_t dims[] = {8};
    dnnl_memory_desc_t md;
    assert_int_equal(onednn_md(&md, 1, dims, dnnl_x, &err), HML_OK);
    dnnl_eltwise_desc_t relu;
    assert_int_equal(dnnl_eltwise_forward_desc_init(&relu, dnnl_forward_inference,
                                                    dnnl_eltwise_relu, &md, 0.f, 0.f),
                     dnnl_success);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    assert_int_equal(onednn_primitive(&ctx, &relu, NULL, NULL, &pd, &prim, "relu", &err), HML_OK);
    const char *impl = onednn_impl_name(pd);
    assert_true(impl[0] != '\0' && strcmp(impl, "?") != 0);
    float x[8] = {-3, -1, 0, 1, 2, -0.5f, 4, -8}, y[8];
    dnnl_memory_t src = NULL, dst = NULL;
    assert_int_equal(onednn_memory(&ctx, &md, x, &src, &err), HML_OK);
    assert_int_equal(onednn_memory(&ctx, &md, y, &dst, &err), HML_OK);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    assert_int_equal(onednn_execute(&ctx, prim, 2, args, "relu", &err), HML_OK);
    const float expected[8] = {0, 0, 0, 1, 2, 0, 4, 0};
    assert_memory_equal(y, expected, sizeof y);
    dnnl_memory_destroy(src);
    dnnl_memory_destroy(dst);
    dnnl_primitive_destroy(prim);
    dnnl_primitive_desc_destroy(pd);
    onednn_ctx_destroy(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_library_loads_once_and_every_function_resolves),
        cmocka_unit_test(a_failure_names_what_failed),
        cmocka_unit_test(a_tensor_survives_another_layout),
        cmocka_unit_test(a_primitive_runs_on_the_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
