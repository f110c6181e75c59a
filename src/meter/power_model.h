/* The CPU power model used where no energy counter can be read.
 *
 * Power of the CPUs a run may use = package TDP x their share of the package
 * x a fraction of TDP that follows the load, interpolated linearly between
 * the points of the Teads/Boavizta curve:
 *     load   0 %   10 %   50 %   100 %
 *     TDP x  0.12  0.32   0.75   1.02
 * (Teads engineering, "Building an AWS EC2 carbon emissions dataset", 2021,
 * as used by Boavizta's API.) Load = CPU-seconds of the run / (seconds x the
 * CPUs it may use), per interval between two samples.
 *
 * The TDP is --cpu-tdp when given, else the CPU model's from cpu_tdp.h.
 * When the model is unknown, CodeCarbon's fallback: 4 W per logical CPU
 * (then as if the package's TDP were 4 W x its logical CPUs).
 *
 * Beside the curve, the linear model (TDP / logical CPUs of the package per
 * busy CPU: no idle share, no turbo) bounds the estimate: the band is
 * [min, max] of the two. The central figure is the curve, or for the
 * fallback the linear 4 W per busy CPU (CodeCarbon's own figure). */
#ifndef HMLCOST_METER_POWER_MODEL_H
#define HMLCOST_METER_POWER_MODEL_H

#include <stddef.h>

#define POWER_FALLBACK_W_PER_CPU 4.0

typedef enum power_source {
    POWER_SOURCE_TABLE,    /* the model's TDP from the compiled-in table */
    POWER_SOURCE_GIVEN,    /* --cpu-tdp */
    POWER_SOURCE_FALLBACK, /* unknown model: 4 W per logical CPU */
} power_source;

typedef struct power_model {
    power_source source;
    double package_tdp_w; /* fallback: 4 W x package_cpus */
    int package_cpus;     /* logical CPUs of one package */
    int allowed_cpus;     /* logical CPUs the run may use */
    double share;         /* allowed / package: > 1 when they span packages */
    char model[96];       /* the table's name of the model, or the host's string */
    char method[128];     /* "estimate:cpu-tdp-curve:280W:AMD-EPYC-7763:codecarbon:2-of-128-cpus" */
    char note[320];       /* one sentence for the run's notes */
} power_model;

/* Fraction of TDP drawn at load (0..1; clamped). */
double power_curve_fraction(double load);

/* given_tdp_w > 0: --cpu-tdp. cpu_model: the host's string ("" when unknown).
 * Counts below 1 are taken as 1. */
void power_model_init(power_model *pm, double given_tdp_w, const char *cpu_model,
                      int package_cpus, int allowed_cpus);

/* The running integral of both models over a run's samples:
 *   power_integral pi = {0}; power_integral_add(&pi, pm, t_s, cpu_s) per sample
 *   (cpu_s: the run's CPU-seconds so far), then power_integral_joules. */
typedef struct power_integral {
    double from_s, cpu_s; /* the latest point */
    double curve_j;       /* the curve over (0, from_s] */
} power_integral;

void power_integral_add(power_integral *pi, const power_model *pm, double t_s, double cpu_s);

/* The estimate so far: central, and the band (low <= central <= high). */
void power_integral_joules(const power_integral *pi, const power_model *pm, double *central_j,
                           double *low_j, double *high_j);

#endif
