// The scheduler behind cuda_emu.h: a grid's blocks one after another, a
// block's threads as fibers on this OS thread. A fiber runs until it reaches
// a barrier (__syncthreads: the whole block; __shfl_xor_sync: its warp) or
// returns; when the last thread a barrier waits for arrives, the barrier's
// threads are ready again and run, one at a time, in the chosen order.
// Fibers rather than an OS thread per CUDA thread: conv1's gradient kernel
// alone meets ~150 barriers per thread in each of 512 blocks of 256 threads,
// which OS threads on two cores would turn into tens of millions of context
// switches through the kernel; fibers also make the order between barriers
// the test's choice, and a barrier that can never complete a report.
#include "cuda_emu.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define EMU_ASAN 1
#else
#define EMU_ASAN 0
#endif

#if !defined(__x86_64__) || defined(CUDA_EMU_UCONTEXT)
#include <ucontext.h>
#endif

#if !EMU_ASAN
// The linker's bounds of the __shared__ arrays' section (cuda_emu.h).
extern "C" char __start_emu_shared[] __attribute__((weak));
extern "C" char __stop_emu_shared[] __attribute__((weak));
#endif

uint3 threadIdx, blockIdx;
dim3 blockDim, gridDim;

namespace {

cudaError_t last_error = cudaSuccess;

constexpr unsigned kMaxThreads = 1024;
constexpr size_t kStackBytes = 256 * 1024; // lazily committed; ASan's frames are large

struct Fiber;
void fiber_main(Fiber *f);

// ---- Context switching -------------------------------------------------
#if defined(__x86_64__) && !defined(CUDA_EMU_UCONTEXT)
// The System V callee-saved registers are pushed on the running stack, its
// pointer saved, the other's loaded (MXCSR and the x87 control word are
// left alone: nothing here changes them). A new
// fiber's stack is laid out as if it had been switched away from just
// before emu_fiber_entry, which calls rbx(r12) = fiber_main(fiber).
extern "C" void emu_switch_context(void **save_sp, void *next_sp);
extern "C" void emu_fiber_entry(void);
asm(".text\n"
    ".globl emu_switch_context\n"
    ".hidden emu_switch_context\n"
    ".type emu_switch_context,@function\n"
    "emu_switch_context:\n"
    "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
    "  movq %rsp, (%rdi)\n  movq %rsi, %rsp\n"
    "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
    "  ret\n"
    ".size emu_switch_context, .-emu_switch_context\n"
    ".globl emu_fiber_entry\n"
    ".hidden emu_fiber_entry\n"
    ".type emu_fiber_entry,@function\n"
    "emu_fiber_entry:\n"
    "  movq %r12, %rdi\n  callq *%rbx\n  ud2\n"
    ".size emu_fiber_entry, .-emu_fiber_entry\n");

struct Context {
    void *sp = nullptr;
};
void context_switch(Context &from, Context &to) { emu_switch_context(&from.sp, to.sp); }
void context_init(Context &c, char *stack, size_t size, Fiber *f)
{
    void **top = reinterpret_cast<void **>(stack + size); // 16-byte aligned (pages)
    top[-1] = reinterpret_cast<void *>(emu_fiber_entry);  // ret's target
    top[-2] = nullptr;                                     // rbp
    top[-3] = reinterpret_cast<void *>(fiber_main);       // rbx
    top[-4] = f;                                           // r12
    top[-5] = top[-6] = top[-7] = nullptr;                 // r13, r14, r15
    c.sp = &top[-7];
}
#else
// Elsewhere (or with -DCUDA_EMU_UCONTEXT) the portable ucontext: the same
// results, but each switch is a system call (the signal mask), so the test
// takes ~30 times as long (checked on x86-64: 105 s instead of 3.5).
struct Context {
    ucontext_t uc;
};
void context_switch(Context &from, Context &to) { swapcontext(&from.uc, &to.uc); }
void ucontext_entry(unsigned hi, unsigned lo) // makecontext passes ints
{
    fiber_main(reinterpret_cast<Fiber *>(((uintptr_t)hi << 32) | lo));
}
void context_init(Context &c, char *stack, size_t size, Fiber *f)
{
    getcontext(&c.uc);
    c.uc.uc_stack.ss_sp = stack;
    c.uc.uc_stack.ss_size = size;
    c.uc.uc_link = nullptr;
    const uintptr_t p = reinterpret_cast<uintptr_t>(f);
    makecontext(&c.uc, reinterpret_cast<void (*)()>(ucontext_entry), 2, (unsigned)(p >> 32),
                (unsigned)p);
}
#endif

// ---- The scheduler -------------------------------------------------------
// Its hot paths are not instrumented by the sanitizers: they are the
// test's tools, not what it checks, and run ~40,000 times per block.
#define EMU_HOT __attribute__((no_sanitize("address", "undefined")))

enum class State { ready, at_block_barrier, at_warp_barrier, done };

struct Fiber {
    Context context;
    char *stack = nullptr;
    uint3 tid{};
    unsigned linear = 0;
    State state = State::ready;
    int line = 0;               // the barrier it waits at
    void *fake_stack = nullptr; // ASan's, while switched away
};

struct Warp {
    unsigned size = 0, arrived = 0, phase = 0;
    int line = 0;
    unsigned char slot[2][32][8]; // double-buffered: one barrier per exchange
};

// A pass runs each ready thread once, until it blocks or returns; a thread
// that blocks switches straight to the next one of the pass (the last one
// back to run_block, which makes the next pass of the threads released).
struct Scheduler {
    Context main;
    std::vector<Fiber> fibers;
    std::vector<Warp> warps;
    unsigned threads = 0;
    Fiber *current = nullptr;
    void (*body)(void *) = nullptr;
    void *ctx = nullptr;
    unsigned block_arrived = 0;
    int block_line = 0;
    Fiber *fiber = nullptr;     // fibers.data() (the hot paths use no std:: calls:
    Warp *warp = nullptr;       // warps.data()   those are instrumented)
    unsigned pass[kMaxThreads]; // this pass's threads, in order
    unsigned pass_size = 0, next = 0; // how many; the next of them to run
    emu::Order order = emu::Order::forward;
    uint64_t rng = 1;
    const char *kernel = "";
    std::vector<emu::LaunchRecord> log;
    std::string errors;
    unsigned error_count = 0;
    void *main_fake_stack = nullptr;
    const void *main_stack_bottom = nullptr;
    size_t main_stack_size = 0;
    bool from_main = false; // the switch under way left run_block
    const void *left_bottom = nullptr; // ASan: the stack a new fiber was started from
    size_t left_size = 0;
};
Scheduler S;

EMU_HOT unsigned random_below(unsigned bound) // xorshift64*: cheap, seeded by set_order
{
    S.rng ^= S.rng >> 12;
    S.rng ^= S.rng << 25;
    S.rng ^= S.rng >> 27;
    return (unsigned)(((S.rng * 0x2545F4914F6CDD1Dull) >> 32) % bound);
}

void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report(const char *fmt, ...)
{
    if (++S.error_count > 20)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char where[160];
    std::snprintf(where, sizeof where, "%s, block (%u,%u,%u), thread (%u,%u,%u): ", S.kernel,
                  blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
    S.errors += where;
    S.errors += text;
    S.errors += '\n';
}

char *stack_alloc(void)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *base = mmap(nullptr, kStackBytes + page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        std::perror("cuda_emu: mmap of a fiber stack");
        std::abort();
    }
    mprotect(base, page, PROT_NONE); // an overflow faults instead of corrupting
    return static_cast<char *>(base) + page;
}

// From the running fiber `from` (nullptr: run_block) to the pass's next
// thread, or back to run_block when the pass is over. When `finished`,
// from's stack is left for good (ASan drops its fake stack).
EMU_HOT void switch_away(Fiber *from, bool finished)
{
    Fiber *to = S.next < S.pass_size ? &S.fiber[S.pass[S.next++]] : nullptr;
    Context &here = from ? from->context : S.main;
    void **fake = !from ? &S.main_fake_stack : finished ? nullptr : &from->fake_stack;
    S.from_main = !from;
    if (to) {
        S.current = to;
        threadIdx = to->tid;
    }
#if EMU_ASAN
    if (to)
        __sanitizer_start_switch_fiber(fake, to->stack, kStackBytes);
    else
        __sanitizer_start_switch_fiber(fake, S.main_stack_bottom, S.main_stack_size);
#else
    (void)fake;
#endif
    context_switch(here, to ? to->context : S.main);
    // Resumed (never, when finished).
#if EMU_ASAN
    __sanitizer_finish_switch_fiber(from ? from->fake_stack : S.main_fake_stack, nullptr, nullptr);
#endif
}

void fiber_main(Fiber *f)
{
#if EMU_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &S.left_bottom, &S.left_size);
    if (S.from_main) { // the stack run_block runs on
        S.main_stack_bottom = S.left_bottom;
        S.main_stack_size = S.left_size;
    }
#endif
    S.body(S.ctx);
    f->state = State::done;
    switch_away(f, true);
    std::abort(); // a finished fiber is never resumed
}

// The next pass: the threads a barrier released, in the chosen order.
EMU_HOT void make_pass(void)
{
    unsigned n = 0;
    S.next = 0;
    if (S.order == emu::Order::reverse) {
        for (unsigned i = S.threads; i-- > 0;)
            if (S.fiber[i].state == State::ready)
                S.pass[n++] = i;
        S.pass_size = n;
        return;
    }
    for (unsigned i = 0; i < S.threads; i++)
        if (S.fiber[i].state == State::ready)
            S.pass[n++] = i;
    if (S.order == emu::Order::shuffled)
        for (unsigned i = n; i > 1; i--) {
            const unsigned j = random_below(i), t = S.pass[i - 1];
            S.pass[i - 1] = S.pass[j];
            S.pass[j] = t;
        }
    S.pass_size = n;
}

const char *state_name(State s)
{
    switch (s) {
    case State::ready:
        return "ready";
    case State::at_block_barrier:
        return "__syncthreads";
    case State::at_warp_barrier:
        return "__shfl_xor_sync";
    case State::done:
        return "returned";
    }
    return "?";
}

void run_block(void)
{
    for (unsigned i = 0; i < S.threads; i++) {
        Fiber &f = S.fibers[i];
        if (!f.stack)
            f.stack = stack_alloc();
        f.linear = i;
        f.tid = {i % blockDim.x, i / blockDim.x % blockDim.y, i / (blockDim.x * blockDim.y)};
        f.state = State::ready;
        f.fake_stack = nullptr;
#if EMU_ASAN
        // The frames a finished fiber left (fiber_main's, switch_away's)
        // stay poisoned: the new one's starts where they were.
        ASAN_UNPOISON_MEMORY_REGION(f.stack + kStackBytes - 4096, 4096);
#endif
        context_init(f.context, f.stack, kStackBytes, &f);
    }
    for (unsigned w = 0; w < (S.threads + 31) / 32; w++) {
        S.warps[w].size = std::min(32u, S.threads - (unsigned)w * 32);
        S.warps[w].arrived = 0;
        S.warps[w].phase = 0;
    }
    S.block_arrived = 0;
    for (make_pass(); S.pass_size > 0; make_pass())
        switch_away(nullptr, false);
    // Every thread returned, or some wait at a barrier that cannot complete.
    unsigned counts[4] = {0, 0, 0, 0};
    const Fiber *waiting = nullptr;
    for (unsigned i = 0; i < S.threads; i++) {
        const Fiber &f = S.fibers[i];
        counts[(int)f.state]++;
        if (f.state != State::done && !waiting)
            waiting = &f;
    }
    if (waiting) {
        threadIdx = waiting->tid;
        report("deadlock: %u threads wait at %s (line %d), %u at __syncthreads, %u at "
               "__shfl_xor_sync, %u returned (a barrier that not all threads reach is undefined "
               "behaviour in CUDA)",
               counts[0] + counts[1] + counts[2], state_name(waiting->state), waiting->line,
               counts[1], counts[2], counts[3]);
#if EMU_ASAN
        for (unsigned i = 0; i < S.threads; i++)
            if (S.fibers[i].state != State::done)
                ASAN_UNPOISON_MEMORY_REGION(S.fibers[i].stack, kStackBytes);
#endif
    }
}

// memcpy of a constant size is a load and a store, not a call.
EMU_HOT void copy_small(void *to, const void *from, size_t size)
{
    if (size == 4)
        std::memcpy(to, from, 4);
    else if (size == 8)
        std::memcpy(to, from, 8);
    else
        std::memcpy(to, from, size);
}

void poison_shared_memory(void)
{
#if !EMU_ASAN
    const uintptr_t start = reinterpret_cast<uintptr_t>(__start_emu_shared),
                    stop = reinterpret_cast<uintptr_t>(__stop_emu_shared);
    if (start && stop > start)
        std::memset(__start_emu_shared, 0xff, stop - start); // NaN floats, -1 ints
#endif
}

} // namespace

