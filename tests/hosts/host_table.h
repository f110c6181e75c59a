/* The hosts every host-dependent test runs over, described in the .ini
 * files beside this header (loaded through $HMLCOST_HOST_FILE or
 * host_load_file), with what the host module must make of them. No test
 * outcome depends on the machine that runs it. */
#ifndef HMLCOST_TESTS_HOST_TABLE_H
#define HMLCOST_TESTS_HOST_TABLE_H

#include <stddef.h>

typedef struct test_host {
    const char *file;             /* under tests/hosts */
    long usable_cpus;             /* host_usable_cpus */
    long default_threads;         /* host_default_threads: physical cores, quota */
    unsigned cpu_family;
    unsigned long long llc_bytes; /* host_llc_bytes */
    int gpus;
} test_host;

static const test_host test_hosts[] = {
    {"sapphire-rapids-vm.ini", 2, 2, 6, 105ULL << 20, 0},
    {"epyc-zen5-vm.ini", 2, 2, 26, 32ULL << 20, 0},
    {"epyc-192-threads.ini", 192, 96, 25, 32ULL << 20, 0},
    {"container-quota-1.5.ini", 2, 2, 6, 48ULL << 20, 0},
    {"gpu-node.ini", 224, 112, 6, 105ULL << 20, 1},
};
enum { TEST_HOST_COUNT = sizeof test_hosts / sizeof test_hosts[0] };

#endif
