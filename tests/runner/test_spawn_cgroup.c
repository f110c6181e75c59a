/* A child given a cgroup v2 directory is created in it (clone3), with no
 * join after the fork: its very first view of /proc/self/cgroup names the
 * run's cgroup. Skips, saying why, where this machine permits no cgroup v2
 * run cgroup or its kernel cannot create a process in one (Linux < 5.7). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meter/cgroup.h"
#include "runner/spawn.h"

static void a_child_is_created_in_the_v2_cgroup(void **state)
{
    (void)state;
    cgroup_texts texts;
    run_cgroup_texts_read(NULL, &texts);
    run_cgroup cg;
    char why[256];
    bool made = run_cgroup_create(&cg, 2, "spawn-test", &texts, why, sizeof why);
    run_cgroup_texts_free(&texts);
    if (!made || cg.dir_fd < 0) {
        printf("# no cgroup v2 run cgroup here (%s); skipped\n", made ? "no directory fd" : why);
        if (made)
            run_cgroup_remove(&cg);
        skip();
    }
    char out[] = "/tmp/hmlcost-spawn-cgroup-XXXXXX";
    int out_fd = mkstemp(out);
    assert_true(out_fd >= 0);
    close(out_fd);
    char script[600];
    snprintf(script, sizeof script, "cat /proc/self/cgroup > %s", out);
    char *argv[] = {"sh", "-c", script, NULL};
    /* No join files: only clone3 can put the child there. */
    spawn_request req = {.argv = argv, .into_cgroup_fd = cg.dir_fd};
    spawn_child child;
    hml_err err;
    assert_int_equal(spawn_start(&req, &child, &err), HML_OK);
    int status;
    assert_int_equal(waitpid(child.pid, &status, 0), child.pid);
    spawn_child_close(&child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char line[1024], v2_line[1024] = "";
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0)
            snprintf(v2_line, sizeof v2_line, "%s", line);
    fclose(f);
    unlink(out);
    const char *name = strrchr(cg.dirs[0], '/') + 1;
    run_cgroup_remove(&cg);
    struct utsname u;
    int major = 0, minor = 0;
    assert_int_equal(uname(&u), 0);
    if (sscanf(u.release, "%d.%d", &major, &minor) == 2 && (major < 5 || (major == 5 && minor < 7))) {
        printf("# Linux %s cannot create a process in a cgroup; skipped\n", u.release);
        skip();
    }
    assert_non_null(strstr(v2_line, name));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_child_is_created_in_the_v2_cgroup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
