/* `hmlcost train`'s options, read into the workload's options. */
#ifndef HMLCOST_CLI_TRAIN_OPTIONS_H
#define HMLCOST_CLI_TRAIN_OPTIONS_H

#include <stdbool.h>

#include "workload/workload.h"

typedef struct train_cli {
    workload_options options;
    bool quiet; /* --quiet: no progress on stderr */
    bool help;  /* -h, --help: nothing else was read */
} train_cli;

/* Reads argv into cli. CLI_EXIT_OK, or the exit status of the error it
 * reported (one line). */
int train_cli_parse(int argc, char **argv, train_cli *cli);

#endif
