/* What `hmlcost measure` and `hmlcost run` share: the energy/carbon options
 * and reporting getopt_long's complaints. The figures are shown by
 * report/measurement.h. */
#ifndef HMLCOST_CLI_MEASURE_COMMON_H
#define HMLCOST_CLI_MEASURE_COMMON_H

#include <getopt.h>
#include <stdbool.h>

#include "common/error.h"
#include "meter/meter.h"
#include "meter/metric.h"

/* getopt_long codes of the shared options (above any short option). */
enum {
    CLI_OPT_INTERVAL = 1000,
    CLI_OPT_CPU_TDP,
    CLI_OPT_PUE,
    CLI_OPT_GRID_INTENSITY,
    CLI_OPT_COUNTRY,
    CLI_OPT_NO_RAPL,
    CLI_OPT_NO_NVML,
    CLI_OPT_ACCOUNTING,
    CLI_OPT_METER_LAST,
};

#define CLI_METER_LONG_OPTIONS                                                                     \
    {"interval", required_argument, NULL, CLI_OPT_INTERVAL},                                       \
        {"cpu-tdp", required_argument, NULL, CLI_OPT_CPU_TDP},                                     \
        {"pue", required_argument, NULL, CLI_OPT_PUE},                                             \
        {"grid-intensity", required_argument, NULL, CLI_OPT_GRID_INTENSITY},                       \
        {"country", required_argument, NULL, CLI_OPT_COUNTRY},                                     \
        {"no-rapl", no_argument, NULL, CLI_OPT_NO_RAPL},                                           \
        {"no-nvml", no_argument, NULL, CLI_OPT_NO_NVML},                                           \
        {"accounting", required_argument, NULL, CLI_OPT_ACCOUNTING}

#define CLI_METER_OPTIONS_HELP                                                                     \
    "  --interval S          sample the process tree every S seconds (default 0.1)\n"             \
    "  --cpu-tdp W           CPU estimate: the package's TDP (default: the CPU model's, else\n"   \
    "                        4 W per busy logical CPU)\n"                                          \
    "  --pue P               power usage effectiveness for CO2 (default 1.0)\n"                   \
    "  --grid-intensity G    grid carbon intensity, g CO2/kWh (default 475, world, IEA 2019)\n"  \
    "  --country ISO3        grid intensity of a country (Our World in Data, compiled in)\n"     \
    "  --no-rapl, --no-nvml  do not read RAPL / NVML counters (the estimate says so)\n"          \
    "  --accounting M        CPU and memory by: auto (a cgroup per run when permitted, else\n"   \
    "                        /proc), cgroup-v2, cgroup-v1, procfs; every figure says which\n"

/* Applies one of the shared options; false when code is not one of them. */
bool cli_meter_option(int code, const char *arg, meter_options *opts, hml_status *status,
                      hml_err *err);

/* Reports getopt_long's complaint about argv[optind - 1] as a usage error
 * ("<command>: unknown option '--x'"). */
int cli_option_error(const char *command, int code, char **argv, int optind_now,
                     const struct option *longopts);

#endif
