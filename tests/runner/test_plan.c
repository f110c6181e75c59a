/* Plans: arms, words, validation, the plan key, INI files, the schedule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/plan.h"
#include "runner/plan_arm_spec.h"
#include "runner/schedule.h"

static void make_plan(plan *p, long runs)
{
    hml_err err;
    plan_init(p);
    char *argv[] = {"prog", "--x", "1"};
    assert_int_equal(plan_set_command(p, 3, argv, &err), HML_OK);
    plan_arm *arm;
    assert_int_equal(plan_add_arm(p, "base", &arm, &err), HML_OK);
    assert_int_equal(plan_add_arm(p, "threads", &arm, &err), HML_OK);
    assert_int_equal(plan_arm_add_env_list(arm, "OMP_NUM_THREADS=8 LABEL='two words'", &err),
                     HML_OK);
    assert_int_equal(plan_arm_add_arg_list(arm, "--threads 8", &err), HML_OK);
    assert_int_equal(plan_add_arm(p, "batch", &arm, &err), HML_OK);
    p->runs = runs;
}

static void words_split_like_sh_without_expansion(void **state)
{
    (void)state;
    char **w;
    size_t n;
    hml_err err;
    assert_int_equal(plan_split_words("  a 'b c' \"d \\\"e\\\"\" f\\ g $HOME ", &w, &n, &err),
                     HML_OK);
    assert_int_equal(n, 5);
    assert_string_equal(w[0], "a");
    assert_string_equal(w[1], "b c");
    assert_string_equal(w[2], "d \"e\"");
    assert_string_equal(w[3], "f g");
    assert_string_equal(w[4], "$HOME");
    assert_null(w[5]);
    plan_words_free(w);
    assert_int_equal(plan_split_words("'open", &w, &n, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "unterminated quote"));
}

static void arms_and_their_commands(void **state)
{
    (void)state;
    plan p;
    hml_err err;
    make_plan(&p, 3);
    assert_int_equal(plan_validate(&p, &err), HML_OK);
    assert_true(p.arms[0].is_baseline);
    assert_false(p.arms[1].is_baseline);
    assert_int_equal(p.arms[1].env_count, 2);
    assert_string_equal(p.arms[1].env[1], "LABEL=two words");
    char **argv;
    assert_int_equal(plan_arm_command(&p, &p.arms[1], &argv, &err), HML_OK);
    assert_string_equal(argv[0], "prog");
    assert_string_equal(argv[3], "--threads");
    assert_string_equal(argv[4], "8");
    assert_null(argv[5]);
    plan_words_free(argv);
    p.shell = true;
    assert_int_equal(plan_arm_command(&p, &p.arms[1], &argv, &err), HML_OK);
    assert_string_equal(argv[0], "/bin/sh");
    assert_string_equal(argv[2], "prog --x 1 --threads 8");
    plan_words_free(argv);

    assert_int_equal(plan_set_baseline(&p, "batch", &err), HML_OK);
    assert_false(p.arms[0].is_baseline);
    assert_true(p.arms[2].is_baseline);
    assert_int_equal(plan_set_baseline(&p, "nope", &err), HML_EUSAGE);
    assert_int_equal(plan_add_arm(&p, "base", NULL, &err), HML_EUSAGE);
    assert_int_equal(plan_add_arm(&p, "bad name", NULL, &err), HML_EUSAGE);
    assert_int_equal(plan_arm_add_env(&p.arms[0], "1X=2", &err), HML_EUSAGE);
    assert_int_equal(plan_arm_add_env(&p.arms[0], "HMLCOST_RESULT_FD=9", &err), HML_EUSAGE);
    p.runs = 0;
    assert_int_equal(plan_validate(&p, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "--runs"));
    plan_free(&p);
}

/* An arm compared with another (per-smell baselines) must name a different
 * arm of the plan. */
