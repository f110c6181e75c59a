/* A run's own cgroup (meter/cgroup.h) on fake trees: where hmlcost's own
 * cgroup is (a container's mount root stripped), whether a v2 run cgroup
 * would account memory, a cgroup that cannot be made leaving nothing behind
 * and saying why, CPU and memory read from v2 and v1 files, the processes
 * counted and killed, and a recorded directory trusted only on a cgroup file
 * system. Nothing here needs a cgroup of the machine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meter/cgroup.h"
#include "meter/fake_tree.h"

typedef struct fixture {
    char root[64];
    char mountinfo[128], self_cgroup[128];
    cgroup_sources sources;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/hmlcost-cgroup-XXXXXX");
    if (!f || !mkdtemp(f->root))
        return -1;
    snprintf(f->mountinfo, sizeof f->mountinfo, "%s/mountinfo", f->root);
    snprintf(f->self_cgroup, sizeof f->self_cgroup, "%s/self_cgroup", f->root);
    f->sources = (cgroup_sources){f->mountinfo, f->self_cgroup};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_tree_remove(f->root);
    free(f);
    return 0;
}

/* A cgroup2 mount at root/fs whose root within the hierarchy is mount_root,
 * and hmlcost in own (as /proc/self/cgroup says). */
static void fake_v2(const fixture *f, const char *mount_root, const char *own)
{
    char text[512];
    snprintf(text, sizeof text,
             "22 1 0:20 / /proc rw,nosuid - proc proc rw\n"
             "35 24 0:30 %s %s/fs rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
             "rw,nsdelegate\n",
             mount_root, f->root);
    fake_tree_write(f->root, "mountinfo", text);
    snprintf(text, sizeof text, "0::%s\n", own);
    fake_tree_write(f->root, "self_cgroup", text);
}

/* The fake mountinfo and /proc/self/cgroup as the meter reads them. */
static bool accounts_memory(const fixture *f)
{
    cgroup_texts texts;
    run_cgroup_texts_read(&f->sources, &texts);
    bool accounts = run_cgroup_v2_accounts_memory(&texts);
    run_cgroup_texts_free(&texts);
    return accounts;
}

static bool create(const fixture *f, run_cgroup *cg, int version, char *why, size_t size)
{
    cgroup_texts texts;
    run_cgroup_texts_read(&f->sources, &texts);
    bool made = run_cgroup_create(cg, version, "run-1", &texts, why, size);
    run_cgroup_texts_free(&texts);
    return made;
}

static void memory_accounting_follows_the_parents_subtree_control(void **state)
{
    fixture *f = *state;
    fake_v2(f, "/", "/user.slice/session-1.scope");
    fake_tree_write(f->root, "fs/user.slice/session-1.scope/cgroup.subtree_control",
                    "cpu io memory pids\n");
    assert_true(accounts_memory(f));
    fake_tree_write(f->root, "fs/user.slice/session-1.scope/cgroup.subtree_control", "cpu pids\n");
    assert_false(accounts_memory(f));
    /* "memory" only as part of another word does not count */
    fake_tree_write(f->root, "fs/user.slice/session-1.scope/cgroup.subtree_control",
                    "memoryx cpu\n");
    assert_false(accounts_memory(f));
}

/* In a container the cgroup2 mount shows only part of the hierarchy: its
 * root is stripped from the path /proc/self/cgroup gives. */
static void a_containers_mount_root_is_stripped(void **state)
{
    fixture *f = *state;
    fake_v2(f, "/docker/abc", "/docker/abc/app");
    fake_tree_write(f->root, "fs/app/cgroup.subtree_control", "memory\n");
    assert_true(accounts_memory(f));
}

static void no_hierarchy_no_cgroup_and_why(void **state)
{
    fixture *f = *state;
    fake_tree_write(f->root, "mountinfo", "22 1 0:20 / /proc rw - proc proc rw\n");
    fake_tree_write(f->root, "self_cgroup", "0::/\n");
    run_cgroup cg;
    char why[256];
    assert_false(create(f, &cg, 2, why, sizeof why));
    assert_string_equal(why, "cgroup-v2: no cgroup2 mount holds this process");
    assert_false(create(f, &cg, 1, why, sizeof why));
    assert_string_equal(why, "cgroup-v1: no cpuacct hierarchy is mounted");
    assert_false(accounts_memory(f));
}

