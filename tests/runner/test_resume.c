/* kill -9 of `hmlcost run` in the middle, then the same command again:
 * every arm ends with exactly N runs, none twice, and the store passes
 * PRAGMA integrity_check. Also two `hmlcost run` of the same plan at once
 * on a new store: they share the work, nothing is stored twice. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 3

static char dir[] = "/tmp/hmlcost-resume-XXXXXX"; /* set up per test */
static char db[128];

static pid_t start_run_with(const char *runs)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(HMLCOST_BINARY, HMLCOST_BINARY, "run", "--runs", runs, "--arm", "a", "--arm",
              "b:HML_X=1", "--interval", "0.05", "--store", db, "--", HMLCOST_TEST_CHILD, "sleep",
              "0.15", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static pid_t start_run(void) { return start_run_with("3"); }

static void wait_success(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static long query_long(sqlite3 *conn, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long value = -1;
    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        value = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return value;
}

static long stored_runs(void)
{
    sqlite3 *conn = NULL;
    if (access(db, F_OK) != 0 || sqlite3_open_v2(db, &conn, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(conn);
        return 0;
    }
    sqlite3_busy_timeout(conn, 1000);
    long n = query_long(conn, "SELECT count(*) FROM runs");
    sqlite3_close(conn);
    return n < 0 ? 0 : n;
}

static void check_complete_store(void)
{
    sqlite3 *conn = NULL;
    assert_int_equal(sqlite3_open_v2(db, &conn, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(query_long(conn, "SELECT count(*) FROM experiments"), 1);
    assert_int_equal(query_long(conn, "SELECT count(*) FROM arms"), 2);
    assert_int_equal(query_long(conn, "SELECT count(*) FROM runs"), 2 * RUNS);
    assert_int_equal(query_long(conn, "SELECT count(*) FROM (SELECT DISTINCT arm_id, run_index "
                                      "FROM runs WHERE run_index BETWEEN 0 AND 2)"),
                     2 * RUNS);
    assert_int_equal(query_long(conn, "SELECT min(c) FROM (SELECT count(*) c FROM runs GROUP BY "
                                      "arm_id)"),
                     RUNS);
    assert_int_equal(query_long(conn, "SELECT count(*) FROM runs r WHERE NOT EXISTS (SELECT 1 "
                                      "FROM metrics m WHERE m.run_id = r.id AND m.name = 'wall_s')"),
                     0);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(conn, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(conn);
}

static int make_dir(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/hmlcost-resume-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof db, "%s/runs.db", dir);
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void two_runs_of_one_plan_at_once_share_the_work(void **state)
{
    (void)state;
    pid_t first = start_run(), second = start_run();
    wait_success(first);
    wait_success(second);
    check_complete_store();
}

static void kill_9_then_the_same_command_completes_the_experiment(void **state)
{
    (void)state;

    pid_t pid = start_run();
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    for (int i = 0; i < 1500 && stored_runs() < 2; i++)
        nanosleep(&pause, NULL);
    long before_kill = stored_runs();
    assert_true(before_kill >= 2);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    long after_kill = stored_runs();
    printf("# killed with %ld of %d runs stored\n", after_kill, 2 * RUNS);
    assert_true(after_kill < 2 * RUNS);

    wait_success(start_run());

    check_complete_store();
}

/* Several `hmlcost run` creating the same new store at the same moment:
 * each must see either no schema or a whole one, never "version 0 with
 * tables" (which store_open takes for someone else's database). The window
 * is short, so many rounds of six. */
static void many_runs_creating_one_store_at_once_all_succeed(void **state)
{
    (void)state;
    enum { ROUNDS = 30, AT_ONCE = 6 };
    int failed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        char store[160];
        snprintf(store, sizeof store, "%s/round%d.db", dir, round);
        pid_t pids[AT_ONCE];
        for (int i = 0; i < AT_ONCE; i++) {
            pids[i] = fork();
            assert_true(pids[i] >= 0);
            if (pids[i] == 0) {
                freopen("/dev/null", "w", stdout);
                freopen("/dev/null", "w", stderr);
                execl(HMLCOST_BINARY, HMLCOST_BINARY, "run", "--runs", "1", "--arm", "a",
                      "--store", store, "--", HMLCOST_TEST_CHILD, "sleep", "0", (char *)NULL);
                _exit(127);
            }
        }
        for (int i = 0; i < AT_ONCE; i++) {
            int status = 0;
            assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
            failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
    }
    assert_int_equal(failed, 0);
}

/* The report's advice for too few runs is "run more": the same plan with a
 * larger --runs tops the experiment up instead of starting a new one, and a
 * smaller --runs afterwards keeps what is stored. */
static void more_runs_top_the_experiment_up(void **state)
{
    (void)state;
    wait_success(start_run_with("1"));
    assert_int_equal(stored_runs(), 2);
    wait_success(start_run());
    check_complete_store();
    wait_success(start_run_with("2"));
    check_complete_store();
    sqlite3 *conn = NULL;
    assert_int_equal(sqlite3_open_v2(db, &conn, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(query_long(conn, "SELECT runs_per_arm FROM experiments"), RUNS);
    sqlite3_close(conn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kill_9_then_the_same_command_completes_the_experiment,
                                        make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(two_runs_of_one_plan_at_once_share_the_work, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(more_runs_top_the_experiment_up, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(many_runs_creating_one_store_at_once_all_succeed,
                                        make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