static void compare_with_names_another_arm(void **state)
{
    (void)state;
    plan p;
    hml_err err;
    make_plan(&p, 3);
    assert_int_equal(plan_arm_set_compare_with(&p.arms[2], "threads", &err), HML_OK);
    assert_int_equal(plan_validate(&p, &err), HML_OK);
    assert_int_equal(plan_arm_set_compare_with(&p.arms[2], "batch", &err), HML_OK);
    assert_int_equal(plan_validate(&p, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "arm 'batch': compared with 'batch', which is itself");
    assert_int_equal(plan_arm_set_compare_with(&p.arms[2], "nope", &err), HML_OK);
    assert_int_equal(plan_validate(&p, &err), HML_EUSAGE);
    assert_string_equal(err.msg, "arm 'batch': compared with 'nope', which is not an arm");
    plan_free(&p);
}

static void the_plan_key_changes_with_what_is_measured_only(void **state)
{
    (void)state;
    plan a, b;
    hml_err err;
    char ka[17], kb[17];
    make_plan(&a, 3);
    make_plan(&b, 3);
    assert_int_equal(plan_key(&a, ka, &err), HML_OK);
    assert_int_equal(plan_key(&b, kb, &err), HML_OK);
    assert_int_equal(strlen(ka), 16);
    assert_string_equal(ka, kb);
    b.name = strdup("a label");
    b.show_output = true;
    assert_int_equal(plan_key(&b, kb, &err), HML_OK);
    assert_string_equal(ka, kb);
    b.runs = 4; /* more runs of the same plan top the experiment up */
    assert_int_equal(plan_key(&b, kb, &err), HML_OK);
    assert_string_equal(ka, kb);
    b.order = a.order == PLAN_ORDER_BLOCKED ? PLAN_ORDER_RANDOM : PLAN_ORDER_BLOCKED;
    assert_int_equal(plan_key(&b, kb, &err), HML_OK);
    assert_string_not_equal(ka, kb);
    b.order = a.order;
    b.runs = 3;
    assert_int_equal(plan_arm_add_env(&b.arms[2], "X=1", &err), HML_OK);
    assert_int_equal(plan_key(&b, kb, &err), HML_OK);
    assert_string_not_equal(ka, kb);
    char *json = plan_to_json(&b);
    assert_non_null(strstr(json, "\"name\":\"a label\""));
    assert_non_null(strstr(json, "\"min_cost\":null")); /* the default */
    free(json);
    /* the smallest cost of interest is how the report judges, not how runs
     * are measured: written in the plan, not part of its key */
    assert_int_equal(plan_key(&b, ka, &err), HML_OK);
    assert_int_equal(plan_set_min_cost(&b, "5%", &err), HML_OK);
    assert_int_equal(plan_set_min_cost(&b, "memory=1%", &err), HML_OK);
    assert_int_equal(plan_key(&b, kb, &err), HML_OK);
    assert_string_equal(ka, kb);
    json = plan_to_json(&b);
    assert_non_null(strstr(json, "\"min_cost\":\"time=5%,memory=1%,energy=5%\""));
    free(json);
    assert_int_equal(plan_set_min_cost(&b, "memory=200%", &err), HML_EUSAGE);
    assert_string_equal(b.min_cost, "time=5%,memory=1%,energy=5%");
    plan_free(&a);
    plan_free(&b);
}

static void schedules_follow_the_order(void **state)
{
    (void)state;
    plan p;
    hml_err err;
    make_plan(&p, 4);
    schedule_slot *s;
    size_t n;
    /* interleaved: each round of 3 holds every arm once, rounds differ. */
    assert_int_equal(schedule_build(&p, &s, &n, &err), HML_OK);
    assert_int_equal(n, 12);
    bool rounds_differ = false;
    for (size_t r = 0; r < 4; r++) {
        int seen[3] = {0};
        for (size_t k = 0; k < 3; k++) {
            seen[s[r * 3 + k].arm]++;
            assert_int_equal(s[r * 3 + k].index, (long)r);
            if (r > 0 && s[r * 3 + k].arm != s[k].arm)
                rounds_differ = true;
        }
        assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    }
    (void)rounds_differ; /* may coincide for a seed; checked over seeds below */
    schedule_slot *again;
    assert_int_equal(schedule_build(&p, &again, &n, &err), HML_OK);
    assert_memory_equal(s, again, n * sizeof *s); /* same seed, same schedule */
    free(again);
    free(s);

    p.order = PLAN_ORDER_BLOCKED;
    assert_int_equal(schedule_build(&p, &s, &n, &err), HML_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(s[i].arm, i / 4);
        assert_int_equal(s[i].index, (long)(i % 4));
    }
    free(s);

    p.order = PLAN_ORDER_RANDOM;
    assert_int_equal(schedule_build(&p, &s, &n, &err), HML_OK);
    long next[3] = {0};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s[i].index, next[s[i].arm]++);
    assert_true(next[0] == 4 && next[1] == 4 && next[2] == 4);
    free(s);

    /* Different seeds shuffle differently. */
    p.order = PLAN_ORDER_INTERLEAVED;
    schedule_slot *first;
    assert_int_equal(schedule_build(&p, &first, &n, &err), HML_OK);
    bool differs = false;
    for (uint64_t seed = 2; seed < 10 && !differs; seed++) {
        p.seed = seed;
        assert_int_equal(schedule_build(&p, &s, &n, &err), HML_OK);
        differs = memcmp(first, s, n * sizeof *s) != 0;
        free(s);
    }
    assert_true(differs);
    free(first);
    plan_free(&p);
}

