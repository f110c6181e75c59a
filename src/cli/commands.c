#include "cli/commands.h"

#include <stddef.h>

const cli_command cli_commands[] = {
    {"version", "print the version of hmlcost", cmd_version},
    {"train", "train the reference CNN on CIFAR-10 and print the result as JSON", cmd_train},
    {NULL, NULL, NULL},
};
