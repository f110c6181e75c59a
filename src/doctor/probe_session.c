#include "doctor/probe_session.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"
#include "doctor/probe_store.h"
#include "smells/catalogue.h"

static hml_status load_stored(const char *path, probe_result *probe, bool *have, char *source,
                              size_t source_size)
{
    hml_err err = {0};
    if (probe_store_load(path, probe, have, &err) != HML_OK) {
        /* a stored probe is a cache: one that cannot be read is only a note */
        probe_result_free(probe);
        *have = false;
        text_format(source, source_size, "ignoring the stored probe: %s", err.msg);
        return HML_OK;
    }
    if (*have)
        text_format(source, source_size, "stored probe: %s (hmlcost doctor --probe measures "
                    "again)", path);
    return HML_OK;
}

hml_status doctor_probe_obtain(const doctor_context *ctx, char *const *train_args,
                               size_t train_argc, const probe_options *measure,
                               probe_result *probe, bool *have, char *source, size_t source_size,
                               hml_err *err)
{
    memset(probe, 0, sizeof *probe);
    *have = false;
    source[0] = '\0';
    char host[512], workload[1024], path[4096];
    probe_describe_host(&ctx->host, host, sizeof host);
    probe_describe_workload(ctx->workload.command, train_args, train_argc, workload,
                            sizeof workload);
    bool storable = probe_store_path(host, workload, path, sizeof path);
    if (!measure)
        return storable ? load_stored(path, probe, have, source, source_size) : HML_OK;

    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || (size_t)n >= sizeof exe - 1)
        return hml_fail(err, HML_ESYSTEM, "doctor: --probe: cannot find the hmlcost binary "
                        "(/proc/self/exe)");
    exe[n] = '\0';
    probe_options o = *measure;
    o.exe = exe;
    o.train_args = train_args;
    o.train_argc = train_argc;
    o.command = ctx->workload.command;
    /* a command's batch is unknown: the probe compares with the reference's */
    o.batch = ctx->workload.command ? SMELL_REFERENCE_BATCH : ctx->workload.batch;
    o.threads = doctor_workload_threads(ctx);
    o.cpus = host_usable_cpus(&ctx->host);
    text_copy(probe->workload, sizeof probe->workload, workload);
    text_copy(probe->host, sizeof probe->host, host);
    hml_status st = probe_plan(&o, probe, err);
    if (st == HML_OK)
        st = probe_run(&o, probe, err);
    if (st != HML_OK) {
        probe_result_free(probe);
        return st;
    }
    *have = true;
    hml_err store_err = {0};
    if (!storable)
        text_format(source, source_size, "measured now; not stored (neither XDG_CACHE_HOME nor "
                    "HOME is set)");
    else if (probe_store_save(path, probe, &store_err) != HML_OK)
        text_format(source, source_size, "measured now; not stored: %s", store_err.msg);
    else
        text_format(source, source_size, "measured now; stored in %s", path);
    return HML_OK;
}
