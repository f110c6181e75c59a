/* BLAS check: an OpenBLAS built with DYNAMIC_ARCH picks its kernels from
 * the CPU it recognises; on a CPU it does not know (Debian's 0.3.21 on
 * recent Xeons) it falls back to Prescott's SSE3 kernels, several times
 * slower than the AVX-512 ones the CPU supports. We load the library in a
 * child process (it starts threads and may crash on a bad
 * OPENBLAS_CORETYPE), ask it which core it picked, time a small SGEMM, and
 * verify the fix by loading it again with OPENBLAS_CORETYPE set. */
#include <dlfcn.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>


#include "doctor/doctor.h"
#include "doctor/ldcache.h"
#include "doctor/text.h"
#include "meter/clock.h"

/* Instruction-set levels of OpenBLAS's x86 kernels. */
enum { ISA_UNKNOWN = 0, ISA_SSE = 1, ISA_AVX = 2, ISA_AVX2 = 3, ISA_AVX512 = 4 };
static const char *const isa_names[] = {"unknown", "SSE2/SSE3", "AVX", "AVX2+FMA", "AVX-512"};

static const struct {
    const char *core;
    int isa;
} core_isa[] = {
    {"Prescott", ISA_SSE},        {"Core2", ISA_SSE},       {"Penryn", ISA_SSE},
    {"Dunnington", ISA_SSE},      {"Nehalem", ISA_SSE},     {"Atom", ISA_SSE},
    {"Opteron", ISA_SSE},         {"Opteron_SSE3", ISA_SSE}, {"Barcelona", ISA_SSE},
    {"Bobcat", ISA_SSE},          {"Katmai", ISA_SSE},      {"Coppermine", ISA_SSE},
    {"Northwood", ISA_SSE},       {"Banias", ISA_SSE},      {"Athlon", ISA_SSE},
    {"Sandybridge", ISA_AVX},     {"Bulldozer", ISA_AVX},   {"Piledriver", ISA_AVX},
    {"Steamroller", ISA_AVX},     {"Excavator", ISA_AVX},   {"Haswell", ISA_AVX2},
    {"Zen", ISA_AVX2},            {"SkylakeX", ISA_AVX512}, {"Cooperlake", ISA_AVX512},
    {"SapphireRapids", ISA_AVX512},
};

static int isa_of_core(const char *core)
{
    for (size_t i = 0; i < sizeof core_isa / sizeof core_isa[0]; i++)
        if (strcasecmp(core_isa[i].core, core) == 0)
            return core_isa[i].isa;
    return ISA_UNKNOWN;
}

/* ---- the CPU ------------------------------------------------------------ */

typedef struct cpu_caps {
    int isa;
    bool amd, bf16;
    char vendor[13];
    unsigned family, model;
    char flags[96]; /* the features that set isa, for evidence */
} cpu_caps;

/* The CPU's level from the host's instruction-set flags (the host module
 * read them with CPUID, which also checks that the OS saves the registers). */
static void cpu_from_host(const host_info *h, cpu_caps *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->vendor, sizeof c->vendor, "%.12s", h->cpu_vendor);
    c->family = h->cpu_family;
    c->model = h->cpu_model_id;
    c->amd = strcmp(c->vendor, "AuthenticAMD") == 0 || strcmp(c->vendor, "HygonGenuine") == 0;
    if (host_has_flag(h, "avx512f") && host_has_flag(h, "avx512bw") &&
        host_has_flag(h, "avx512vl") && host_has_flag(h, "avx512dq") &&
        host_has_flag(h, "avx512cd")) {
        c->isa = ISA_AVX512;
        snprintf(c->flags, sizeof c->flags, "avx512f, avx512bw, avx512vl, avx512dq, avx512cd");
        c->bf16 = host_has_flag(h, "avx512bf16");
    } else if (host_has_flag(h, "avx2") && host_has_flag(h, "fma")) {
        c->isa = ISA_AVX2;
        snprintf(c->flags, sizeof c->flags, "avx2, fma");
    } else if (host_has_flag(h, "avx")) {
        c->isa = ISA_AVX;
        snprintf(c->flags, sizeof c->flags, "avx");
    } else if (host_has_flag(h, "sse2")) {
        c->isa = ISA_SSE;
        snprintf(c->flags, sizeof c->flags, "sse2");
    }
}

