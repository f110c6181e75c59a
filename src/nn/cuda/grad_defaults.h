/* Which gradient path the cuda backend takes when --cuda-bias-grad,
 * --cuda-wgrad and --cuda-pool-bwd are not given (cuda_config.h).
 *
 * 0: the path verified on a GPU (an H200): split bias gradients, cuDNN's
 *    backward-filter for conv1, cuDNN's pooling backward.
 * 1: the backend's own kernels (own_grad.h): tiled dense bias gradients,
 *    conv1's weight and bias gradients in one kernel, the pooling backward
 *    fused with the ReLU backward and the bias gradient.
 *
 * The own kernels are three options away either way (--cuda-bias-grad tiled
 * --cuda-wgrad own --cuda-pool-bwd fused). They become the default
 * only when `bench/gpu-check.sh run` verifies them on a GPU -- parity with
 * the cpu backend, bit-identical results in two fresh processes, and faster
 * than the verified path -- which rewrites the two lines below (and asks for
 * a commit). The emulated kernel tests cannot do that: they run on the CPU. */
#ifndef HMLCOST_NN_CUDA_GRAD_DEFAULTS_H
#define HMLCOST_NN_CUDA_GRAD_DEFAULTS_H

#define CUDA_OWN_GRAD_KERNELS_DEFAULT 0
#define CUDA_OWN_GRAD_KERNELS_VERIFIED_ON ""

#endif
