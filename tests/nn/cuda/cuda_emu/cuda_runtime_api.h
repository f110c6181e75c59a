// Stands in for CUDA's header when test_cuda_kernels_emu compiles
// src/nn/cuda/cuda_kernels.h with g++: the emulation's types and calls
// (cuda_emu.h), so the test needs no CUDA installation.
#include "cuda_emu.h"
