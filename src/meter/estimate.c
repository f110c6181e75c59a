#include "meter/estimate.h"
#include "common/text.h"

#include <stdio.h>

void estimate_ram_add(estimate_ram_integral *r, double t_s, double rss_bytes)
{
    /* This sample stands for (previous sample, t_s]. */
    if (t_s > r->from_s) {
        r->byte_seconds += rss_bytes * (t_s - r->from_s);
        r->from_s = t_s;
    }
}

double estimate_ram_integral_joules(const estimate_ram_integral *r)
{
    const double gib = 1024.0 * 1024.0 * 1024.0;
    return ESTIMATE_RAM_W_PER_GIB * r->byte_seconds / gib;
}

double estimate_ram_joules(const meter_sample *samples, size_t count, double wall_s,
                           double peak_rss_bytes, char *method, size_t method_size)
{
    text_format(method, method_size, "estimate:ram-%gW-per-GiB", ESTIMATE_RAM_W_PER_GIB);
    estimate_ram_integral r = {0};
    if (count == 0) {
        r.byte_seconds = peak_rss_bytes * wall_s;
    } else {
        /* Sample i stands for (t[i-1], t[i]]; the last also for (t[n-1], wall]. */
        for (size_t i = 0; i < count; i++)
            estimate_ram_add(&r, samples[i].t_s, samples[i].rss_bytes);
        estimate_ram_add(&r, wall_s, samples[count - 1].rss_bytes);
    }
    return estimate_ram_integral_joules(&r);
}