/* A directory that is not a cgroup has no cgroup.procs to join by: the
 * attempt says so and removes what it made. */
static void a_failed_cgroup_leaves_nothing_behind(void **state)
{
    fixture *f = *state;
    fake_v2(f, "/", "/work");
    fake_tree_write(f->root, "fs/work/cgroup.subtree_control", "memory\n");
    run_cgroup cg;
    char why[512];
    assert_false(create(f, &cg, 2, why, sizeof why));
    assert_non_null(strstr(why, "cgroup-v2: "));
    char made[256];
    snprintf(made, sizeof made, "%s/fs/work/" RUN_CGROUP_PREFIX "%ld-run-1", f->root,
             (long)getpid());
    assert_non_null(strstr(why, made));
    assert_non_null(strstr(why, "No such file"));
    assert_int_equal(access(made, F_OK), -1);
    assert_int_equal(cg.dir_count, 0);
    for (int i = 0; i < RUN_CGROUP_MAX_DIRS; i++)
        assert_int_equal(cg.join_fds[i], -1);
}

/* A run_cgroup over fake directories, as run_cgroup_create leaves one. */
static run_cgroup fake_cgroup(const fixture *f, int version, size_t dirs)
{
    run_cgroup cg = {.version = version, .dir_count = dirs, .cpu_dir = 0, .memory_dir = -1,
                     .freezer_dir = -1, .dir_fd = -1};
    for (size_t i = 0; i < dirs; i++) {
        snprintf(cg.dirs[i], sizeof cg.dirs[i], "%s/fs/hmlcost-run-%zu", f->root, i);
        mkdir(cg.dirs[i], 0755);
    }
    for (int i = 0; i < RUN_CGROUP_MAX_DIRS; i++)
        cg.join_fds[i] = -1;
    return cg;
}

static void usage_is_read_from_v2_files(void **state)
{
    fixture *f = *state;
    fake_tree_write(f->root, "fs/hmlcost-run-0/cpu.stat",
                    "usage_usec 1750000\nuser_usec 1500000\nsystem_usec 250000\n");
    fake_tree_write(f->root, "fs/hmlcost-run-0/memory.peak", "314572800\n");
    fake_tree_write(f->root, "fs/hmlcost-run-0/memory.current", "1000\n");
    run_cgroup cg = fake_cgroup(f, 2, 1);
    assert_float_equal(run_cgroup_cpu_s(&cg), 1.75, 1e-9);
    run_cgroup_usage u;
    assert_true(run_cgroup_read(&cg, &u));
    assert_float_equal(u.user_s, 1.5, 1e-9);
    assert_float_equal(u.sys_s, 0.25, 1e-9);
    assert_true(u.memory_peak_bytes < 0); /* no memory controller */

    cg.memory_dir = 0;
    cg.memory_peak = true;
    assert_true(run_cgroup_read(&cg, &u));
    assert_true(u.memory_peak_bytes == 314572800);

    /* Without memory.peak: the largest memory.current sampled. */
    cg.memory_peak = false;
    run_cgroup_sample_memory(&cg);
    fake_tree_write(f->root, "fs/hmlcost-run-0/memory.current", "5000\n");
    run_cgroup_sample_memory(&cg);
    fake_tree_write(f->root, "fs/hmlcost-run-0/memory.current", "3000\n");
    run_cgroup_sample_memory(&cg);
    assert_true(run_cgroup_read(&cg, &u));
    assert_true(u.memory_peak_bytes == 5000);

    fake_tree_write(f->root, "fs/hmlcost-run-0/cpu.stat", "usage_usec 1\n");
    assert_false(run_cgroup_read(&cg, &u)); /* no user/system split: not read */
    assert_true(run_cgroup_cpu_s(&cg) < 0);
}

/* v1: cpuacct.usage is exact; usage_user/usage_sys (or cpuacct.stat) only
 * divide it. */
