/* `hmlcost run`'s options: read over the plan file, --arm-args applied once
 * every arm exists, and each bad command line one "hmlcost: ..." line with
 * exit 2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_options.h"
#include "cli/stderr_capture.h"

/* Parses argv with stderr caught; p and cli are left to the caller to free. */
static int parse(int argc, char **argv, plan *p, run_cli *cli, char *text, size_t size)
{
    plan_init(p);
    run_cli_init(cli);
    stderr_capture cap;
    stderr_capture_begin(&cap);
    int rc = run_cli_parse(argc, argv, p, cli);
    stderr_capture_end(&cap, text, size);
    return rc;
}

static void options_and_command_fill_the_plan(void **state)
{
    (void)state;
    char *argv[] = {"run", "--runs", "4", "--warmup", "1", "--seed", "9", "--timeout", "30",
                    "--arm", "clean", "--arm", "threads:OMP_NUM_THREADS=2",
                    "--arm-args", "threads:--fast", "--baseline", "clean", "--store", "x.db",
                    "--json", "prog", "--epochs", "1", NULL};
    plan p;
    run_cli cli;
    char text[512];
    assert_int_equal(parse(23, argv, &p, &cli, text, sizeof text), CLI_EXIT_OK);
    assert_string_equal(text, "");
    assert_int_equal(p.runs, 4);
    assert_int_equal(p.warmup, 1);
    assert_int_equal(p.seed, 9);
    assert_true(p.timeout_s == 30.0);
    assert_int_equal(p.argc, 3);
    assert_string_equal(p.argv[0], "prog");
    assert_int_equal(p.arm_count, 2);
    plan_arm *threads = plan_find_arm(&p, "threads");
    assert_non_null(threads);
    assert_false(threads->is_baseline);
    assert_int_equal(threads->env_count, 1);
    assert_string_equal(threads->env[0], "OMP_NUM_THREADS=2");
    assert_int_equal(threads->arg_count, 1);
    assert_string_equal(threads->args[0], "--fast");
    assert_true(plan_find_arm(&p, "clean")->is_baseline);
    assert_string_equal(cli.store_path, "x.db");
    assert_true(cli.json);
    plan_free(&p);
    run_cli_free(&cli);
}

static void options_override_the_plan_file(void **state)
{
    (void)state;
    char path[] = "/tmp/hmlcost-plan-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *ini = "[run]\ncommand = prog\nruns = 5\nseed = 42\n[arm a]\n[arm b]\n";
    assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
    close(fd);
    char *argv[] = {"run", "--plan", path, "--runs", "2", NULL};
    plan p;
    run_cli cli;
    char text[512];
    assert_int_equal(parse(5, argv, &p, &cli, text, sizeof text), CLI_EXIT_OK);
    unlink(path);
    assert_int_equal(p.runs, 2);  /* the option wins */
    assert_int_equal(p.seed, 42); /* the file's, untouched */
    assert_int_equal(p.arm_count, 2);
    assert_string_equal(p.argv[0], "prog");
    plan_free(&p);
    run_cli_free(&cli);
}

static void without_arms_one_baseline_runs_the_command(void **state)
{
    (void)state;
    char *argv[] = {"run", "true", NULL};
    plan p;
    run_cli cli;
    char text[256];
    assert_int_equal(parse(2, argv, &p, &cli, text, sizeof text), CLI_EXIT_OK);
    assert_int_equal(p.arm_count, 1);
    assert_string_equal(p.arms[0].name, "baseline");
    assert_true(p.arms[0].is_baseline);
    assert_string_equal(cli.store_path, CLI_DEFAULT_STORE);
    plan_free(&p);
    run_cli_free(&cli);
}

/* Each bad command line: exit 2 and exactly the one line expected. */
static void each_error_is_one_line_and_exit_2(void **state)
{
    (void)state;
    static const struct {
        const char *args[5];
        const char *line;
    } cases[] = {
        {{"--runs", "0", "true"}, "hmlcost: --runs: 0 is out of range [1, 1000000]\n"},
        {{"--timeout", "x", "true"}, "hmlcost: --timeout: 'x' is not a finite number\n"},
        {{"--arm-args", "ghost:--x", "true"}, "hmlcost: --arm-args: no arm is called 'ghost'\n"},
        {{"--workload", "true", "true"}, "hmlcost: --workload: only with --smell (see 'hmlcost smells')\n"},
        {{"--frobnicate", "true"}, "hmlcost: run: unknown option '--frobnicate' (see 'hmlcost run --help')\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[7] = {"run"};
        int argc = 1;
        for (int a = 0; a < 5 && cases[i].args[a]; a++)
            argv[argc++] = (char *)cases[i].args[a];
        plan p;
        run_cli cli;
        char text[512];
        int rc = parse(argc, argv, &p, &cli, text, sizeof text);
        plan_free(&p);
        run_cli_free(&cli);
        assert_int_equal(rc, CLI_EXIT_USAGE);
        assert_string_equal(text, cases[i].line);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_and_command_fill_the_plan),
        cmocka_unit_test(options_override_the_plan_file),
        cmocka_unit_test(without_arms_one_baseline_runs_the_command),
        cmocka_unit_test(each_error_is_one_line_and_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
