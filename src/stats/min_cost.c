#include "stats/min_cost.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *metric;
    stats_cost_family family;
} family_of[] = {
    {"wall_s", STATS_FAMILY_TIME},           {"cpu_s", STATS_FAMILY_TIME},
    {"peak_rss_bytes", STATS_FAMILY_MEMORY}, {"gpu_mem_bytes", STATS_FAMILY_MEMORY},
    {"energy_kwh", STATS_FAMILY_ENERGY},     {"co2_g", STATS_FAMILY_ENERGY},
};

static const char *family_names[STATS_FAMILY_COUNT] = {"time", "memory", "energy"};

void stats_min_cost_default(stats_min_cost *mc)
{
    memset(mc, 0, sizeof *mc);
    for (int f = 0; f < STATS_FAMILY_COUNT; f++)
        mc->family[f] = STATS_MIN_COST_DEFAULT;
}

const char *stats_cost_family_name(stats_cost_family f)
{
    return f >= 0 && f < STATS_FAMILY_COUNT ? family_names[f] : "?";
}

int stats_cost_family_of(const char *metric)
{
    for (size_t i = 0; i < sizeof family_of / sizeof *family_of; i++)
        if (strcmp(family_of[i].metric, metric) == 0)
            return (int)family_of[i].family;
    return -1;
}

/* "2%", "2 %", "0.5" -> 0.02, 0.02, 0.005 */
static hml_status parse_percent(const char *item, const char *text, double *out, hml_err *err)
{
    char *end;
    double v = strtod(text, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (*end == '%')
        end++;
    while (isspace((unsigned char)*end))
        end++;
    if (end == text || *end || !isfinite(v) || !(v > 0 && v <= 90))
        return hml_fail(err, HML_EUSAGE,
                        "--min-cost: '%s' is not a percentage in (0, 90], e.g. 2%%", item);
    *out = v / 100;
    return HML_OK;
}

static hml_status apply_item(stats_min_cost *mc, char *item, hml_err *err)
{
    char *eq = strchr(item, '=');
    double v;
    if (!eq) {
        hml_status st = parse_percent(item, item, &v, err);
        if (st != HML_OK)
            return st;
        for (int f = 0; f < STATS_FAMILY_COUNT; f++)
            mc->family[f] = v;
        mc->n_metric = 0; /* "2%" says: this threshold for everything */
        return HML_OK;
    }
    *eq = '\0';
    const char *name = item, *value = eq + 1;
    hml_status st = parse_percent(value, value, &v, err);
    if (st != HML_OK)
        return st;
    for (int f = 0; f < STATS_FAMILY_COUNT; f++)
        if (strcmp(name, family_names[f]) == 0) {
            mc->family[f] = v;
            return HML_OK;
        }
    if (stats_cost_family_of(name) < 0)
        return hml_fail(err, HML_EUSAGE,
                        "--min-cost: '%s' is neither a family (time, memory, energy) nor a cost "
                        "metric (wall_s, cpu_s, peak_rss_bytes, gpu_mem_bytes, energy_kwh, co2_g)",
                        name);
    for (size_t i = 0; i < mc->n_metric; i++)
        if (strcmp(mc->metric[i].name, name) == 0) {
            mc->metric[i].value = v;
            return HML_OK;
        }
    if (mc->n_metric == STATS_MIN_COST_MAX_METRICS)
        return hml_fail(err, HML_EUSAGE, "--min-cost: too many metric overrides");
    snprintf(mc->metric[mc->n_metric].name, sizeof mc->metric[0].name, "%s", name);
    mc->metric[mc->n_metric++].value = v;
    return HML_OK;
}

hml_status stats_min_cost_parse(stats_min_cost *mc, const char *text, hml_err *err)
{
    if (!text || !text[0])
        return hml_fail(err, HML_EUSAGE, "--min-cost: empty; give e.g. 2%% or memory=5%%");
    char copy[512];
    if (strlen(text) >= sizeof copy)
        return hml_fail(err, HML_EUSAGE, "--min-cost: the list is too long");
    snprintf(copy, sizeof copy, "%s", text);
    stats_min_cost next = *mc; /* all or nothing: a bad item changes nothing */
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*item))
            item++;
        hml_status st = apply_item(&next, item, err);
        if (st != HML_OK)
            return st;
    }
    *mc = next;
    return HML_OK;
}

void stats_min_cost_format(const stats_min_cost *mc, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int f = 0; f < STATS_FAMILY_COUNT && used < size; f++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%.6g%%", f ? "," : "",
                                 family_names[f], 100 * mc->family[f]);
    for (size_t i = 0; i < mc->n_metric && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, ",%s=%.6g%%", mc->metric[i].name,
                                 100 * mc->metric[i].value);
}

double stats_min_cost_for(const stats_min_cost *mc, const char *name)
{
    for (size_t i = 0; i < mc->n_metric; i++)
        if (strcmp(mc->metric[i].name, name) == 0)
            return mc->metric[i].value;
    int f = stats_cost_family_of(name);
    return f < 0 ? NAN : mc->family[f];
}
