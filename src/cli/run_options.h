/* `hmlcost run`'s options: read in three passes (the plan file first, then
 * the options over it, then --arm-args once every arm exists) into a plan
 * and what else they ask for. */
#ifndef HMLCOST_CLI_RUN_OPTIONS_H
#define HMLCOST_CLI_RUN_OPTIONS_H

#include <stdbool.h>

#include "cli/cmd_run.h"
#include "cli/measure_common.h"
#include "cli/run_slurm.h"
#include "cli/run_smells.h"
#include "runner/plan.h"

typedef struct run_cli {
    const char *store_path;
    const char *baseline;
    bool json;
    run_smell_options smell;  /* --smell and its treatment options */
    run_slurm_options slurm;  /* --executor and the Slurm options */
    const char *smell_only;   /* the first smell-study option seen, for errors */
    const char *slurm_only;   /* the first Slurm option seen, for errors */
    bool help;                /* -h, --help: nothing else was read */
} run_cli;

void run_cli_init(run_cli *cli);
void run_cli_free(run_cli *cli);

/* Reads argv into p (plan_init'ed) and cli: the plan file, the options, the
 * smell study's arms (printed on stderr) or the command after the options,
 * checked as a whole. CLI_EXIT_OK, or the exit status of the error it
 * reported (one line). */
int run_cli_parse(int argc, char **argv, plan *p, run_cli *cli);

#endif