cudaError_t cudaGetLastError(void)
{
    const cudaError_t e = last_error;
    last_error = cudaSuccess;
    return e;
}

namespace emu {

void set_order(Order order, unsigned seed)
{
    S.order = order;
    S.rng = 0x9E3779B97F4A7C15ull ^ seed;
}

void run_grid(const char *kernel, dim3 grid, dim3 block, size_t dynamic_smem,
              cudaStream_t stream, void (*body)(void *), void *ctx)
{
    (void)stream; // one stream, synchronous: launches run in call order
    const unsigned long long threads = (unsigned long long)block.x * block.y * block.z;
    // CUDA's limits (compute capability 9.0): a launch beyond them is refused.
    if (block.x < 1 || block.y < 1 || block.z < 1 || block.x > 1024 || block.y > 1024 ||
        block.z > 64 || threads > kMaxThreads || grid.x < 1 || grid.y < 1 || grid.z < 1 ||
        grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535 || dynamic_smem > 0) {
        // (dynamic shared memory is not emulated: no kernel here uses it)
        last_error = cudaErrorInvalidConfiguration;
        return;
    }
    S.log.push_back({kernel, grid, block});
    if (S.fibers.empty()) {
        S.fibers.resize(kMaxThreads); // never reallocated: fibers point into it
        S.warps.resize(kMaxThreads / 32);
        S.fiber = S.fibers.data();
        S.warp = S.warps.data();
    }
    S.kernel = kernel;
    S.body = body;
    S.ctx = ctx;
    S.threads = (unsigned)threads;
    blockDim = block;
    gridDim = grid;
    const unsigned long long blocks = (unsigned long long)grid.x * grid.y * grid.z;
    std::vector<unsigned long long> order;
    if (S.order == Order::shuffled) {
        order.resize(blocks);
        for (unsigned long long b = 0; b < blocks; b++)
            order[b] = b;
        for (unsigned long long i = blocks; i > 1; i--)
            std::swap(order[i - 1], order[random_below((unsigned)i)]);
    }
    for (unsigned long long k = 0; k < blocks; k++) {
        const unsigned long long b = S.order == Order::forward   ? k
                                     : S.order == Order::reverse ? blocks - 1 - k
                                                                 : order[k];
        blockIdx = {(unsigned)(b % grid.x), (unsigned)(b / grid.x % grid.y),
                    (unsigned)(b / ((unsigned long long)grid.x * grid.y))};
        poison_shared_memory();
        run_block();
    }
    S.current = nullptr;
    threadIdx = {0, 0, 0};
}

EMU_HOT void sync_block(int line)
{
    Fiber *f = S.current;
    if (!f) {
        std::fprintf(stderr, "cuda_emu: __syncthreads outside a kernel (line %d)\n", line);
        std::abort();
    }
    if (S.block_arrived == 0)
        S.block_line = line;
    else if (line != S.block_line)
        report("__syncthreads at line %d while others wait at line %d (undefined behaviour)", line,
               S.block_line);
    f->state = State::at_block_barrier;
    f->line = line;
    if (++S.block_arrived == S.threads) {
        S.block_arrived = 0;
        for (unsigned i = 0; i < S.threads; i++)
            if (S.fiber[i].state == State::at_block_barrier)
                S.fiber[i].state = State::ready;
    }
    switch_away(f, false);
}

EMU_HOT void exchange_in_warp(int line, unsigned mask, const void *mine, void *theirs, size_t size,
                      int lane_mask, int width)
{
    Fiber *f = S.current;
    if (!f) {
        std::fprintf(stderr, "cuda_emu: __shfl_xor_sync outside a kernel (line %d)\n", line);
        std::abort();
    }
    const unsigned w = f->linear / 32, lane = f->linear % 32;
    Warp &warp = S.warp[w];
    if (mask != 0xffffffffu || width != 32 || lane_mask < 0 || lane_mask > 31)
        report("__shfl_xor_sync(mask %#x, lane mask %d, width %d) at line %d: only full warps "
               "are emulated",
               mask, lane_mask, width, line);
    if (warp.size != 32)
        report("__shfl_xor_sync with a full mask at line %d in a warp of %u threads (undefined "
               "behaviour)",
               line, warp.size);
    const unsigned buffer = warp.phase & 1;
    copy_small(warp.slot[buffer][lane], mine, size);
    if (warp.arrived == 0)
        warp.line = line;
    else if (line != warp.line)
        report("__shfl_xor_sync at line %d while its warp's other lanes are at line %d", line,
               warp.line);
    f->state = State::at_warp_barrier;
    f->line = line;
    if (++warp.arrived == warp.size) {
        warp.arrived = 0;
        warp.phase++;
        for (unsigned i = w * 32; i < w * 32 + warp.size; i++)
            if (S.fiber[i].state == State::at_warp_barrier)
                S.fiber[i].state = State::ready;
    }
    switch_away(f, false);
    copy_small(theirs, warp.slot[buffer][(lane ^ (unsigned)lane_mask) & 31u], size);
}

unsigned long long globaltimer_ns(void)
{
    return (unsigned long long)std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

size_t static_shared_bytes(void)
{
#if EMU_ASAN
    return 0;
#else
    const uintptr_t start = reinterpret_cast<uintptr_t>(__start_emu_shared),
                    stop = reinterpret_cast<uintptr_t>(__stop_emu_shared);
    return start && stop > start ? stop - start : 0;
#endif
}

size_t launch_count(void) { return S.log.size(); }
LaunchRecord launch_at(size_t index) { return S.log.at(index); }

std::string take_errors(void)
{
    std::string e;
    e.swap(S.errors);
    if (S.error_count > 20) {
        char more[48];
        std::snprintf(more, sizeof more, "(%u more)\n", S.error_count - 20);
        e.append(more);
    }
    S.error_count = 0;
    return e;
}

} // namespace emu
