#include "cli/commands.h"

#include <stddef.h>

const cli_command cli_commands[] = {
    {"version", "print the version of hmlcost", cmd_version},
    {"train", "train the reference CNN on CIFAR-10 and print the result as JSON", cmd_train},
    {"measure", "run a command once and measure time, memory, energy and CO2", cmd_measure},
    {"run", "run arms N times each (baseline vs treatments) into a run store", cmd_run},
    {"report", "verdicts per smell, statistics and figures from stored runs", cmd_report},
    {"smells", "list the smells hmlcost injects and measures", cmd_smells},
    {"doctor", "find the smells in this environment before running anything", cmd_doctor},
    {"capture", "run a command, read its accuracy from its output (run --workload)", cmd_capture},
    {"lint", "find the smells in training scripts and launchers, priced by experiments", cmd_lint},
    {NULL, NULL, NULL},
};
