/* The host facts lint compares values with. The one place lint asks the
 * machine; tests fill lint_host by hand instead. */
#include <stdio.h>

#include "doctor/host.h"
#include "lint/lint.h"

hml_status lint_host_probe(lint_host *host, hml_err *err)
{
    doctor_host h = {0};
    if (doctor_host_probe(&h, err) != HML_OK)
        return hml_wrap(err, "lint: reading this host");
    *host = (lint_host){.cpus = doctor_host_cpus(&h), .max_batch = LINT_DEFAULT_MAX_BATCH};
    if (host->cpus < 1)
        host->cpus = 1;
    doctor_host_describe_cpus(&h, host->cpus_source, sizeof host->cpus_source);
    snprintf(host->max_batch_source, sizeof host->max_batch_source,
             "an assumption: 8x the study's reference batch of 64; set --max-batch from "
             "hmlcost doctor --probe");
    return HML_OK;
}
