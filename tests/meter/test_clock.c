/* The clocks (meter/clock.h): durations as people say them, UTC timestamps
 * with milliseconds, and sleeping by the monotonic clock: never shorter than
 * asked, through signals, and cut short by the interrupt flag. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "meter/clock.h"

static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t alarms;

static void count_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void set_interrupted(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* handler runs once, after ms milliseconds. */
static void alarm_after_ms(void (*handler)(int), long ms)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler; /* wakes a nanosleep (EINTR) */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval t = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};
    assert_int_equal(setitimer(ITIMER_REAL, &t, NULL), 0);
}

static void sleeps_at_least_as_long_as_asked(void **state)
{
    (void)state;
    double t0 = clock_monotonic_s();
    clock_sleep_s(0.05, NULL);
    assert_true(clock_monotonic_s() - t0 >= 0.05);
    t0 = clock_monotonic_s();
    clock_sleep_s(0, NULL);
    clock_sleep_s(-1, NULL);
    assert_true(clock_monotonic_s() - t0 < 0.05);
}

static void sleeps_on_through_a_signal(void **state)
{
    (void)state;
    alarms = 0;
    interrupted = 0;
    alarm_after_ms(count_alarm, 20);
    double t0 = clock_monotonic_s();
    clock_sleep_s(0.25, &interrupted);
    double slept = clock_monotonic_s() - t0;
    signal(SIGALRM, SIG_DFL);
    assert_int_equal(alarms, 1);
    assert_true(slept >= 0.25);
}

static void returns_early_once_interrupted(void **state)
{
    (void)state;
    interrupted = 1;
    double t0 = clock_monotonic_s();
    clock_sleep_s(30, &interrupted);
    assert_true(clock_monotonic_s() - t0 < 1);

    interrupted = 0;
    alarm_after_ms(set_interrupted, 50);
    t0 = clock_monotonic_s();
    clock_sleep_s(30, &interrupted);
    double slept = clock_monotonic_s() - t0;
    signal(SIGALRM, SIG_DFL);
    assert_true(interrupted);
    assert_true(slept >= 0.04 && slept < 10); /* 30 s without the flag */
}

static void durations_read_as_people_say_them(void **state)
{
    (void)state;
    char buf[32];
    clock_format_duration(1.234, buf, sizeof buf);
    assert_string_equal(buf, "1.23 s");
    clock_format_duration(-3, buf, sizeof buf);
    assert_string_equal(buf, "0.00 s");
    clock_format_duration(123, buf, sizeof buf);
    assert_string_equal(buf, "2 min 03 s");
    clock_format_duration(3720, buf, sizeof buf);
    assert_string_equal(buf, "1 h 02 min");
}

static void timestamps_are_utc_with_milliseconds(void **state)
{
    (void)state;
    char buf[32];
    clock_utc_iso8601(buf, sizeof buf);
    assert_int_equal(strlen(buf), 24);
    int y, mo, d, h, mi, s, ms;
    char z = 0;
    assert_int_equal(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z),
                     8);
    assert_int_equal(z, 'Z');
    assert_true(y >= 2024 && mo >= 1 && mo <= 12 && h < 24 && mi < 60 && s < 61 && ms < 1000);

    double a = clock_monotonic_s();
    double b = clock_monotonic_s();
    assert_true(a > 0 && b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations_read_as_people_say_them),
        cmocka_unit_test(timestamps_are_utc_with_milliseconds),
        cmocka_unit_test(sleeps_at_least_as_long_as_asked),
        cmocka_unit_test(sleeps_on_through_a_signal),
        cmocka_unit_test(returns_early_once_interrupted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
