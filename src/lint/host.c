/* The host facts lint compares values with, from the one host module
 * (this machine, or the one $HMLCOST_HOST_FILE describes). Tests fill
 * lint_host by hand instead. */
#include <stdio.h>

#include "common/host.h"
#include "lint/lint.h"

hml_status lint_host_probe(lint_host *host, hml_err *err)
{
    host_info h;
    if (host_read(&h, NULL, err) != HML_OK)
        return hml_wrap(err, "lint: reading the host");
    *host = (lint_host){.cpus = host_usable_cpus(&h), .max_batch = LINT_DEFAULT_MAX_BATCH};
    host_describe_cpus(&h, host->cpus_source, sizeof host->cpus_source);
    snprintf(host->max_batch_source, sizeof host->max_batch_source,
             "an assumption: 8x the study's reference batch of 64; set --max-batch from "
             "hmlcost doctor --probe");
    return HML_OK;
}

void lint_host_override(lint_host *host, long cpus, long max_batch)
{
    if (cpus) {
        host->cpus = cpus;
        snprintf(host->cpus_source, sizeof host->cpus_source, "--cpus %ld", cpus);
    }
    if (max_batch) {
        host->max_batch = max_batch;
        snprintf(host->max_batch_source, sizeof host->max_batch_source, "--max-batch %ld",
                 max_batch);
    }
}
