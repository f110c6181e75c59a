/* `hmlcost train`'s options: each value lands in the workload's options,
 * and each bad one is a single "hmlcost: train: ..." line with exit 2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stderr_capture.h"
#include "cli/train_options.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof(a)[0]) - 1)

/* Parses argv (NULL-ended) with stderr caught into text. */
static int parse(char **argv, int argc, train_cli *cli, char *text, size_t size)
{
    stderr_capture cap;
    memset(cli, 0, sizeof *cli);
    stderr_capture_begin(&cap);
    int rc = train_cli_parse(argc, argv, cli);
    stderr_capture_end(&cap, text, size);
    return rc;
}

static void values_land_in_the_workload_options(void **state)
{
    (void)state;
    char *argv[] = {"train", "--data", "synthetic", "--train-limit", "500", "--test-limit", "100",
                    "--epochs", "3", "--batch", "32", "--seed", "7", "--threads", "2",
                    "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.5",
                    "--model-builds", "4", "--keep-stale-models", "--quiet", NULL};
    train_cli cli;
    char text[512];
    assert_int_equal(parse(argv, ARGC(argv), &cli, text, sizeof text), CLI_EXIT_OK);
    assert_string_equal(text, "");
    assert_string_equal(cli.options.data, "synthetic");
    assert_int_equal(cli.options.train_limit, 500);
    assert_int_equal(cli.options.test_limit, 100);
    assert_int_equal(cli.options.epochs, 3);
    assert_int_equal(cli.options.batch, 32);
    assert_int_equal(cli.options.seed, 7);
    assert_int_equal(cli.options.threads, 2);
    assert_int_equal(cli.options.optimizer.kind, NN_OPT_SGD);
    assert_float_equal(cli.options.optimizer.lr, 0.05f, 1e-7);
    assert_float_equal(cli.options.optimizer.momentum, 0.5f, 1e-7);
    assert_int_equal(cli.options.model_builds, 4);
    assert_true(cli.options.keep_stale_models);
    assert_true(cli.quiet);
    assert_false(cli.help);
}

static void no_options_keep_the_defaults(void **state)
{
    (void)state;
    char *argv[] = {"train", NULL};
    train_cli cli;
    char text[256];
    assert_int_equal(parse(argv, ARGC(argv), &cli, text, sizeof text), CLI_EXIT_OK);
    workload_options defaults;
    workload_options_defaults(&defaults);
    assert_int_equal(cli.options.epochs, defaults.epochs);
    assert_int_equal(cli.options.batch, defaults.batch);
    assert_int_equal(cli.options.optimizer.kind, NN_OPT_ADAM);
    assert_false(cli.quiet);
}

static void help_stops_reading(void **state)
{
    (void)state;
    char *argv[] = {"train", "--help", "--batch", "x", NULL};
    train_cli cli;
    char text[256];
    assert_int_equal(parse(argv, ARGC(argv), &cli, text, sizeof text), CLI_EXIT_OK);
    assert_true(cli.help);
    assert_string_equal(text, "");
}

/* Each bad command line: exit 2 and exactly the one line expected. */
static void each_error_is_one_line_and_exit_2(void **state)
{
    (void)state;
    static const struct {
        const char *args[4];
        const char *line;
    } cases[] = {
        {{"--batch", "x"}, "hmlcost: train: --batch: 'x' is not an integer\n"},
        {{"--epochs", "0"}, "hmlcost: train: --epochs: 0 is out of range [1, 100000]\n"},
        {{"--lr", "nan"}, "hmlcost: train: --lr: 'nan' is not a finite number\n"},
        {{"--optimizer", "rmsprop"}, "hmlcost: train: --optimizer: 'rmsprop' is not adam or sgd\n"},
        {{"--device", "tpu"}, "hmlcost: train: --device: 'tpu' is not cpu or cuda\n"},
        {{"--data", ""}, "hmlcost: train: --data: empty directory name\n"},
        {{"--momentum", "0.5"}, "hmlcost: train: --momentum applies to --optimizer sgd only\n"},
        {{"--frobnicate"}, "hmlcost: train: unknown option '--frobnicate' (see 'hmlcost train --help')\n"},
        {{"--batch"}, "hmlcost: train: --batch needs a value\n"},
        {{"extra"}, "hmlcost: train: unexpected argument 'extra'\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[6] = {"train"};
        int argc = 1;
        for (int a = 0; a < 4 && cases[i].args[a]; a++)
            argv[argc++] = (char *)cases[i].args[a];
        train_cli cli;
        char text[512];
        int rc = parse(argv, argc, &cli, text, sizeof text);
        assert_int_equal(rc, CLI_EXIT_USAGE);
        assert_string_equal(text, cases[i].line);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_land_in_the_workload_options),
        cmocka_unit_test(no_options_keep_the_defaults),
        cmocka_unit_test(help_stops_reading),
        cmocka_unit_test(each_error_is_one_line_and_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
