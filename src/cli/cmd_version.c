#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: hmlcost version\n\nPrints the version of hmlcost.\n");
        return CLI_EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("version: unexpected argument '%s'", argv[1]);
    printf("hmlcost %s\n", HMLCOST_VERSION);
    return CLI_EXIT_OK;
}