static void usage_is_read_from_v1_files(void **state)
{
    fixture *f = *state;
    fake_tree_write(f->root, "fs/hmlcost-run-0/cpuacct.usage", "2000000000\n");
    fake_tree_write(f->root, "fs/hmlcost-run-0/cpuacct.stat", "user 30\nsystem 10\n");
    fake_tree_write(f->root, "fs/hmlcost-run-1/memory.max_usage_in_bytes", "65536\n");
    run_cgroup cg = fake_cgroup(f, 1, 2);
    cg.memory_dir = 1;
    run_cgroup_usage u;
    assert_true(run_cgroup_read(&cg, &u));
    assert_float_equal(u.user_s, 1.5, 1e-9);
    assert_float_equal(u.sys_s, 0.5, 1e-9);
    assert_true(u.memory_peak_bytes == 65536);
    fake_tree_write(f->root, "fs/hmlcost-run-0/cpuacct.usage_user", "1\n");
    fake_tree_write(f->root, "fs/hmlcost-run-0/cpuacct.usage_sys", "3\n");
    assert_true(run_cgroup_read(&cg, &u));
    assert_float_equal(u.user_s, 0.5, 1e-9);
    assert_float_equal(u.sys_s, 1.5, 1e-9);

    char described[4 * RUN_CGROUP_PATH_MAX];
    run_cgroup_describe(&cg, described, sizeof described);
    char expected[4 * RUN_CGROUP_PATH_MAX];
    snprintf(expected, sizeof expected, "%s\n%s", cg.dirs[0], cg.dirs[1]);
    assert_string_equal(described, expected);

    run_cgroup_remove(&cg);
    assert_int_equal(cg.dir_count, 0);
    /* the fake directories hold files, so they stay: remove never deletes files */
}

static pid_t sleeper(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

static void write_procs(const fixture *f, const char *rel, pid_t pid)
{
    char text[32];
    snprintf(text, sizeof text, "%ld\n", (long)pid);
    fake_tree_write(f->root, rel, text);
}

/* Without cgroup.kill the processes listed are killed one by one; with it,
 * the kernel is asked to kill them all. */
static void processes_are_counted_and_killed(void **state)
{
    fixture *f = *state;
    pid_t child = sleeper();
    write_procs(f, "fs/hmlcost-run-0/cgroup.procs", child);
    run_cgroup cg = fake_cgroup(f, 2, 1);
    assert_int_equal(run_cgroup_count(&cg), 1);
    int left = -1;
    assert_int_equal(run_cgroup_kill(&cg, 0.01, &left), 1);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(left, 1); /* the fake list does not empty itself */

    fake_tree_write(f->root, "fs/hmlcost-run-0/cgroup.kill", "");
    child = sleeper();
    write_procs(f, "fs/hmlcost-run-0/cgroup.procs", child);
    assert_int_equal(run_cgroup_kill(&cg, 0, &left), 1);
    char path[600], buf[8] = "";
    snprintf(path, sizeof path, "%s/cgroup.kill", cg.dirs[0]);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    assert_non_null(fgets(buf, sizeof buf, in));
    fclose(in);
    assert_string_equal(buf, "1");
    assert_int_equal(waitpid(child, &status, WNOHANG), 0); /* the (fake) kernel's job */
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
}

/* What a crashed run recorded is trusted only when it is a run's cgroup on
 * a cgroup file system: a directory elsewhere that merely looks like one
 * never gets its listed processes killed. */
static void a_recorded_directory_off_cgroupfs_is_not_trusted(void **state)
{
    fixture *f = *state;
    pid_t child = sleeper();
    write_procs(f, "fs/hmlcost-run-0/cgroup.procs", child);
    char dirs[600];
    snprintf(dirs, sizeof dirs, "%s/fs/hmlcost-run-0\n/nonexistent/hmlcost-x", f->root);
    int left = -1;
    assert_int_equal(run_cgroup_kill_recorded(dirs, 0, &left), 0);
    assert_int_equal(left, 0);
    int status;
    assert_int_equal(waitpid(child, &status, WNOHANG), 0); /* still alive */
    assert_int_equal(run_cgroup_kill_recorded(NULL, 0, &left), 0);
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(memory_accounting_follows_the_parents_subtree_control,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_containers_mount_root_is_stripped, setup, teardown),
        cmocka_unit_test_setup_teardown(no_hierarchy_no_cgroup_and_why, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_cgroup_leaves_nothing_behind, setup, teardown),
        cmocka_unit_test_setup_teardown(usage_is_read_from_v2_files, setup, teardown),
        cmocka_unit_test_setup_teardown(usage_is_read_from_v1_files, setup, teardown),
        cmocka_unit_test_setup_teardown(processes_are_counted_and_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_recorded_directory_off_cgroupfs_is_not_trusted, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
