#include "cli/measure_common.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "meter/carbon.h"

bool cli_meter_option(int code, const char *arg, meter_options *opts, hml_status *status,
                      hml_err *err)
{
    *status = HML_OK;
    switch (code) {
    case CLI_OPT_INTERVAL:
        *status = cli_parse_double("interval", arg, 0.001, 3600, &opts->interval_s, err);
        return true;
    case CLI_OPT_CPU_TDP:
        *status = cli_parse_double("cpu-tdp", arg, 0.001, 100000, &opts->cpu_tdp_w, err);
        return true;
    case CLI_OPT_PUE:
        *status = cli_parse_double("pue", arg, 1, 10, &opts->pue, err);
        return true;
    case CLI_OPT_GRID_INTENSITY:
    {
        double g_per_kwh;
        *status = cli_parse_double("grid-intensity", arg, 0, 5000, &g_per_kwh, err);
        if (*status == HML_OK)
            meter_options_set_grid_intensity(opts, g_per_kwh);
        return true;
    }
    case CLI_OPT_COUNTRY:
        *status = carbon_country_intensity(arg, &opts->grid_g_per_kwh, opts->grid_source,
                                           sizeof opts->grid_source, err);
        return true;
    case CLI_OPT_NO_RAPL:
        opts->use_rapl = false;
        return true;
    case CLI_OPT_NO_NVML:
        opts->use_nvml = false;
        return true;
    case CLI_OPT_ACCOUNTING:
        if (meter_accounting_parse(arg, &opts->accounting) != 0)
            *status = hml_fail(err, HML_EUSAGE,
                               "--accounting: '%s' is not one of auto, cgroup-v2, cgroup-v1, "
                               "procfs",
                               arg);
        return true;
    default:
        return false;
    }
}

int cli_option_error(const char *command, int code, char **argv, int optind_now,
                     const struct option *longopts)
{
    const char *arg = optind_now > 0 ? argv[optind_now - 1] : "?";
    if (code == ':')
        return cli_usage_error("%s: option '%s' needs a value", command, arg);
    (void)longopts;
    return cli_usage_error("%s: unknown option '%s' (see 'hmlcost %s --help')", command, arg,
                           command);
}
