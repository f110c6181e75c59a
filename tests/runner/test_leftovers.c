/* What a crashed hmlcost left running (runner/leftovers.h): who owns a
 * recorded run and whether it is still alive, the processes carrying a run's
 * token killed (and no others), and the runs of a dead owner ended and
 * their records dropped while a live owner's are kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/leftovers.h"
#include "runner/spawn.h"

/* A `sleep` whose environment holds only $HMLCOST_RUN_TOKEN=token, once it
 * has exec'd (its /proc environ is then the one given). */
static pid_t carrier(const char *token)
{
    char entry[96];
    snprintf(entry, sizeof entry, "%s=%s", SPAWN_RUN_TOKEN_ENV, token);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *argv[] = {"sleep", "30", NULL};
        char *envp[] = {entry, NULL};
        execve("/bin/sleep", argv, envp);
        _exit(127);
    }
    char path[64], comm[32];
    snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
    for (int i = 0; i < 5000; i++) {
        FILE *f = fopen(path, "r");
        comm[0] = '\0';
        if (f) {
            if (!fgets(comm, sizeof comm, f))
                comm[0] = '\0';
            fclose(f);
        }
        if (strcmp(comm, "sleep\n") == 0)
            break;
        usleep(1000);
    }
    return pid;
}

static bool killed(pid_t pid)
{
    int status = 0;
    return waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static bool running(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == 0;
}

static void an_owner_is_alive_by_pid_start_time_host_and_boot(void **state)
{
    (void)state;
    store_live_run me = {0};
    leftovers_owner_self(&me);
    assert_int_equal(me.owner_pid, (long)getpid());
    assert_true(me.owner_start > 0);
    assert_int_equal(strlen(me.boot_id), 36);
    assert_true(me.started_at[0] != '\0');
    assert_true(leftovers_owner_alive(&me));

    store_live_run restarted = me;
    restarted.owner_start = me.owner_start + 1; /* the pid reused by another process */
    assert_false(leftovers_owner_alive(&restarted));
    store_live_run rebooted = me;
    rebooted.boot_id[0] = rebooted.boot_id[0] == '0' ? '1' : '0';
    assert_false(leftovers_owner_alive(&rebooted));
    store_live_run elsewhere = restarted;
    snprintf(elsewhere.hostname, sizeof elsewhere.hostname, "another-node.example");
    assert_true(leftovers_owner_alive(&elsewhere)); /* not ours to end */
}

/* Only the whole entry counts: a token that merely starts with it is
 * another run's. */
static void the_carriers_of_a_token_are_killed_and_no_others(void **state)
{
    (void)state;
    pid_t a1 = carrier("aaaa000000000001");
    pid_t a2 = carrier("aaaa000000000001");
    pid_t longer = carrier("aaaa0000000000012");
    pid_t other = carrier("bbbb000000000002");
    int left = -1;
    assert_int_equal(leftovers_kill_token("aaaa000000000001", 2.0, &left), 2);
    assert_int_equal(left, 0);
    assert_true(killed(a1));
    assert_true(killed(a2));
    assert_true(running(longer));
    assert_true(running(other));
    assert_int_equal(leftovers_kill_token("cccc000000000003", 0, &left), 0);
    kill(longer, SIGKILL);
    kill(other, SIGKILL);
    waitpid(longer, NULL, 0);
    waitpid(other, NULL, 0);
}

static void a_dead_owners_runs_are_ended(void **state)
{
    (void)state;
    char dir[] = "/tmp/hmlcost-leftovers-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/runs.db", dir);
    store *s = NULL;
    hml_err err;
    assert_int_equal(store_open(&s, path, STORE_READ_WRITE, &err), HML_OK);
    store_live_run dead = {.token = "dddd000000000004"};
    leftovers_owner_self(&dead);
    dead.boot_id[0] = dead.boot_id[0] == '0' ? '1' : '0'; /* recorded before a reboot */
    store_live_run live = {.token = "eeee000000000005"};
    leftovers_owner_self(&live);
    assert_int_equal(store_put_live_run(s, &dead, &err), HML_OK);
    assert_int_equal(store_put_live_run(s, &live, &err), HML_OK);
    pid_t orphan = carrier(dead.token);
    pid_t busy = carrier(live.token);

    int ended = -1;
    assert_int_equal(leftovers_end_crashed(s, &ended, &err), HML_OK);
    assert_int_equal(ended, 1);
    assert_true(killed(orphan));
    assert_true(running(busy));
    store_live_run *runs = NULL;
    size_t count = 0;
    assert_int_equal(store_list_live_runs(s, &runs, &count, &err), HML_OK);
    assert_int_equal(count, 1);
    assert_string_equal(runs[0].token, live.token);
    free(runs);
    kill(busy, SIGKILL);
    waitpid(busy, NULL, 0);
    store_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_owner_is_alive_by_pid_start_time_host_and_boot),
        cmocka_unit_test(the_carriers_of_a_token_are_killed_and_no_others),
        cmocka_unit_test(a_dead_owners_runs_are_ended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
