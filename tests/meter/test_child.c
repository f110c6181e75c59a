/* A small program the meter and runner tests measure. One mode per run:
 *   burn S            busy-loop until this process used S CPU seconds
 *   touch MIB S       allocate and touch MIB MiB, hold them S seconds
 *   grandchild MIB S  fork a child that forks a grandchild which touches MIB MiB
 *                     and burns S CPU seconds; each parent waits for its child
 *   orphan S          fork a child that forks a grandchild burning S CPU seconds
 *                     and exits at once (the grandchild is orphaned); then wait
 *                     until the grandchild is done
 *   rapl DIR          rewrite fake RAPL counters under DIR, wrapping around
 *   result JSON       write JSON as the result line to $HMLCOST_RESULT_FD
 *   env               behave as $HML_TEST_MODE says: ok, exit3, segv, hang
 *   daemon S FILE     start a daemon (setsid, double fork) that writes its pid to
 *                     FILE and burns S CPU seconds; exit as soon as FILE is written
 *   stubborn          ignore SIGTERM and sleep forever
 *   sleep S           sleep S seconds
 *   exit N            exit with status N */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void burn(double seconds)
{
    double until = cpu_now() + seconds;
    volatile unsigned long x = 0;
    while (cpu_now() < until)
        for (int i = 0; i < 10000; i++)
            x += (unsigned long)i * 2654435761UL;
}

static void sleep_s(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static char *touch(long mib)
{
    size_t bytes = (size_t)mib << 20;
    char *p = malloc(bytes);
    if (!p)
        exit(10);
    for (size_t i = 0; i < bytes; i += 4096)
        p[i] = (char)i;
    p[bytes - 1] = 1;
    return p;
}

static void wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
}

/* Writes value to dir/file atomically (a new file renamed over the old). */
static void write_counter(const char *dir, const char *domain, long long value)
{
    char tmp[512], path[512];
    snprintf(tmp, sizeof tmp, "%s/%s/energy_uj.tmp", dir, domain);
    snprintf(path, sizeof path, "%s/%s/energy_uj", dir, domain);
    FILE *f = fopen(tmp, "w");
    if (!f)
        exit(11);
    fprintf(f, "%lld\n", value);
    fclose(f);
    if (rename(tmp, path) != 0)
        exit(12);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "burn") && argc > 2) {
        burn(atof(argv[2]));
    } else if (!strcmp(mode, "touch") && argc > 3) {
        char *p = touch(atol(argv[2]));
        sleep_s(atof(argv[3]));
        free(p);
    } else if (!strcmp(mode, "grandchild") && argc > 3) {
        pid_t child = fork();
        if (child == 0) {
            pid_t grandchild = fork();
            if (grandchild == 0) {
                char *p = touch(atol(argv[2]));
                burn(atof(argv[3]));
                free(p);
                _exit(0);
            }
            wait_child(grandchild);
            _exit(0);
        }
        wait_child(child);
    } else if (!strcmp(mode, "orphan") && argc > 2) {
        double seconds = atof(argv[2]);
        int done[2];
        if (pipe(done) != 0)
            return 1;
        pid_t child = fork();
        if (child == 0) {
            if (fork() == 0) {
                burn(seconds);
                _exit(0); /* closes the pipe's write end: done */
            }
            _exit(0); /* leaves the grandchild to whoever reaps orphans */
        }
        close(done[1]);
        wait_child(child);
        /* Until the grandchild is gone, however loaded the machine. */
        char byte;
        while (read(done[0], &byte, 1) > 0)
            ;
        sleep_s(0.05);
    } else if (!strcmp(mode, "rapl") && argc > 2) {
        /* package range 1000000, starts at 900000 (the test writes that);
         * dram range 500000, starts at 300000. Each ends below its start, so
         * the one wrap is seen even if a sample misses the values between. */
        static const long long package[] = {950000, 990000, 100000, 300000};
        static const long long dram[] = {450000, 490000, 20000, 60000};
        for (int i = 0; i < 4; i++) {
            write_counter(argv[2], "intel-rapl:0", package[i]);
            write_counter(argv[2], "intel-rapl:0:0", dram[i]);
            sleep_s(0.1);
        }
    } else if (!strcmp(mode, "result") && argc > 2) {
        const char *fd_text = getenv("HMLCOST_RESULT_FD");
        FILE *out = fd_text ? fdopen(atoi(fd_text), "w") : stdout;
        if (!out)
            return 13;
        fprintf(out, "%s\n", argv[2]);
        fclose(out);
    } else if (!strcmp(mode, "env")) {
        const char *how = getenv("HML_TEST_MODE");
        how = how ? how : "ok";
        if (!strcmp(how, "exit3"))
            return 3;
        if (!strcmp(how, "segv"))
            raise(SIGSEGV);
        if (!strcmp(how, "hang"))
            for (;;)
                pause();
        sleep_s(0.05);
    } else if (!strcmp(mode, "daemon") && argc > 3) {
        pid_t child = fork();
        if (child == 0) {
            setsid();
            if (fork() == 0) {
                /* Written aside and renamed: FILE appears with the pid in it,
                 * however soon the daemon is killed once its parent exits. */
                char part[4096];
                snprintf(part, sizeof part, "%s.part", argv[3]);
                FILE *f = fopen(part, "w");
                if (f) {
                    fprintf(f, "%ld\n", (long)getpid());
                    fclose(f);
                    rename(part, argv[3]);
                }
                burn(atof(argv[2]));
                _exit(0);
            }
            _exit(0);
        }
        wait_child(child);
        while (access(argv[3], F_OK) != 0)
            sleep_s(0.001);
    } else if (!strcmp(mode, "stubborn")) {
        signal(SIGTERM, SIG_IGN);
        for (;;)
            pause();
    } else if (!strcmp(mode, "sleep") && argc > 2) {
        sleep_s(atof(argv[2]));
    } else if (!strcmp(mode, "exit") && argc > 2) {
        return atoi(argv[2]);
    } else {
        fprintf(stderr, "test_child: unknown mode '%s'\n", mode);
        return 64;
    }
    return 0;
}
