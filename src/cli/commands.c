#include "cli/commands.h"

#include <stddef.h>

const cli_command cli_commands[] = {
    {"version", "print the version of hmlcost", cmd_version},
    {NULL, NULL, NULL},
};
