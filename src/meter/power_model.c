#include "meter/power_model.h"
#include "common/text.h"
#include "meter/cpu_tdp.h"

#include <ctype.h>
#include <string.h>

static const double curve_load[] = {0.0, 0.10, 0.50, 1.00};
static const double curve_fraction[] = {0.12, 0.32, 0.75, 1.02};

double power_curve_fraction(double load)
{
    if (!(load > 0))
        return curve_fraction[0];
    if (load >= 1)
        return curve_fraction[3];
    size_t i = 1;
    while (load > curve_load[i])
        i++;
    double t = (load - curve_load[i - 1]) / (curve_load[i] - curve_load[i - 1]);
    return curve_fraction[i - 1] + t * (curve_fraction[i] - curve_fraction[i - 1]);
}

/* A method string is split on '+', ',' and ' ' by readers: keep a model
 * name to letters, digits, '.', '_' and '-'. */
static void method_word(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < size; p++) {
        unsigned char c = (unsigned char)*p;
        char keep = isalnum(c) || c == '.' || c == '_' ? (char)c : '-';
        if (keep == '-' && (n == 0 || out[n - 1] == '-'))
            continue;
        out[n++] = keep;
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
}

void power_model_init(power_model *pm, double given_tdp_w, const char *cpu_model,
                      int package_cpus, int allowed_cpus)
{
    memset(pm, 0, sizeof *pm);
    pm->package_cpus = package_cpus > 0 ? package_cpus : 1;
    pm->allowed_cpus = allowed_cpus > 0 ? allowed_cpus : 1;
    pm->share = (double)pm->allowed_cpus / pm->package_cpus;
    const char *host_model = cpu_model && *cpu_model ? cpu_model : "unknown";
    const cpu_tdp_entry *entry = NULL;
    cpu_tdp_match match = cpu_tdp_find(cpu_model, &entry);
    char word[56];
    if (given_tdp_w > 0) {
        pm->source = POWER_SOURCE_GIVEN;
        pm->package_tdp_w = given_tdp_w;
        text_format(pm->model, sizeof pm->model, "%s", host_model);
        text_format(pm->method, sizeof pm->method, "estimate:cpu-tdp-curve:%gW:given:%d-of-%d-cpus",
                    given_tdp_w, pm->allowed_cpus, pm->package_cpus);
        text_format(pm->note, sizeof pm->note,
                    "cpu energy estimated: --cpu-tdp %g W x %d/%d logical CPUs of the package x "
                    "the Teads load curve (band: linear to curve)",
                    given_tdp_w, pm->allowed_cpus, pm->package_cpus);
    } else if (entry) {
        pm->source = POWER_SOURCE_TABLE;
        pm->package_tdp_w = entry->tdp_w;
        text_format(pm->model, sizeof pm->model, "%s", entry->name);
        method_word(entry->name, word, sizeof word);
        text_format(pm->method, sizeof pm->method,
                    "estimate:cpu-tdp-curve:%gW:%s:codecarbon-cpu_power:%d-of-%d-cpus",
                    entry->tdp_w, word, pm->allowed_cpus, pm->package_cpus);
        text_format(pm->note, sizeof pm->note,
                    "cpu energy estimated: TDP %g W of %s (CodeCarbon's cpu_power.csv, %s match "
                    "of \"%s\") x %d/%d logical CPUs of the package x the Teads load curve "
                    "(band: linear to curve)",
                    entry->tdp_w, entry->name, match == CPU_TDP_EXACT ? "exact" : "word",
                    host_model, pm->allowed_cpus, pm->package_cpus);
    } else {
        pm->source = POWER_SOURCE_FALLBACK;
        pm->package_tdp_w = POWER_FALLBACK_W_PER_CPU * pm->package_cpus;
        text_format(pm->model, sizeof pm->model, "%s", host_model);
        text_format(pm->method, sizeof pm->method, "estimate:fallback:cpu-%gW-per-logical-cpu",
                    POWER_FALLBACK_W_PER_CPU);
        text_format(pm->note, sizeof pm->note,
                    "cpu energy estimated by the fallback, %g W per busy logical CPU "
                    "(CodeCarbon's constant): CPU model \"%s\" %s CodeCarbon's cpu_power.csv "
                    "(band: linear to the Teads load curve at %g W per CPU)",
                    POWER_FALLBACK_W_PER_CPU, host_model,
                    match == CPU_TDP_AMBIGUOUS ? "matches several TDPs in" : "is not in",
                    POWER_FALLBACK_W_PER_CPU);
    }
}

void power_integral_add(power_integral *pi, const power_model *pm, double t_s, double cpu_s)
{
    if (!(t_s > pi->from_s))
        return;
    double dt = t_s - pi->from_s;
    double dcpu = cpu_s > pi->cpu_s ? cpu_s - pi->cpu_s : 0;
    double load = dcpu / (dt * pm->allowed_cpus);
    pi->curve_j += pm->package_tdp_w * pm->share * power_curve_fraction(load) * dt;
    pi->from_s = t_s;
    pi->cpu_s = cpu_s;
}

void power_integral_joules(const power_integral *pi, const power_model *pm, double *central_j,
                           double *low_j, double *high_j)
{
    /* Linear in CPU time: the latest total, whatever the samples said before. */
    double curve = pi->curve_j, linear = pm->package_tdp_w / pm->package_cpus * pi->cpu_s;
    *central_j = pm->source == POWER_SOURCE_FALLBACK ? linear : curve;
    *low_j = curve < linear ? curve : linear;
    *high_j = curve < linear ? linear : curve;
}
