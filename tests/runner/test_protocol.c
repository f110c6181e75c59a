/* The protocol: failed, crashed and timed-out runs are stored with their
 * reason and the protocol goes on; the same plan again resumes without
 * duplicates; a plan whose command does not exist writes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/protocol.h"

static char dir[] = "/tmp/hmlcost-protocol-XXXXXX";
static char db[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/hmlcost-protocol-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof db, "%s/runs.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct seen {
    size_t starts, warmups, begins, runs;
} seen;

static void count_events(void *ctx, const runner_event *ev)
{
    seen *s = ctx;
    if (ev->kind == RUNNER_EVENT_START)
        s->starts++;
    else if (ev->kind == RUNNER_EVENT_WARMUP_DONE)
        s->warmups++;
    else if (ev->kind == RUNNER_EVENT_RUN_BEGIN) {
        assert_int_equal(s->begins, s->runs); /* begin, done, begin, done... */
        s->begins++;
    } else {
        s->runs++;
        assert_true(ev->done <= ev->total);
        assert_non_null(ev->metrics);
    }
}

static void make_plan(plan *p)
{
    hml_err err;
    plan_init(p);
    char *argv[] = {HMLCOST_TEST_CHILD, "env"};
    assert_int_equal(plan_set_command(p, 2, argv, &err), HML_OK);
    const char *arms[][2] = {{"ok", "HML_TEST_MODE=ok"},
                             {"fails", "HML_TEST_MODE=exit3"},
                             {"crashes", "HML_TEST_MODE=segv"},
                             {"hangs", "HML_TEST_MODE=hang"}};
    for (int i = 0; i < 4; i++) {
        plan_arm *arm;
        assert_int_equal(plan_add_arm(p, arms[i][0], &arm, &err), HML_OK);
        assert_int_equal(plan_arm_add_env(arm, arms[i][1], &err), HML_OK);
    }
    p->runs = 2;
    p->warmup = 1;
    p->timeout_s = 0.3;
    p->meter.interval_s = 0.05;
}

static void failures_are_stored_and_the_protocol_goes_on(void **state)
{
    (void)state;
    plan p;
    make_plan(&p);
    hml_err err;
    store *s;
    assert_int_equal(store_open(&s, db, STORE_READ_WRITE, &err), HML_OK);
    seen events = {0};
    runner_hooks hooks = {.progress = count_events, .ctx = &events};
    runner_summary sum;
    assert_int_equal(runner_run_plan(&p, s, &hooks, &sum, &err), HML_OK);
    assert_false(sum.resumed);
    assert_int_equal(sum.total, 8);
    assert_int_equal(sum.ran, 8);
    assert_int_equal(sum.by_status[STORE_RUN_OK], 2);
    assert_int_equal(sum.by_status[STORE_RUN_FAILED], 2);
    assert_int_equal(sum.by_status[STORE_RUN_CRASHED], 2);
    assert_int_equal(sum.by_status[STORE_RUN_TIMEOUT], 2);
    assert_int_equal(events.starts, 1);
    assert_int_equal(events.warmups, 4);
    assert_int_equal(events.runs, 8);
    assert_int_equal(events.begins, 8);

    /* Read back: reasons, positions, indices, no warm-up stored. */
    store_arm *arms;
    size_t arm_count;
    assert_int_equal(store_list_arms(s, sum.experiment_id, &arms, &arm_count, &err), HML_OK);
    assert_int_equal(arm_count, 4);
    assert_true(arms[0].is_baseline);
    long positions_seen = 0;
    for (size_t a = 0; a < arm_count; a++) {
        store_run *runs;
        size_t n;
        assert_int_equal(store_list_runs(s, arms[a].id, &runs, &n, &err), HML_OK);
        assert_int_equal(n, 2);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(runs[i].run_index, (long)i);
            positions_seen |= 1L << runs[i].position;
            assert_non_null(store_run_metric(&runs[i], "wall_s"));
            assert_non_null(store_run_metric(&runs[i], "energy_total_j"));
            const char *reason = runs[i].reason ? runs[i].reason : "";
            if (a == 1)
                assert_string_equal(reason, "exit status 3");
            if (a == 2)
                assert_non_null(strstr(reason, "SIGSEGV"));
            if (a == 3) {
                assert_int_equal(runs[i].status, STORE_RUN_TIMEOUT);
                assert_non_null(strstr(reason, "--timeout"));
            }
        }
        store_runs_free(runs, n);
    }
    assert_int_equal(positions_seen, 0xff);
    store_arms_free(arms, arm_count);

    /* The same plan again: nothing to do, nothing duplicated, no warm-up. */
    memset(&events, 0, sizeof events);
    assert_int_equal(runner_run_plan(&p, s, &hooks, &sum, &err), HML_OK);
    assert_true(sum.resumed);
    assert_int_equal(sum.ran, 0);
    assert_int_equal(sum.already_stored, 8);
    assert_int_equal(events.warmups, 0);
    assert_int_equal(sum.by_status[STORE_RUN_OK] + sum.by_status[STORE_RUN_FAILED] +
                         sum.by_status[STORE_RUN_CRASHED] + sum.by_status[STORE_RUN_TIMEOUT],
                     8);

    /* One more run per arm is a different experiment. */
    p.runs = 3;
    p.warmup = 0;
    assert_int_equal(runner_run_plan(&p, s, NULL, &sum, &err), HML_OK);
    assert_false(sum.resumed);
    assert_int_equal(sum.ran, 12);
    store_close(s);
    plan_free(&p);
}

static void a_missing_command_writes_nothing(void **state)
{
    (void)state;
    plan p;
    hml_err err;
    plan_init(&p);
    char *argv[] = {"hmlcost-no-such-command"};
    assert_int_equal(plan_set_command(&p, 1, argv, &err), HML_OK);
    assert_int_equal(plan_add_arm(&p, "a", NULL, &err), HML_OK);
    store *s;
    assert_int_equal(store_open(&s, db, STORE_READ_WRITE, &err), HML_OK);
    runner_summary sum;
    assert_int_equal(runner_run_plan(&p, s, NULL, &sum, &err), HML_EUSAGE);
    assert_non_null(strstr(err.msg, "arm 'a': 'hmlcost-no-such-command': command not found"));
    store_experiment *list;
    size_t n;
    assert_int_equal(store_list_experiments(s, &list, &n, &err), HML_OK);
    assert_int_equal(n, 0);
    store_experiments_free(list, n);
    store_close(s);
    plan_free(&p);
}

static void interrupting_stops_without_storing_the_run_in_flight(void **state)
{
    (void)state;
    plan p;
    hml_err err;
    plan_init(&p);
    char *argv[] = {HMLCOST_TEST_CHILD, "sleep", "30"};
    assert_int_equal(plan_set_command(&p, 3, argv, &err), HML_OK);
    assert_int_equal(plan_add_arm(&p, "a", NULL, &err), HML_OK);
    p.runs = 2;
    store *s;
    assert_int_equal(store_open(&s, db, STORE_READ_WRITE, &err), HML_OK);
    volatile sig_atomic_t stop = 1; /* already set: the first run is killed at once */
    runner_hooks hooks = {.interrupted = &stop};
    runner_summary sum;
    assert_int_equal(runner_run_plan(&p, s, &hooks, &sum, &err), HML_ESYSTEM);
    assert_string_equal(err.msg, "interrupted");
    assert_int_equal(sum.ran, 0);
    store_close(s);
    plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(failures_are_stored_and_the_protocol_goes_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_missing_command_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(interrupting_stops_without_storing_the_run_in_flight,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
