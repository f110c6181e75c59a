/* How long the process took to start: from exec (the kernel's start time,
 * or $HMLCOST_SPAWN_NS from a runner that timed the spawn) to the moment
 * before main (a constructor of this binary, which runs after the dynamic
 * loader has loaded and relocated every library and run their
 * constructors), and the CPU time spent before main. The library-path
 * smell shows up here. */
#ifndef HMLCOST_WORKLOAD_STARTUP_H
#define HMLCOST_WORKLOAD_STARTUP_H

#include <stddef.h>

typedef struct startup_clock {
    double process_to_main_s; /* negative when unknown */
    double cpu_before_main_s; /* negative when unknown */
    const char *method;       /* "HMLCOST_SPAWN_NS" or "proc-starttime-10ms" or "unknown" */
} startup_clock;

/* Times recorded before main; cheap, call any time. */
startup_clock startup_measure(void);

/* Seconds from process start to now, by the same method (negative when
 * unknown). */
double startup_seconds_since_process_start(void);

/* CLOCK_MONOTONIC in seconds. */
double startup_now(void);

#endif
