// A CPU emulation of the little of CUDA that src/nn/cuda/cuda_kernels.cu
// uses, so the test runs the real kernel source (not a copy) with g++:
// test_cuda_kernels_emu builds a copy of the .cu whose `k<<<g, b, s, st>>>(`
// launches read `EMU_LAUNCH(k, g, b, s, st)(` (emulate_kernels.cmake), and
// compiles it with `g++ -std=c++20 -include cuda_emu.h`.
//
// Execution model (cuda_emu.cpp): the blocks of a grid run one after
// another; the threads of a block are fibers (own stacks, switched on one OS
// thread), so __syncthreads() is a real barrier: a thread that reaches it
// waits until every thread of its block has; __shfl_xor_sync is a real
// exchange among the 32 lanes of a warp with its own barrier. Between
// barriers the threads run one at a time, in an order the test chooses
// (forward, reverse, shuffled: results that depend on it show a missing
// barrier), and so do the blocks. A barrier that cannot complete (a thread
// returned before it, or waits at another one) or that threads reach from
// different lines is reported as an emulation error, not a hang.
// __shared__ arrays are static (one block at a time uses them); outside
// AddressSanitizer builds they are filled with NaN bytes before each block,
// so a read of shared memory nobody wrote shows as NaN; under ASan they are
// ordinary globals with redzones, so an out-of-bounds index is reported.
#ifndef HMLCOST_TESTS_NN_CUDA_CUDA_EMU_H
#define HMLCOST_TESTS_NN_CUDA_CUDA_EMU_H

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __constant__
#if defined(__SANITIZE_ADDRESS__)
#define __shared__ static
#else
#define __shared__ static __attribute__((section("emu_shared")))
#endif

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

// The running thread's coordinates (set by the scheduler at each switch).
extern uint3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;

// The runtime API's types and the calls the kernels' file makes (the values
// are CUDA's own).
enum cudaError_t {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorLaunchFailure = 719,
};
typedef struct CUstream_st *cudaStream_t;
cudaError_t cudaGetLastError(void);

template <class T>
cudaError_t cudaMemcpyToSymbol(T &symbol, const void *src, size_t count, size_t offset = 0)
{
    if (offset > sizeof(T) || count > sizeof(T) - offset)
        return cudaErrorInvalidValue;
    std::memcpy(reinterpret_cast<unsigned char *>(&symbol) + offset, src, count);
    return cudaSuccess;
}

namespace emu {

// The order in which the scheduler runs the blocks of a grid and the
// threads of a block between two barriers.
enum class Order { forward, reverse, shuffled };
void set_order(Order order, unsigned seed);

// Runs body(ctx) as each thread of each block of the grid; a configuration
// CUDA refuses sets cudaGetLastError() and runs nothing.
void run_grid(const char *kernel, dim3 grid, dim3 block, size_t dynamic_smem,
              cudaStream_t stream, void (*body)(void *), void *ctx);

void sync_block(int line);
void exchange_in_warp(int line, unsigned mask, const void *mine, void *theirs, size_t size,
                      int lane_mask, int width);
unsigned long long globaltimer_ns(void);

// For the test: what ran, and what went wrong (empty: nothing).
struct LaunchRecord {
    std::string kernel;
    dim3 grid, block;
};
size_t launch_count(void);
LaunchRecord launch_at(size_t index);
std::string take_errors(void); // and clears them
// The bytes of all kernels' __shared__ arrays together (0 under ASan,
// where they are not in a section of their own).
size_t static_shared_bytes(void);

// k<<<grid, block, smem, stream>>>(args): each thread calls k with its own
// copy of the arguments converted to k's parameter types, as CUDA does.
template <class... P> struct Launcher {
    void (*kernel)(P...);
    const char *name;
    dim3 grid, block;
    size_t smem;
    cudaStream_t stream;

    template <class... A> void operator()(A &&...args) const
    {
        static_assert(sizeof...(A) == sizeof...(P), "kernel launched with a wrong argument count");
        const std::tuple<P...> params(std::forward<A>(args)...);
        auto body = [&]() { std::apply(kernel, params); };
        run_grid(name, grid, block, smem, stream,
                 [](void *c) { (*static_cast<decltype(body) *>(c))(); }, &body);
    }
};

template <class... P>
Launcher<P...> launch(void (*kernel)(P...), const char *name, dim3 grid, dim3 block,
                      size_t smem = 0, cudaStream_t stream = nullptr)
{
    return Launcher<P...>{kernel, name, grid, block, smem, stream};
}

} // namespace emu

#define EMU_LAUNCH(kernel, ...) ::emu::launch(kernel, #kernel, __VA_ARGS__)

#define __syncthreads() ::emu::sync_block(__LINE__)

template <class T> T emu_shfl_xor(int line, unsigned mask, T var, int lane_mask, int width = 32)
{
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "shuffle of a big type");
    T out;
    ::emu::exchange_in_warp(line, mask, &var, &out, sizeof(T), lane_mask, width);
    return out;
}
#define __shfl_xor_sync(...) emu_shfl_xor(__LINE__, __VA_ARGS__)

#endif
