/* The RAM energy estimate used where no DRAM counter can be read, with
 * CodeCarbon's constant: 0.375 W per GiB of resident memory, integrated over
 * the samples. (The CPU's is power_model.h.) */
#ifndef HMLCOST_METER_ESTIMATE_H
#define HMLCOST_METER_ESTIMATE_H

#include <stddef.h>

#include "meter/metric.h"

#define ESTIMATE_RAM_W_PER_GIB 0.375

/* RAM energy: 0.375 W/GiB x the integral of RSS over time. Each sample's RSS
 * stands for the time since the sample before (the last also until wall_s).
 * Without samples (a run
 * shorter than one interval), peak_rss x wall_s. method: the string naming
 * the constant. */
double estimate_ram_joules(const meter_sample *samples, size_t count, double wall_s,
                           double peak_rss_bytes, char *method, size_t method_size);

/* The running integral behind estimate_ram_joules, one sample at a time, so
 * that the meter can give each sample the RAM energy so far:
 *   estimate_ram_integral r = {0}; estimate_ram_add(&r, t, rss) per sample;
 *   estimate_ram_integral_joules(&r) = the RAM energy up to the last sample. */
typedef struct estimate_ram_integral {
    double from_s;       /* time of the latest sample (0 before the first) */
    double byte_seconds; /* integral of RSS over (0, from_s] */
} estimate_ram_integral;

void estimate_ram_add(estimate_ram_integral *r, double t_s, double rss_bytes);
double estimate_ram_integral_joules(const estimate_ram_integral *r);

#endif
