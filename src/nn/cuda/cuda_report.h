/* What the cuda backend measured about itself in this process, as text
 * for a benchmark driver to print (bench/cuda_train --report): the set-up
 * steps' wall times (probe, context, handles, each plan's algorithm choice,
 * first eager steps, graph captures), the cuDNN algorithms chosen for the
 * full batch, and with the profile option (cuda_config.h) the GPU time of
 * every operation of a training step (cuda_profile.h). */
#ifndef HMLCOST_NN_CUDA_CUDA_REPORT_H
#define HMLCOST_NN_CUDA_CUDA_REPORT_H

#include <stddef.h>

#ifdef HMLCOST_HAVE_CUDA
/* Writes the report into buf (NUL-terminated, truncated to size); returns
 * the length it needed. */
size_t cuda_backend_report(char *buf, size_t size);
#endif

#endif
