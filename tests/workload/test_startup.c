/* How long this process took to reach main (workload/startup.h): from the
 * spawn time a runner passes in $HMLCOST_SPAWN_NS when it is a usable one,
 * else from the kernel's start time of the process, each saying its method. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload/startup.h"

static void set_spawn_seconds_ago(double seconds)
{
    char text[32];
    snprintf(text, sizeof text, "%.0f", (startup_now() - seconds) * 1e9);
    setenv("HMLCOST_SPAWN_NS", text, 1);
}

/* The test binary reached main well under a minute after it started. */
static void the_kernels_start_time_is_the_fallback(void **state)
{
    (void)state;
    unsetenv("HMLCOST_SPAWN_NS");
    startup_clock c = startup_measure();
    assert_string_equal(c.method, "proc-starttime-10ms");
    assert_true(c.process_to_main_s >= 0 && c.process_to_main_s < 60);
    assert_true(c.cpu_before_main_s >= 0 && c.cpu_before_main_s < 60);
    double since = startup_seconds_since_process_start();
    assert_true(since >= c.process_to_main_s);
}

static void a_runners_spawn_time_is_exact(void **state)
{
    (void)state;
    set_spawn_seconds_ago(5);
    startup_clock c = startup_measure();
    assert_string_equal(c.method, "HMLCOST_SPAWN_NS");
    /* main came after the spawn and before now, so within those 5 s */
    assert_true(c.process_to_main_s > 0 && c.process_to_main_s <= 5.001);
    double since = startup_seconds_since_process_start();
    assert_true(since >= 4.999 && since < 6);
    unsetenv("HMLCOST_SPAWN_NS");
}

/* A spawn time after main, zero, or not a number cannot be this process's. */
static void an_unusable_spawn_time_is_ignored(void **state)
{
    (void)state;
    set_spawn_seconds_ago(-100);
    assert_string_not_equal(startup_measure().method, "HMLCOST_SPAWN_NS");
    const char *bad[] = {"0", "12abc", "-5", "", "99999999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        setenv("HMLCOST_SPAWN_NS", bad[i], 1);
        startup_clock c = startup_measure();
        assert_string_not_equal(c.method, "HMLCOST_SPAWN_NS");
    }
    unsetenv("HMLCOST_SPAWN_NS");
}

static void now_never_goes_back(void **state)
{
    (void)state;
    double a = startup_now();
    double b = startup_now();
    assert_true(a > 0 && b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_kernels_start_time_is_the_fallback),
        cmocka_unit_test(a_runners_spawn_time_is_exact),
        cmocka_unit_test(an_unusable_spawn_time_is_ignored),
        cmocka_unit_test(now_never_goes_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
