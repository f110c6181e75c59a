/* hmlcost: measures what configuration and design smells in deep-learning
 * training cost in time, memory, energy and CO2. This file only dispatches
 * to the subcommands listed in commands.c. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

static void print_usage(FILE *out)
{
    fprintf(out, "usage: hmlcost <command> [options]\n\n"
                 "hmlcost (\"hidden ML cost\") measures what configuration and design smells\n"
                 "in deep-learning training cost in runtime, memory, energy and CO2.\n\n"
                 "commands:\n");
    for (const cli_command *c = cli_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'hmlcost <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("no command given (see 'hmlcost --help')");
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0)
        name = "version";
    for (const cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c->run(argc - 1, argv + 1);
    return cli_usage_error("unknown command '%s' (see 'hmlcost --help')", name);
}
