#include "cli/commands.h"

#include <stddef.h>

const cli_command cli_commands[] = {
    {"version", "print the version of hmlcost", cmd_version},
    {"report", "verdicts per smell, statistics and figures from stored runs", cmd_report},
    {NULL, NULL, NULL},
};
