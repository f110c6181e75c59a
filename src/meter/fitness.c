#include "meter/fitness.h"
#include "common/procfs.h"
#include "common/text.h"
#include "meter/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void read_load(const char *root, fitness_snapshot *s)
{
    char path[600], buf[256];
    text_format(path, sizeof path, "%s/proc/loadavg", root);
    s->have_load = procfs_read(path, buf, sizeof buf) == 0 && sscanf(buf, "%lf", &s->load1) == 1;
}

/* Busy time of the allowed CPUs from the per-CPU lines of /proc/stat:
 * "cpuN user nice system idle iowait irq softirq steal ..." (clock ticks). */
static void read_stat(const char *root, const bool *allowed, fitness_snapshot *s)
{
    char path[600];
    text_format(path, sizeof path, "%s/proc/stat", root);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    long ticks = sysconf(_SC_CLK_TCK);
    double tick_s = 1.0 / (ticks > 0 ? (double)ticks : 100.0);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        int cpu;
        unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
        if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &user, &nice,
                   &system, &idle, &iowait, &irq, &softirq, &steal) != 9)
            continue;
        if (cpu < 0 || cpu >= FITNESS_MAX_CPUS || !allowed[cpu])
            continue;
        s->busy_s += (double)(user + nice + system + irq + softirq + steal) * tick_s;
        s->have_stat = true;
    }
    fclose(f);
}

static void read_swap(const char *root, fitness_snapshot *s)
{
    char path[600];
    text_format(path, sizeof path, "%s/proc/vmstat", root);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char line[256];
    int found = 0;
    double pages = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long n;
        if (sscanf(line, "pswpin %llu", &n) == 1 || sscanf(line, "pswpout %llu", &n) == 1) {
            pages += (double)n;
            found++;
        }
    }
    fclose(f);
    s->have_swap = found == 2;
    s->swap_pages = pages;
}

static bool read_number(const char *path, double *value)
{
    char buf[64];
    char *end;
    if (procfs_read(path, buf, sizeof buf) != 0)
        return false;
    *value = strtod(buf, &end);
    return end != buf;
}

/* cpufreq and thermal_throttle come from machine-wide drivers: a kind of
 * file the first allowed CPU lacks is not looked for on the others (a VM has
 * neither, and each failed open costs). */
static void read_cpu_sysfs(const char *root, const bool *allowed, bool want_freq,
                           bool want_throttle, fitness_snapshot *s)
{
    double khz_sum = 0, throttles = 0;
    int freqs = 0, throttle_reads = 0, looked = 0;
    for (int cpu = 0; cpu < FITNESS_MAX_CPUS && looked < FITNESS_MAX_SYSFS_CPUS &&
                      (want_freq || want_throttle);
         cpu++) {
        if (!allowed[cpu])
            continue;
        looked++;
        char path[700];
        double v;
        if (want_freq) {
            text_format(path, sizeof path,
                        "%s/sys/devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq", root, cpu);
            if (read_number(path, &v)) {
                khz_sum += v;
                freqs++;
            } else if (looked == 1) {
                want_freq = false;
            }
        }
        static const char *const counts[] = {"core_throttle_count", "package_throttle_count"};
        int read_here = 0;
        for (size_t i = 0; want_throttle && i < 2; i++) {
            text_format(path, sizeof path, "%s/sys/devices/system/cpu/cpu%d/thermal_throttle/%s",
                        root, cpu, counts[i]);
            if (read_number(path, &v)) {
                throttles += v;
                throttle_reads++;
                read_here++;
            }
        }
        if (looked == 1 && read_here == 0)
            want_throttle = false;
    }
    s->have_freq = freqs > 0;
    s->freq_mhz = freqs ? khz_sum / freqs / 1000.0 : 0;
    s->have_throttle = throttle_reads > 0;
    s->throttle_events = throttles;
}

static void read_all(const char *root, const fitness_snapshot *before, fitness_snapshot *s)
{
    memset(s, 0, sizeof *s);
    if (!root)
        root = meter_host_root();
    bool allowed[FITNESS_MAX_CPUS];
    s->cpus = meter_allowed_cpus_read(root, allowed, FITNESS_MAX_CPUS);
    if (s->cpus <= 0)
        return; /* without the set, no per-CPU figure means anything */
    read_load(root, s);
    read_stat(root, allowed, s);
    read_swap(root, s);
    read_cpu_sysfs(root, allowed, !before || before->have_freq, !before || before->have_throttle,
                   s);
}

void fitness_read(const char *root, fitness_snapshot *s) { read_all(root, NULL, s); }

void fitness_read_after(const char *root, const fitness_snapshot *before, fitness_snapshot *after)
{
    read_all(root, before, after);
}

int fitness_add_metrics(const fitness_snapshot *before, const fitness_snapshot *after,
                        double run_cpu_s, double wall_s, meter_metrics *out)
{
    int e = 0;
    if (before->have_load)
        e |= meter_metrics_set(out, "fitness_load1_before", before->load1, "1", "proc:loadavg");
    if (after->have_load)
        e |= meter_metrics_set(out, "fitness_load1_after", after->load1, "1", "proc:loadavg");
    if (after->cpus > 0)
        e |= meter_metrics_set(out, "fitness_cpus", after->cpus, "1", "proc:self-status");
    if (before->have_stat && after->have_stat && before->cpus == after->cpus && wall_s > 0) {
        double others = (after->busy_s - before->busy_s - run_cpu_s) / wall_s;
        e |= meter_metrics_set(out, "fitness_other_cpu", others > 0 ? others : 0, "1",
                               "proc:stat");
    }
    if (before->have_swap && after->have_swap)
        e |= meter_metrics_set(out, "fitness_swap_pages", after->swap_pages - before->swap_pages,
                               "1", "proc:vmstat");
    if (before->have_freq)
        e |= meter_metrics_set(out, "fitness_cpu_mhz_before", before->freq_mhz, "MHz",
                               "sysfs:cpufreq");
    if (after->have_freq)
        e |= meter_metrics_set(out, "fitness_cpu_mhz_after", after->freq_mhz, "MHz",
                               "sysfs:cpufreq");
    if (before->have_throttle && after->have_throttle)
        e |= meter_metrics_set(out, "fitness_throttle_events",
                               after->throttle_events - before->throttle_events, "1",
                               "sysfs:thermal_throttle");
    return e ? -1 : 0;
}

bool fitness_busy(double own_cpu, double other_cpu, double cpus)
{
    if (!(cpus > 0))
        return false;
    return own_cpu + other_cpu >= FITNESS_FULL * cpus && other_cpu >= FITNESS_OTHERS * cpus;
}
