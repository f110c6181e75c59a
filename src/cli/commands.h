/* The subcommands. Each lives in its own file, src/cli/cmd_<name>.c, parses
 * its own options and returns the process exit status. argv[0] is the
 * subcommand's name. */
#ifndef HMLCOST_CLI_COMMANDS_H
#define HMLCOST_CLI_COMMANDS_H

typedef int (*cli_command_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;
    const char *summary;
    cli_command_fn run;
} cli_command;

int cmd_version(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_smells(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_lint(int argc, char **argv);

/* The table main.c dispatches on, ending with a NULL name. */
extern const cli_command cli_commands[];

#endif
