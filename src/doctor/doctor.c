#include "doctor/doctor.h"

#include <string.h>

#include "common/thread_count.h"
#include "meter/host.h"
#include "smells/catalogue.h"
#include "smells/train_args.h"

/* glibc's default search directories on Debian's multiarch layout, after
 * the cache (elf/dl-load.c SYSTEM_DIRS). */
const char *const doctor_default_system_dirs[] = {
#if defined(__x86_64__)
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
#elif defined(__aarch64__)
    "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
#endif
    "/lib64", "/usr/lib64", "/lib", "/usr/lib", NULL,
};

/* Names under which programs load a BLAS: OpenBLAS itself, and the
 * reference BLAS name that Debian's alternatives may point at OpenBLAS. */
const char *const doctor_default_blas_names[] = {"libopenblas.so.0", "libblas.so.3", NULL};

const char *doctor_getenv(const doctor_context *ctx, const char *name)
{
    size_t len = strlen(name);
    for (char *const *e = ctx->env; e && *e; e++)
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

long doctor_workload_threads(const doctor_context *ctx)
{
    if (ctx->workload.threads > 0)
        return ctx->workload.threads;
    long levels[THREAD_COUNT_MAX_LEVELS];
    if (thread_count_parse(doctor_getenv(ctx, "OMP_NUM_THREADS"), true, false, levels) > 0)
        return levels[0];
    return host_default_threads(&ctx->host);
}

hml_status doctor_workload_from_train_args(char *const *argv, size_t argc, doctor_workload *wl,
                                           hml_err *err)
{
    memset(wl, 0, sizeof *wl);
    hml_status st = train_args_long(argv, argc, "--threads", 1, 1 << 20, 0, &wl->threads, err);
    if (st == HML_OK)
        st = train_args_long(argv, argc, "--batch", 1, 1 << 20, SMELL_REFERENCE_BATCH,
                             &wl->batch, err);
    if (st == HML_OK)
        st = train_args_long(argv, argc, "--model-builds", 1, 1 << 20, 1, &wl->model_builds,
                             err);
    if (st == HML_OK)
        st = train_args_value(argv, argc, "--device", &wl->device, err);
    if (st != HML_OK)
        return hml_wrap(err, "train arguments");
    wl->keep_stale_models = train_args_has_flag(argv, argc, "--keep-stale-models");
    if (!wl->device)
        wl->device = "cpu";
    return HML_OK;
}

hml_status doctor_context_of_process(doctor_context *ctx, char *const *env, const char *command,
                                     char *const *train_args, size_t train_argc, hml_err *err)
{
    *ctx = (doctor_context){
        .env = env,
        .ld_cache = "/etc/ld.so.cache",
        .system_dirs = doctor_default_system_dirs,
        .blas_names = doctor_default_blas_names,
    };
    if (command) {
        ctx->workload.command = command;
    } else if (doctor_workload_from_train_args(train_args, train_argc, &ctx->workload, err) !=
               HML_OK) {
        hml_wrap(err, "doctor");
        err->status = HML_EUSAGE;
        return HML_EUSAGE;
    }
    return meter_host_facts(&ctx->host, err);
}

hml_status doctor_check_all(const doctor_context *ctx, doctor_report *report, hml_err *err)
{
    hml_status (*const checks[])(const doctor_context *, doctor_report *, hml_err *) = {
        doctor_check_libpath, doctor_check_threads, doctor_check_batch,
        doctor_check_reuse,   doctor_check_blas,
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        hml_status st = checks[i](ctx, report, err);
        if (st != HML_OK)
            return st;
    }
    return HML_OK;
}
