#include "nn/onednn_util.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <oneapi/dnnl/dnnl_debug.h>

#include "nn/onednn_load.h"

hml_status onednn_fail(hml_err *err, dnnl_status_t status, const char *what)
{
    return hml_fail(err, HML_ESYSTEM, "%s: oneDNN status %s", what, dnnl_status2str(status));
}

hml_status onednn_ctx_create(onednn_ctx *ctx, hml_err *err)
{
    ctx->engine = NULL;
    ctx->stream = NULL;
    hml_status loaded = nn_onednn_load(err);
    if (loaded != HML_OK)
        return loaded;
    ONEDNN_TRY(err, dnnl_engine_create(&ctx->engine, dnnl_cpu, 0), "oneDNN CPU engine");
    dnnl_status_t s = dnnl_stream_create(&ctx->stream, ctx->engine, dnnl_stream_default_flags);
    if (s != dnnl_success) {
        dnnl_engine_destroy(ctx->engine);
        ctx->engine = NULL;
        return onednn_fail(err, s, "oneDNN stream");
    }
    return HML_OK;
}

void onednn_ctx_destroy(onednn_ctx *ctx)
{
    if (ctx->stream)
        dnnl_stream_destroy(ctx->stream);
    if (ctx->engine)
        dnnl_engine_destroy(ctx->engine);
    ctx->stream = NULL;
    ctx->engine = NULL;
}

hml_status onednn_md(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims,
                     dnnl_format_tag_t tag, hml_err *err)
{
    ONEDNN_TRY(err, dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, tag),
               "oneDNN memory descriptor");
    return HML_OK;
}

hml_status onednn_memory(const onednn_ctx *ctx, const dnnl_memory_desc_t *md, void *handle,
                         dnnl_memory_t *out, hml_err *err)
{
    ONEDNN_TRY(err, dnnl_memory_create(out, md, ctx->engine, handle ? handle : DNNL_MEMORY_ALLOCATE),
               "oneDNN memory");
    return HML_OK;
}

hml_status onednn_reorder_primitive(const onednn_ctx *ctx, const dnnl_memory_desc_t *from,
                                    const dnnl_memory_desc_t *to, dnnl_primitive_t *out,
                                    const char *what, hml_err *err)
{
    dnnl_primitive_desc_t pd = NULL;
    ONEDNN_TRY(err, dnnl_reorder_primitive_desc_create(&pd, from, ctx->engine, to, ctx->engine, NULL),
               what);
    dnnl_status_t s = dnnl_primitive_create(out, pd);
    dnnl_primitive_desc_destroy(pd);
    if (s != dnnl_success)
        return onednn_fail(err, s, what);
    return HML_OK;
}

hml_status onednn_reorder_once(const onednn_ctx *ctx, dnnl_memory_t src, dnnl_memory_t dst,
                               hml_err *err)
{
    const dnnl_memory_desc_t *src_md = NULL, *dst_md = NULL;
    ONEDNN_TRY(err, dnnl_memory_get_memory_desc(src, &src_md), "reorder source");
    ONEDNN_TRY(err, dnnl_memory_get_memory_desc(dst, &dst_md), "reorder destination");
    dnnl_primitive_t prim = NULL;
    hml_status s = onednn_reorder_primitive(ctx, src_md, dst_md, &prim, "oneDNN reorder", err);
    if (s != HML_OK)
        return s;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}};
    hml_status st = onednn_execute(ctx, prim, 2, args, "oneDNN reorder", err);
    dnnl_primitive_destroy(prim);
    return st;
}

static hml_status plain_twin(const onednn_ctx *ctx, dnnl_memory_t mem, dnnl_format_tag_t tag,
                             void *plain, dnnl_memory_t *out, hml_err *err)
{
    const dnnl_memory_desc_t *md = NULL;
    ONEDNN_TRY(err, dnnl_memory_get_memory_desc(mem, &md), "oneDNN memory descriptor");
    dnnl_memory_desc_t plain_md;
    hml_status s = onednn_md(&plain_md, md->ndims, md->dims, tag, err);
    if (s != HML_OK)
        return s;
    return onednn_memory(ctx, &plain_md, plain, out, err);
}

hml_status onednn_import(const onednn_ctx *ctx, const float *plain, dnnl_format_tag_t tag,
                         dnnl_memory_t dst, hml_err *err)
{
    dnnl_memory_t src = NULL;
    /* oneDNN only reads a reorder's source: dropping const is safe. */
    hml_status s = plain_twin(ctx, dst, tag, (void *)(uintptr_t)plain, &src, err);
    if (s != HML_OK)
        return s;
    s = onednn_reorder_once(ctx, src, dst, err);
    dnnl_memory_destroy(src);
    return s;
}

hml_status onednn_export(const onednn_ctx *ctx, dnnl_memory_t src, dnnl_format_tag_t tag,
                         float *plain, hml_err *err)
{
    dnnl_memory_t dst = NULL;
    hml_status s = plain_twin(ctx, src, tag, plain, &dst, err);
    if (s != HML_OK)
        return s;
    s = onednn_reorder_once(ctx, src, dst, err);
    dnnl_memory_destroy(dst);
    return s;
}

hml_status onednn_primitive(const onednn_ctx *ctx, const void *op_desc,
                            const_dnnl_primitive_attr_t attr, const_dnnl_primitive_desc_t hint,
                            dnnl_primitive_desc_t *pd, dnnl_primitive_t *prim, const char *what,
                            hml_err *err)
{
    *pd = NULL;
    *prim = NULL;
    ONEDNN_TRY(err, dnnl_primitive_desc_create(pd, op_desc, attr, ctx->engine, hint), what);
    dnnl_status_t s = dnnl_primitive_create(prim, *pd);
    if (s != dnnl_success) {
        dnnl_primitive_desc_destroy(*pd);
        *pd = NULL;
        return onednn_fail(err, s, what);
    }
    return HML_OK;
}

const char *onednn_impl_name(const_dnnl_primitive_desc_t pd)
{
    const char *name = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) != dnnl_success || !name)
        return "?";
    return name;
}

hml_status onednn_execute(const onednn_ctx *ctx, dnnl_primitive_t prim, int nargs,
                          const dnnl_exec_arg_t *args, const char *what, hml_err *err)
{
    ONEDNN_TRY(err, dnnl_primitive_execute(prim, ctx->stream, nargs, args), what);
    ONEDNN_TRY(err, dnnl_stream_wait(ctx->stream), what);
    return HML_OK;
}

void onednn_version_string(char *buf, size_t size)
{
    const dnnl_version_t *v = dnnl_version();
    snprintf(buf, size, "%d.%d.%d", v->major, v->minor, v->patch);
}
