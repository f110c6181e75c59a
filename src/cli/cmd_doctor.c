/* `hmlcost doctor [--json] [--fail-on LEVEL] [--probe [--probe-seconds S]]
 * [-- train args | --workload CMD]`: audits the environment, the host and
 * the workload's settings for the smells (src/doctor); runs no training
 * unless --probe asks for measured trials. Exit status: 0 clean, 1 findings
 * at or above --fail-on (default warning), 2 usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/escape.h"
#include "common/host.h"
#include "doctor/doctor.h"
#include "doctor/output.h"
#include "doctor/probe_session.h"

extern char **environ;

enum { PROBE_DEFAULT_SECONDS = 60 };

static void print_help(void)
{
    printf("usage: hmlcost doctor [--json] [--fail-on LEVEL] [--probe [--probe-seconds S]]\n"
           "                      [-- TRAIN-ARGS | --workload CMD]\n\n"
           "Audits this environment, this host and the workload's settings for the smells\n"
           "hmlcost measures, before any energy is spent; runs no training unless --probe\n"
           "asks for measured trials. Checks:\n"
           "  libpath  LD_LIBRARY_PATH: missing, relative, empty, duplicate and\n"
           "           world-writable entries, entries that shadow system libraries,\n"
           "           CUDA stubs, several CUDA versions, too many entries\n"
           "  threads  OMP/OPENBLAS/MKL/TF thread variables and --threads against the\n"
           "           CPUs this process may use (affinity, cgroup quota), nested levels\n"
           "  batch    the reference CNN's memory at --batch against the memory; batch\n"
           "           sizes measured faster by the probe\n"
           "  reuse    --model-builds above 1\n"
           "  blas     the kernels an installed OpenBLAS picks against what the CPU has\n\n"
           "Each finding has a level (info, warning, error), evidence and a fix.\n\n"
           "  --json            one JSON object on stdout\n"
           "  --fail-on LEVEL   exit 1 when a finding is at or above LEVEL (info, warning,\n"
           "                    error; default warning)\n"
           "  --workload CMD    audit for an external command (environment checks only);\n"
           "                    {batch} and {threads} in CMD are filled by the probe\n"
           "  --probe           measure before advising: short trials of batch sizes\n"
           "                    (16..1024) and thread counts (1..2x the CPUs), each a fresh\n"
           "                    process measured as `hmlcost measure` does; prints images/s,\n"
           "                    energy per image, peak memory and loss, and stores them in\n"
           "                    $XDG_CACHE_HOME/hmlcost/probes (~/.cache/hmlcost/probes) for\n"
           "                    later runs of doctor on this host and workload\n"
           "  --probe-seconds S the probe's budget for all trials (default %d; implies --probe)\n"
           "  -- TRAIN-ARGS     audit for `hmlcost train TRAIN-ARGS`\n\n"
           "The host is this machine, or the one described in $%s (key = value lines:\n"
           "cpu_model, cores, logical_cpus, cpu_quota, l3, mem_total, gpus, ...).\n\n"
           "Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage error.\n",
           PROBE_DEFAULT_SECONDS, HOST_FILE_ENV);
}

int cmd_doctor(int argc, char **argv)
{
    bool json = false, probe_now = false;
    double probe_seconds = PROBE_DEFAULT_SECONDS;
    doctor_level fail_on = DOCTOR_WARNING;
    const char *command = NULL;
    int train_start = argc; /* first train argument after "--" */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help();
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--probe") == 0) {
            probe_now = true;
        } else if (strcmp(a, "--probe-seconds") == 0 || strncmp(a, "--probe-seconds=", 16) == 0) {
            const char *v = a[15] == '=' ? a + 16 : i + 1 < argc ? argv[++i] : NULL;
            if (!v)
                return cli_usage_error("doctor: --probe-seconds: expected seconds");
            hml_err perr = {0};
            if (cli_parse_double("probe-seconds", v, 1, 86400, &probe_seconds, &perr) != HML_OK)
                return cli_usage_error("doctor: %s", perr.msg);
            probe_now = true;
        } else if (strcmp(a, "--fail-on") == 0 || strncmp(a, "--fail-on=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : NULL;
            if (!v)
                return cli_usage_error("doctor: --fail-on: expected a level (info, warning, "
                                       "error)");
            if (!doctor_level_parse(v, &fail_on))
                return cli_usage_error("doctor: --fail-on: '%s' is not a level (info, warning, "
                                       "error)", v);
        } else if (strcmp(a, "--workload") == 0 || strncmp(a, "--workload=", 11) == 0) {
            command = a[10] == '=' ? a + 11 : i + 1 < argc ? argv[++i] : NULL;
            if (!command || !*command)
                return cli_usage_error("doctor: --workload: expected a command");
        } else if (strcmp(a, "--") == 0) {
            train_start = i + 1;
            break;
        } else {
            return cli_usage_error("doctor: unexpected argument '%s' (train arguments go "
                                   "after --)", a);
        }
    }
    if (command && train_start < argc)
        return cli_usage_error("doctor: give either --workload CMD or -- TRAIN-ARGS, not both");

    hml_err err = {0};
    doctor_context ctx;
    char *const *train_args = argv + train_start;
    size_t train_argc = (size_t)(argc - train_start);
    if (doctor_context_of_process(&ctx, environ, command, train_args, train_argc, &err) != HML_OK)
        return cli_report_error(&err);
    probe_result probe = {0};
    bool have_probe = false;
    char probe_source[4200] = "";
    probe_options probing = {
        .budget_s = probe_seconds,
        .interrupted = probe_now ? cli_catch_interrupts() : NULL,
        .progress = doctor_output_probe_progress,
        .user = stderr,
    };
    if (doctor_probe_obtain(&ctx, train_args, train_argc, probe_now ? &probing : NULL, &probe,
                            &have_probe, probe_source, sizeof probe_source, &err) != HML_OK)
        return cli_report_error(&err);
    if (!have_probe && probe_source[0]) {
        fputs("hmlcost: doctor: ", stderr);
        escape_text_fputs(stderr, probe_source);
        fputc('\n', stderr);
    }
    ctx.probe = have_probe ? &probe : NULL;
    doctor_report report = {0};
    if (doctor_check_all(&ctx, &report, &err) != HML_OK) {
        doctor_report_free(&report);
        probe_result_free(&probe);
        return cli_report_error(&err);
    }
    int status = CLI_EXIT_OK;
    if (json)
        status = cli_print_json("doctor", doctor_output_json(&report, &ctx, probe_source));
    else
        doctor_output_text(stdout, &report, &ctx, probe_source);
    if (status == CLI_EXIT_OK && doctor_report_count_at_least(&report, fail_on) > 0)
        status = CLI_EXIT_FAILURE;
    doctor_report_free(&report);
    probe_result_free(&probe);
    return status;
}
