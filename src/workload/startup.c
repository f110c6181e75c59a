#include "workload/startup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/procfs.h"

/* Taken in a constructor: after the loader, just before main. */
static double main_monotonic = -1, main_boottime = -1, main_cpu = -1;

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

__attribute__((constructor)) static void startup_mark_main(void)
{
    main_monotonic = clock_seconds(CLOCK_MONOTONIC);
    main_boottime = clock_seconds(CLOCK_BOOTTIME);
    main_cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

double startup_now(void) { return clock_seconds(CLOCK_MONOTONIC); }

/* $HMLCOST_SPAWN_NS: CLOCK_MONOTONIC nanoseconds taken by the parent just
 * before it started this process (a runner may set it; exact). */
static double spawn_monotonic(void)
{
    const char *text = getenv("HMLCOST_SPAWN_NS");
    if (!text || !*text)
        return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long ns = strtoull(text, &end, 10);
    if (errno || *end || ns == 0)
        return -1;
    double t = (double)ns * 1e-9;
    return t <= main_monotonic ? t : -1;
}

/* The kernel's start time of this process (field 22 of /proc/self/stat,
 * clock ticks since boot: 10 ms resolution), in CLOCK_BOOTTIME seconds. */
static double proc_start_boottime(void)
{
    char buf[1024];
    if (procfs_read("/proc/self/stat", buf, sizeof buf) != 0)
        return -1;
    long long start_ticks = procfs_stat_start_ticks(buf);
    long hz = sysconf(_SC_CLK_TCK);
    if (start_ticks < 0 || hz <= 0)
        return -1;
    return (double)start_ticks / (double)hz;
}

startup_clock startup_measure(void)
{
    startup_clock c = {-1, main_cpu, "unknown"};
    double spawn = spawn_monotonic();
    if (spawn > 0) {
        c.process_to_main_s = main_monotonic - spawn;
        c.method = "HMLCOST_SPAWN_NS";
        return c;
    }
    double start = proc_start_boottime();
    if (start > 0 && main_boottime >= start) {
        c.process_to_main_s = main_boottime - start;
        c.method = "proc-starttime-10ms";
    }
    return c;
}

double startup_seconds_since_process_start(void)
{
    startup_clock c = startup_measure();
    if (c.process_to_main_s < 0)
        return -1;
    return c.process_to_main_s + (startup_now() - main_monotonic);
}
