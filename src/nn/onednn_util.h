/* Small helpers over oneDNN's C API for the cpu backend: error mapping,
 * memory objects, reorders and executing a primitive. */
#ifndef HMLCOST_NN_ONEDNN_UTIL_H
#define HMLCOST_NN_ONEDNN_UTIL_H

#include <oneapi/dnnl/dnnl.h>
#include <stddef.h>

#include "common/error.h"

typedef struct onednn_ctx {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
} onednn_ctx;

/* "<what>: oneDNN status <name>" as an HML_ESYSTEM error. */
hml_status onednn_fail(hml_err *err, dnnl_status_t status, const char *what);

/* Evaluates a dnnl_* call; on failure returns onednn_fail(err, ...). */
#define ONEDNN_TRY(err, call, what)                                                            \
    do {                                                                                       \
        dnnl_status_t onednn_try_status_ = (call);                                             \
        if (onednn_try_status_ != dnnl_success)                                                \
            return onednn_fail((err), onednn_try_status_, (what));                             \
    } while (0)

hml_status onednn_ctx_create(onednn_ctx *ctx, hml_err *err);
void onednn_ctx_destroy(onednn_ctx *ctx);

/* Plain f32 descriptor with the given dims and format tag (or
 * dnnl_format_tag_any to let a primitive choose). */
hml_status onednn_md(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims,
                     dnnl_format_tag_t tag, hml_err *err);

/* A memory object for md: allocated by oneDNN when handle is NULL (not
 * cleared: every activation buffer is written before it is read; oneDNN
 * zeroes the padding of blocked layouts itself), else over handle. */
hml_status onednn_memory(const onednn_ctx *ctx, const dnnl_memory_desc_t *md, void *handle,
                         dnnl_memory_t *out, hml_err *err);

/* A reorder primitive from layout `from` to layout `to` (of the same
 * logical tensor), owned by the caller; both failures name `what`. */
hml_status onednn_reorder_primitive(const onednn_ctx *ctx, const dnnl_memory_desc_t *from,
                                    const dnnl_memory_desc_t *to, dnnl_primitive_t *out,
                                    const char *what, hml_err *err);

/* Copies src into dst (any layouts of the same logical tensor) with a
 * one-off reorder primitive; for set-up and tests, not the training loop. */
hml_status onednn_reorder_once(const onednn_ctx *ctx, dnnl_memory_t src, dnnl_memory_t dst,
                               hml_err *err);

/* Copies between a plain buffer (layout `tag`, e.g. nchw/oihw/nc/x) and a
 * memory object in whatever layout it has. */
hml_status onednn_import(const onednn_ctx *ctx, const float *plain, dnnl_format_tag_t tag,
                         dnnl_memory_t dst, hml_err *err);
hml_status onednn_export(const onednn_ctx *ctx, dnnl_memory_t src, dnnl_format_tag_t tag,
                         float *plain, hml_err *err);

/* Creates a primitive from an op descriptor; *pd and *prim are set (and
 * owned by the caller) on success. hint may be NULL. */
hml_status onednn_primitive(const onednn_ctx *ctx, const void *op_desc,
                            const_dnnl_primitive_attr_t attr, const_dnnl_primitive_desc_t hint,
                            dnnl_primitive_desc_t *pd, dnnl_primitive_t *prim, const char *what,
                            hml_err *err);

/* The implementation oneDNN picked ("brgconv:avx512_core", "ref:any", ...). */
const char *onednn_impl_name(const_dnnl_primitive_desc_t pd);

/* Runs prim on the context's stream with the given arguments. */
hml_status onednn_execute(const onednn_ctx *ctx, dnnl_primitive_t prim, int nargs,
                          const dnnl_exec_arg_t *args, const char *what, hml_err *err);

/* "2.6.3" */
void onednn_version_string(char *buf, size_t size);

#endif
