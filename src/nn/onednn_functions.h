/* Generated once from oneDNN 2.6's dnnl.h / dnnl_debug.h prototypes of the
 * functions hmlcost calls; add a line when the code calls a new one (a
 * mismatch with the header is a compile error: the wrappers are definitions
 * of the header's declarations). X(return type, name, (parameters), (arguments)) */
#define ONEDNN_FUNCTIONS(X) \
    X(dnnl_status_t, dnnl_convolution_backward_data_desc_init, (dnnl_convolution_desc_t *conv_desc, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *diff_src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *diff_dst_desc, const dnnl_dims_t strides, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (conv_desc, alg_kind, diff_src_desc, weights_desc, diff_dst_desc, strides, padding_l, padding_r)) \
    X(dnnl_status_t, dnnl_convolution_backward_weights_desc_init, (dnnl_convolution_desc_t *conv_desc, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *diff_weights_desc, const dnnl_memory_desc_t *diff_bias_desc, const dnnl_memory_desc_t *diff_dst_desc, const dnnl_dims_t strides, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (conv_desc, alg_kind, src_desc, diff_weights_desc, diff_bias_desc, diff_dst_desc, strides, padding_l, padding_r)) \
    X(dnnl_status_t, dnnl_convolution_forward_desc_init, (dnnl_convolution_desc_t *conv_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc, const dnnl_dims_t strides, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (conv_desc, prop_kind, alg_kind, src_desc, weights_desc, bias_desc, dst_desc, strides, padding_l, padding_r)) \
    X(dnnl_status_t, dnnl_eltwise_backward_desc_init, (dnnl_eltwise_desc_t *eltwise_desc, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *diff_data_desc, const dnnl_memory_desc_t *data_desc, float alpha, float beta), (eltwise_desc, alg_kind, diff_data_desc, data_desc, alpha, beta)) \
    X(dnnl_status_t, dnnl_eltwise_forward_desc_init, (dnnl_eltwise_desc_t *eltwise_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *data_desc, float alpha, float beta), (eltwise_desc, prop_kind, alg_kind, data_desc, alpha, beta)) \
    X(dnnl_status_t, dnnl_engine_create, (dnnl_engine_t *engine, dnnl_engine_kind_t kind, size_t index), (engine, kind, index)) \
    X(dnnl_status_t, dnnl_engine_destroy, (dnnl_engine_t engine), (engine)) \
    X(dnnl_status_t, dnnl_get_primitive_cache_capacity, (int *capacity), (capacity)) \
    X(dnnl_status_t, dnnl_inner_product_backward_data_desc_init, (dnnl_inner_product_desc_t *ip_desc, const dnnl_memory_desc_t *diff_src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *diff_dst_desc), (ip_desc, diff_src_desc, weights_desc, diff_dst_desc)) \
    X(dnnl_status_t, dnnl_inner_product_backward_weights_desc_init, (dnnl_inner_product_desc_t *ip_desc, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *diff_weights_desc, const dnnl_memory_desc_t *diff_bias_desc, const dnnl_memory_desc_t *diff_dst_desc), (ip_desc, src_desc, diff_weights_desc, diff_bias_desc, diff_dst_desc)) \
    X(dnnl_status_t, dnnl_inner_product_forward_desc_init, (dnnl_inner_product_desc_t *ip_desc, dnnl_prop_kind_t prop_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc), (ip_desc, prop_kind, src_desc, weights_desc, bias_desc, dst_desc)) \
    X(dnnl_status_t, dnnl_memory_create, (dnnl_memory_t *memory, const dnnl_memory_desc_t *memory_desc, dnnl_engine_t engine, void *handle), (memory, memory_desc, engine, handle)) \
    X(int, dnnl_memory_desc_equal, (const dnnl_memory_desc_t *lhs, const dnnl_memory_desc_t *rhs), (lhs, rhs)) \
    X(size_t, dnnl_memory_desc_get_size, (const dnnl_memory_desc_t *memory_desc), (memory_desc)) \
    X(dnnl_status_t, dnnl_memory_desc_init_by_tag, (dnnl_memory_desc_t *memory_desc, int ndims, const dnnl_dims_t dims, dnnl_data_type_t data_type, dnnl_format_tag_t tag), (memory_desc, ndims, dims, data_type, tag)) \
    X(dnnl_status_t, dnnl_memory_destroy, (dnnl_memory_t memory), (memory)) \
    X(dnnl_status_t, dnnl_memory_get_data_handle, (const_dnnl_memory_t memory, void **handle), (memory, handle)) \
    X(dnnl_status_t, dnnl_memory_get_memory_desc, (const_dnnl_memory_t memory, const dnnl_memory_desc_t **memory_desc), (memory, memory_desc)) \
    X(dnnl_status_t, dnnl_memory_set_data_handle, (dnnl_memory_t memory, void *handle), (memory, handle)) \
    X(dnnl_status_t, dnnl_pooling_backward_desc_init, (dnnl_pooling_desc_t *pool_desc, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *diff_src_desc, const dnnl_memory_desc_t *diff_dst_desc, const dnnl_dims_t strides, const dnnl_dims_t kernel, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (pool_desc, alg_kind, diff_src_desc, diff_dst_desc, strides, kernel, padding_l, padding_r)) \
    X(dnnl_status_t, dnnl_pooling_forward_desc_init, (dnnl_pooling_desc_t *pool_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *dst_desc, const dnnl_dims_t strides, const dnnl_dims_t kernel, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r), (pool_desc, prop_kind, alg_kind, src_desc, dst_desc, strides, kernel, padding_l, padding_r)) \
    X(dnnl_status_t, dnnl_post_ops_append_eltwise, (dnnl_post_ops_t post_ops, float scale, dnnl_alg_kind_t alg_kind, float alpha, float beta), (post_ops, scale, alg_kind, alpha, beta)) \
    X(dnnl_status_t, dnnl_post_ops_create, (dnnl_post_ops_t *post_ops), (post_ops)) \
    X(dnnl_status_t, dnnl_post_ops_destroy, (dnnl_post_ops_t post_ops), (post_ops)) \
    X(dnnl_status_t, dnnl_primitive_attr_create, (dnnl_primitive_attr_t *attr), (attr)) \
    X(dnnl_status_t, dnnl_primitive_attr_destroy, (dnnl_primitive_attr_t attr), (attr)) \
    X(dnnl_status_t, dnnl_primitive_attr_set_post_ops, (dnnl_primitive_attr_t attr, const_dnnl_post_ops_t post_ops), (attr, post_ops)) \
    X(dnnl_status_t, dnnl_primitive_create, (dnnl_primitive_t *primitive, const_dnnl_primitive_desc_t primitive_desc), (primitive, primitive_desc)) \
    X(dnnl_status_t, dnnl_primitive_desc_create, (dnnl_primitive_desc_t *primitive_desc, const_dnnl_op_desc_t op_desc, const_dnnl_primitive_attr_t attr, dnnl_engine_t engine, const_dnnl_primitive_desc_t hint_forward_primitive_desc), (primitive_desc, op_desc, attr, engine, hint_forward_primitive_desc)) \
    X(dnnl_status_t, dnnl_primitive_desc_destroy, (dnnl_primitive_desc_t primitive_desc), (primitive_desc)) \
    X(dnnl_status_t, dnnl_primitive_desc_query, (const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index, void *result), (primitive_desc, what, index, result)) \
    X(const dnnl_memory_desc_t *, dnnl_primitive_desc_query_md, (const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index), (primitive_desc, what, index)) \
    X(dnnl_status_t, dnnl_primitive_destroy, (dnnl_primitive_t primitive), (primitive)) \
    X(dnnl_status_t, dnnl_primitive_execute, (const_dnnl_primitive_t primitive, dnnl_stream_t stream, int nargs, const dnnl_exec_arg_t *args), (primitive, stream, nargs, args)) \
    X(dnnl_status_t, dnnl_reorder_primitive_desc_create, (dnnl_primitive_desc_t *reorder_primitive_desc, const dnnl_memory_desc_t *src_desc, dnnl_engine_t src_engine, const dnnl_memory_desc_t *dst_desc, dnnl_engine_t dst_engine, const_dnnl_primitive_attr_t attr), (reorder_primitive_desc, src_desc, src_engine, dst_desc, dst_engine, attr)) \
    X(const char *, dnnl_status2str, (dnnl_status_t v), (v)) \
    X(dnnl_status_t, dnnl_stream_create, (dnnl_stream_t *stream, dnnl_engine_t engine, unsigned flags), (stream, engine, flags)) \
    X(dnnl_status_t, dnnl_stream_destroy, (dnnl_stream_t stream), (stream)) \
    X(dnnl_status_t, dnnl_stream_wait, (dnnl_stream_t stream), (stream)) \
    X(const dnnl_version_t *, dnnl_version, (void), ())
