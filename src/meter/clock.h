/* Clocks: the monotonic clock for durations, UTC text for timestamps. */
#ifndef HMLCOST_METER_CLOCK_H
#define HMLCOST_METER_CLOCK_H

#include <signal.h>
#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC (never jumps; for durations only). */
double clock_monotonic_s(void);

/* Sleeps s seconds of the monotonic clock, on through signals; returns
 * early, within 0.1 s, once *interrupted is set (NULL: never). */
void clock_sleep_s(double s, volatile sig_atomic_t *interrupted);

/* Now as ISO 8601 UTC with milliseconds, "2025-01-31T12:00:00.123Z"
 * (size >= 25). */
void clock_utc_iso8601(char *out, size_t size);

/* Seconds as "1.23 s", "2 min 03 s", "1 h 02 min" for humans. */
void clock_format_duration(double seconds, char *out, size_t size);

#endif
