#include "meter/clock.h"

#include <stdio.h>
#include <time.h>

double clock_monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void clock_sleep_s(double s, volatile sig_atomic_t *interrupted)
{
    double until = clock_monotonic_s() + s;
    while (!(interrupted && *interrupted)) {
        double left = until - clock_monotonic_s();
        if (left <= 0)
            return;
        if (left > 0.1)
            left = 0.1; /* a signal may set *interrupted without waking this thread */
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
}

void clock_utc_iso8601(char *out, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
}

void clock_format_duration(double seconds, char *out, size_t size)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 60) {
        snprintf(out, size, "%.2f s", seconds);
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s < 3600)
        snprintf(out, size, "%ld min %02ld s", s / 60, s % 60);
    else
        snprintf(out, size, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
}