/* OPENBLAS_CORETYPE values for the CPU's level, best first. */
static size_t suggested_cores(const cpu_caps *c, const char **out)
{
    size_t n = 0;
    switch (c->isa) {
    case ISA_AVX512:
        if (c->bf16)
            out[n++] = "Cooperlake";
        out[n++] = "SkylakeX";
        out[n++] = "Haswell";
        break;
    case ISA_AVX2:
        if (c->amd)
            out[n++] = "Zen";
        out[n++] = "Haswell";
        break;
    case ISA_AVX:
        out[n++] = "Sandybridge";
        break;
    default:
        break;
    }
    return n;
}

/* ---- the probe (child process) ------------------------------------------ */

typedef struct blas_probe {
    bool ran;          /* the child answered */
    bool is_openblas;
    int signal;        /* the child died of this signal */
    char core[64];
    char config[256];
    char file[PATH_MAX];
    double gflops;     /* single-thread SGEMM 256x256x256 */
} blas_probe;

typedef void (*sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc);

static void sanitize(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n')
            *s = ' ';
}

/* In the child: load path with OPENBLAS_CORETYPE = coretype (NULL: unset)
 * and write one line "core\tconfig\tfile\tgflops\n" (or "-\n") to fd. */
static void __attribute__((noreturn)) probe_child(const char *path, const char *coretype, int fd)
{
    alarm(20);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("OMP_NUM_THREADS", "1", 1);
    if (coretype)
        setenv("OPENBLAS_CORETYPE", coretype, 1);
    else
        unsetenv("OPENBLAS_CORETYPE");
    unsetenv("OPENBLAS_VERBOSE");
    char line[PATH_MAX + 512];
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    char *(*corename)(void) = lib ? (char *(*)(void))dlsym(lib, "openblas_get_corename") : NULL;
    char *(*config)(void) = lib ? (char *(*)(void))dlsym(lib, "openblas_get_config") : NULL;
    sgemm_fn sgemm = lib ? (sgemm_fn)dlsym(lib, "cblas_sgemm") : NULL;
    if (!corename) {
        int n = snprintf(line, sizeof line, "-\n");
        if (write(fd, line, (size_t)n) < 0)
            _exit(1);
        _exit(0);
    }
    char core[64], conf[256], file[PATH_MAX] = "";
    snprintf(core, sizeof core, "%s", corename());
    snprintf(conf, sizeof conf, "%s", config ? config() : "");
    Dl_info info;
    if (dladdr((void *)corename, &info) && info.dli_fname && !realpath(info.dli_fname, file))
        snprintf(file, sizeof file, "%s", info.dli_fname);
    sanitize(core);
    sanitize(conf);
    sanitize(file);
    double gflops = 0;
    enum { N = 256 };
    float *a = sgemm ? malloc(3 * sizeof(float) * N * N) : NULL;
    if (a) {
        float *b = a + N * N, *c = b + N * N;
        for (int i = 0; i < N * N; i++) {
            a[i] = (float)(i % 7) * 0.25f;
            b[i] = (float)(i % 5) * 0.5f;
        }
        sgemm(101, 111, 111, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N); /* warm-up */
        int reps = 0;
        double start = clock_monotonic_s(), elapsed = 0;
        while (reps < 64 && elapsed < 0.05) {
            sgemm(101, 111, 111, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
            reps++;
            elapsed = clock_monotonic_s() - start;
        }
        gflops = elapsed > 0 ? 2.0 * N * N * N * reps / elapsed / 1e9 : 0;
        free(a);
    }
    int n = snprintf(line, sizeof line, "%s\t%s\t%s\t%.1f\n", core, conf, file, gflops);
    if (write(fd, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1)) < 0)
        _exit(1);
    _exit(0);
}

