/* The cuda backend's choice of a cuDNN algorithm for each direction of a
 * convolution of a plan, by the rules of conv_algos.h: a pinned algorithm
 * (--cuda-algos), else the table's for this GPU, if cuDNN takes it for the
 * shape; otherwise cuDNN's candidates -- the heuristics' first
 * deterministic one whose math and workspace fit, or with --cuda-algo find
 * cudnnFind's timings and the stable rule. */
#ifndef HMLCOST_NN_CUDA_CUDA_CONV_CHOICE_H
#define HMLCOST_NN_CUDA_CUDA_CONV_CHOICE_H

#include <stdbool.h>

#include "common/error.h"
#include "nn/cuda/conv_algos.h"
#include "nn/cuda/cuda_model.h"

/* cudnnFind's scratch: a workspace and an output for backward-filter (the
 * trials must not write into the model's gradients). */
typedef struct cuda_find_scratch {
    void *workspace;
    float *dw; /* the largest conv weight */
} cuda_find_scratch;
hml_status cuda_find_scratch_alloc(cuda_context *cx, cuda_find_scratch *s, hml_err *err);
/* Waits for the trials, then frees; a scratch never allocated is left alone. */
void cuda_find_scratch_free(cuda_find_scratch *s);

/* Chooses the algorithms of conv layer i of plan p (its descriptors made),
 * sets them in p->conv[i] and grows p->workspace_bytes to fit; recs[dir]
 * says what was chosen and how. find_ws: only read with --cuda-algo find. */
hml_status cuda_conv_choose(cuda_model *m, cuda_plan *p, int i, const cuda_find_scratch *find_ws,
                            conv_algo_record recs[CONV_DIRS], hml_err *err);

/* A layer's choices: into the details when they are the first full-batch
 * plan's (record); otherwise a refused table or pinned algorithm is noted. */
void cuda_conv_record_choices(cuda_context *cx, const conv_algo_record recs[CONV_DIRS], bool record,
                              int n);

#endif
