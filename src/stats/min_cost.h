/* The smallest cost of interest: how much more time, memory or energy a
 * smell must cost, relative to its baseline, before a verdict calls it a
 * cost. One threshold per metric family, with per-metric overrides. */
#ifndef HMLCOST_STATS_MIN_COST_H
#define HMLCOST_STATS_MIN_COST_H

#include <stddef.h>

#include "common/error.h"

/* 2 %: above the run-to-run noise of a quiet machine, below what a user who
 * pays for compute would shrug off. */
#define STATS_MIN_COST_DEFAULT 0.02

typedef enum stats_cost_family {
    STATS_FAMILY_TIME,   /* wall_s, cpu_s */
    STATS_FAMILY_MEMORY, /* peak_rss_bytes, gpu_mem_bytes */
    STATS_FAMILY_ENERGY, /* energy_kwh, co2_g */
    STATS_FAMILY_COUNT,
} stats_cost_family;

#define STATS_MIN_COST_MAX_METRICS 8

typedef struct stats_min_cost {
    double family[STATS_FAMILY_COUNT]; /* fractions: 0.02 = 2 % */
    struct {
        char name[32];
        double value;
    } metric[STATS_MIN_COST_MAX_METRICS]; /* overrides, in the order given */
    size_t n_metric;
} stats_min_cost;

/* Every family at STATS_MIN_COST_DEFAULT, no overrides. */
void stats_min_cost_default(stats_min_cost *mc);

/* Applies a comma-separated list of settings on top of *mc:
 *   "2%"                 every family
 *   "memory=5%"          one family (time, memory, energy)
 *   "peak_rss_bytes=1%"  one cost metric (wall_s, cpu_s, peak_rss_bytes,
 *                        gpu_mem_bytes, energy_kwh, co2_g)
 * A value is a percentage ("2%", "0.5 %") or a bare number read as a
 * percentage; it must lie in (0, 90] %. Usage error naming the bad item. */
hml_status stats_min_cost_parse(stats_min_cost *mc, const char *text, hml_err *err);

/* The canonical text of *mc, which stats_min_cost_parse reads back to the
 * same settings: "time=2%,memory=2%,energy=2%[,metric=x%...]". */
void stats_min_cost_format(const stats_min_cost *mc, char *buf, size_t size);

/* The threshold of metric `name` (an override, else its family's); NaN for a
 * metric outside the families. */
double stats_min_cost_for(const stats_min_cost *mc, const char *name);

/* "time", "memory", "energy"; the family of a metric name, or -1. */
const char *stats_cost_family_name(stats_cost_family f);
int stats_cost_family_of(const char *metric);

#endif
