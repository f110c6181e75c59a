/* The cuda backend's plans, one per batch size (cuda_model.h): the
 * descriptors, the memory, and the cuDNN algorithm of each direction of
 * each convolution. Only algorithms cuDNN documents and reports
 * deterministic are used, and every process picks the same ones
 * (conv_algos.h: a fixed table per GPU architecture, else cuDNN's
 * heuristics; a timing only with --cuda-algo find). */
#ifndef HMLCOST_NN_CUDA_CUDA_PLAN_H
#define HMLCOST_NN_CUDA_CUDA_PLAN_H

#include "common/error.h"
#include "nn/cuda/cuda_model.h"

/* The model's plan for batches of n images (1 <= n <= cfg.batch), made on
 * first use. */
hml_status cuda_plan_for(cuda_model *m, int n, cuda_plan **out, hml_err *err);

/* Frees a plan; NULL is allowed. */
void cuda_plan_destroy(cuda_context *cx, cuda_plan *p);

#endif