static char *write_plan_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/hmlcost-plan-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void ini_plans_define_arms_and_options(void **state)
{
    (void)state;
    const char *text = "# a plan\n"
                       "[run]\n"
                       "command = prog --epochs 1\n"
                       "runs = 5\n"
                       "order = blocked\n"
                       "seed = 42\n"
                       "timeout = 60\n"
                       "country = fra\n"
                       "baseline = clean\n"
                       "min-cost = 3%, wall_s=1%\n"
                       "[arm threads]\n"
                       "env = OMP_NUM_THREADS=16\n"
                       "args = --threads 16\n"
                       "smell = parallelism\n"
                       "[arm clean]\n";
    char *path = write_plan_file(text);
    plan p;
    hml_err err;
    plan_init(&p);
    assert_int_equal(plan_load_ini(&p, path, &err), HML_OK);
    assert_int_equal(p.argc, 3);
    assert_int_equal(p.runs, 5);
    assert_int_equal(p.order, PLAN_ORDER_BLOCKED);
    assert_int_equal(p.seed, 42);
    assert_true(p.timeout_s == 60);
    assert_string_equal(p.min_cost, "time=3%,memory=3%,energy=3%,wall_s=1%");
    assert_non_null(strstr(p.meter.grid_source, "FRA France: Our World in Data"));
    assert_int_equal(p.arm_count, 2);
    assert_string_equal(p.arms[0].name, "threads");
    assert_string_equal(p.arms[0].smell, "parallelism");
    assert_string_equal(p.arms[0].env[0], "OMP_NUM_THREADS=16");
    assert_int_equal(p.arms[0].arg_count, 2);
    assert_string_equal(p.arms[1].name, "clean");
    assert_true(p.arms[1].is_baseline);
    assert_false(p.arms[0].is_baseline);
    assert_int_equal(plan_validate(&p, &err), HML_OK);
    plan_free(&p);
    unlink(path);

    const char *bad[] = {"[run]\nruns = 0\n", "[run]\nfrobnicate = 1\n", "[weird]\nx = 1\n",
                         "[run]\ncountry = XYZ\n", "[arm bad name!]\nenv = X=1\n",
                         "[arm a]\nenv = 9=1\n", "[run]\norder = sideways\n",
                         "[run]\nmin-cost = lots\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path = write_plan_file(bad[i]);
        plan_init(&p);
        assert_int_equal(plan_load_ini(&p, path, &err), HML_EUSAGE);
        assert_non_null(strstr(err.msg, "plan '/tmp/hmlcost-plan-"));
        plan_free(&p);
        unlink(path);
    }
    plan_init(&p);
    assert_int_equal(plan_load_ini(&p, "/nonexistent/plan.ini", &err), HML_EUSAGE);
    plan_free(&p);
}