static void run_probe(const char *path, const char *coretype, blas_probe *out)
{
    memset(out, 0, sizeof *out);
    int fds[2];
    if (pipe(fds) != 0)
        return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        probe_child(path, coretype, fds[1]);
    }
    close(fds[1]);
    char buf[PATH_MAX + 512];
    size_t len = 0;
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    double deadline = clock_monotonic_s() + 25;
    while (len < sizeof buf - 1 && clock_monotonic_s() < deadline) {
        int ready = poll(&p, 1, 1000);
        if (ready < 0)
            break;
        if (ready == 0)
            continue;
        ssize_t n = read(fds[0], buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(fds[0]);
    int status = 0;
    if (clock_monotonic_s() >= deadline)
        kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        out->signal = WTERMSIG(status);
        return;
    }
    if (!strchr(buf, '\n'))
        return;
    out->ran = true;
    if (strcmp(buf, "-\n") == 0)
        return;
    char *fields[4] = {buf, NULL, NULL, NULL};
    for (int i = 1; i < 4; i++) {
        char *tab = fields[i - 1] ? strchr(fields[i - 1], '\t') : NULL;
        if (tab) {
            *tab = '\0';
            fields[i] = tab + 1;
        }
    }
    if (!fields[3])
        return;
    fields[3][strcspn(fields[3], "\n")] = '\0';
    out->is_openblas = true;
    snprintf(out->core, sizeof out->core, "%.*s", (int)sizeof out->core - 1, fields[0]);
    snprintf(out->config, sizeof out->config, "%.*s", (int)sizeof out->config - 1, fields[1]);
    snprintf(out->file, sizeof out->file, "%.*s", (int)sizeof out->file - 1, fields[2]);
    out->gflops = atof(fields[3]);
}

/* ---- the check ---------------------------------------------------------- */

static hml_status check_one(const doctor_context *ctx, const char *name, const char *path,
                            const blas_probe *as_set, const cpu_caps *cpu, doctor_report *report,
                            hml_err *err)
{
    const char *coretype = doctor_getenv(ctx, "OPENBLAS_CORETYPE");
    dtext ev = {0}, fix = {0};
    hml_status st = HML_OK;
    text_printf(&ev, "%s -> %s", name, as_set->file[0] ? as_set->file : path);
    if (as_set->config[0])
        text_printf(&ev, " (%s)", as_set->config);

    int isa = isa_of_core(as_set->core);
    if (coretype && strcasecmp(coretype, as_set->core) != 0) {
        text_printf(&ev, ": OPENBLAS_CORETYPE='%s' names no core this OpenBLAS has; it runs %s "
                         "kernels instead", coretype, as_set->core);
        text_printf(&fix, "unset OPENBLAS_CORETYPE or set it to a core OpenBLAS knows (e.g. "
                          "SkylakeX, Haswell, Sandybridge)");
        st = doctor_report_add_text(report, DOCTOR_WARNING, "blas.coretype-ignored",
                                    "OPENBLAS_CORETYPE is not a core OpenBLAS knows", &ev, &fix,
                                    err);
    } else if (isa != ISA_UNKNOWN && cpu->isa != ISA_UNKNOWN && isa < cpu->isa) {
        /* Find the best core this library accepts, and measure it. */
        const char *candidates[4];
        size_t n = suggested_cores(cpu, candidates);
        blas_probe better = {0};
        const char *chosen = NULL;
        for (size_t i = 0; i < n && !chosen; i++) {
            if (isa_of_core(candidates[i]) <= isa)
                break;
            run_probe(path, candidates[i], &better);
            if (better.is_openblas && strcasecmp(better.core, candidates[i]) == 0)
                chosen = candidates[i];
        }
        text_printf(&ev, " runs %s kernels (%s); this CPU (%s family %u model %u) supports %s "
                         "(%s); OPENBLAS_CORETYPE is %s%s%s",
                    as_set->core, isa_names[isa], cpu->vendor, cpu->family, cpu->model,
                    isa_names[cpu->isa], cpu->flags, coretype ? "set to '" : "unset",
                    coretype ? coretype : "", coretype ? "'" : "");
        if (chosen && as_set->gflops > 0 && better.gflops > 0)
            text_printf(&ev, ". Single-thread SGEMM 256x256x256: %.1f GFLOP/s with %s, %.1f "
                             "GFLOP/s with OPENBLAS_CORETYPE=%s (%.1fx)",
                        as_set->gflops, as_set->core, better.gflops, chosen,
                        better.gflops / as_set->gflops);
        text_printf(&ev, ". Every program that loads this library (numpy, PyTorch, R, ...) "
                         "pays for it");
        if (chosen)
            text_printf(&fix, "export OPENBLAS_CORETYPE=%s (checked: this OpenBLAS then runs "
                              "%s kernels), or install an OpenBLAS release that recognises "
                              "this CPU", chosen, chosen);
        else
            text_printf(&fix, "install an OpenBLAS release that recognises this CPU; this one "
                              "accepts no OPENBLAS_CORETYPE for %s", isa_names[cpu->isa]);
        char summary[192];
        snprintf(summary, sizeof summary, "OpenBLAS runs %s (%s) kernels on a CPU with %s",
                 as_set->core, isa_names[isa], isa_names[cpu->isa]);
        st = doctor_report_add_text(report, DOCTOR_WARNING, "blas.coretype", summary, &ev, &fix,
                                    err);
    }
    text_free(&ev);
    text_free(&fix);
    return st;
}

hml_status doctor_check_blas(const doctor_context *ctx, doctor_report *report, hml_err *err)
{
    if (!ctx->blas_names)
        return HML_OK;
    cpu_caps cpu;
    cpu_from_host(&ctx->host, &cpu);
    ldcache cache = {0};
    if (ldcache_load(ctx->ld_cache, &cache, err) != HML_OK)
        hml_err_clear(err);
    char seen[4][PATH_MAX];
    size_t n_seen = 0;
    hml_status st = HML_OK;
    for (size_t i = 0; st == HML_OK && ctx->blas_names[i]; i++) {
        char buf[PATH_MAX];
        const char *path = ldcache_resolve_with_path(doctor_getenv(ctx, "LD_LIBRARY_PATH"),
                                                     &cache, ctx->system_dirs,
                                                     ctx->blas_names[i], buf, sizeof buf);
        if (!path)
            continue;
        blas_probe probe;
        run_probe(path, doctor_getenv(ctx, "OPENBLAS_CORETYPE"), &probe);
        if (probe.signal) {
            dtext ev = {0};
            const char *coretype = doctor_getenv(ctx, "OPENBLAS_CORETYPE");
            text_printf(&ev, "loading %s (%s) with OPENBLAS_CORETYPE=%s killed the process with "
                             "signal %d (%s): the kernels need instructions this CPU lacks "
                             "(it supports %s)", ctx->blas_names[i], path,
                        coretype ? coretype : "(unset)", probe.signal, strsignal(probe.signal),
                        isa_names[cpu.isa]);
            st = doctor_report_add(report, DOCTOR_ERROR, "blas.crash",
                                   "OpenBLAS crashes in this environment", text_str(&ev),
                                   "unset OPENBLAS_CORETYPE or set it to a core this CPU "
                                   "supports", err);
            text_free(&ev);
            continue;
        }
        if (!probe.is_openblas)
            continue;
        bool dup = false;
        for (size_t j = 0; j < n_seen; j++)
            dup = dup || strcmp(seen[j], probe.file) == 0;
        if (dup)
            continue;
        if (n_seen < 4)
            snprintf(seen[n_seen++], PATH_MAX, "%s", probe.file);
        st = check_one(ctx, ctx->blas_names[i], path, &probe, &cpu, report, err);
    }
    ldcache_free(&cache);
    return st;
}