/* A plan given as a pipe (--plan <(...)) can be read only once. */
static void ini_plan_from_a_pipe_is_read_whole(void **state)
{
    (void)state;
    const char *text = "[run]\ncommand = prog\n[arm base]\n[arm threads]\nenv = A=1 B=2\n";
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fds[1]);
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    plan p;
    hml_err err;
    plan_init(&p);
    assert_int_equal(plan_load_ini(&p, path, &err), HML_OK);
    close(fds[0]);
    assert_int_equal(p.arm_count, 2);
    assert_string_equal(p.arms[0].name, "base");
    assert_string_equal(p.arms[1].name, "threads");
    assert_int_equal(p.arms[1].env_count, 2);
    assert_string_equal(p.arms[1].env[1], "B=2");
    plan_free(&p);
}

/* What inih would cut or stop at is refused, with the line named. */
static void ini_plan_lines_are_never_cut(void **state)
{
    (void)state;
    char text[600];
    char value[400];
    memset(value, 'x', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    snprintf(text, sizeof text, "[run]\ncommand = prog\n[arm a]\nenv = LONG=%s\n", value);
    char *path = write_plan_file(text);
    plan p;
    hml_err err;
    plan_init(&p);
    assert_int_equal(plan_load_ini(&p, path, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "line 4: longer than"));
    plan_free(&p);
    unlink(path);

    /* a NUL byte would end the text early */
    static const char with_nul[] = "[run]\ncommand = prog\n\0[arm a]\nenv = A=1\n";
    path = write_plan_file("");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fwrite(with_nul, 1, sizeof with_nul - 1, f);
    fclose(f);
    plan_init(&p);
    assert_int_equal(plan_load_ini(&p, path, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "not a text file"));
    plan_free(&p);
    unlink(path);

    /* endless input: read up to a bound, then refused */
    plan_init(&p);
    assert_int_equal(plan_load_ini(&p, "/dev/zero", &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "larger than"));
    plan_free(&p);
}

static void arms_in_one_word(void **state)
{
    (void)state;
    plan p;
    plan_init(&p);
    hml_err err;
    assert_int_equal(plan_add_arm_spec(&p, "base", &err), HML_OK);
    assert_int_equal(plan_add_arm_spec(&p, "hot:OMP_NUM_THREADS=8 MKL_DEBUG", &err), HML_OK);
    const plan_arm *hot = plan_find_arm(&p, "hot");
    assert_non_null(hot);
    assert_int_equal(hot->env_count, 2);
    assert_string_equal(hot->env[0], "OMP_NUM_THREADS=8");
    assert_string_equal(hot->env[1], "MKL_DEBUG");
    assert_int_equal(plan_add_arm_args_spec(&p, "hot:--batch 64", &err), HML_OK);
    assert_int_equal(hot->arg_count, 2);
    assert_string_equal(hot->args[1], "64");
    assert_int_equal(plan_add_arm_args_spec(&p, "cold:--batch 64", &err), HML_EUSAGE);
    assert_string_equal(err.msg, "no arm is called 'cold'");
    assert_int_equal(plan_add_arm_args_spec(&p, "hot", &err), HML_EUSAGE);
    assert_string_equal(err.msg, "expected 'NAME:ARGS', got 'hot'");
    char long_name[100];
    memset(long_name, 'x', 90);
    long_name[90] = '\0';
    assert_int_equal(plan_add_arm_spec(&p, long_name, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "name too long"));
    plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words_split_like_sh_without_expansion),
        cmocka_unit_test(arms_and_their_commands),
        cmocka_unit_test(arms_in_one_word),
        cmocka_unit_test(compare_with_names_another_arm),
        cmocka_unit_test(the_plan_key_changes_with_what_is_measured_only),
        cmocka_unit_test(schedules_follow_the_order),
        cmocka_unit_test(ini_plans_define_arms_and_options),
        cmocka_unit_test(ini_plan_from_a_pipe_is_read_whole),
        cmocka_unit_test(ini_plan_lines_are_never_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
