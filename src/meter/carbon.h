/* CO2 from energy: g = kWh x PUE x grid intensity (g/kWh). The intensity
 * comes from --grid-intensity, from the compiled-in country table
 * (carbon_table.c: Our World in Data, year per row) or the world average
 * (475 g/kWh, IEA 2019, CodeCarbon's default). */
#ifndef HMLCOST_METER_CARBON_H
#define HMLCOST_METER_CARBON_H

#include <stddef.h>

#include "common/error.h"

typedef struct carbon_country {
    const char *iso3;  /* ISO 3166-1 alpha-3, upper case */
    const char *name;
    int year;          /* the year of the figure */
    double g_per_kwh;
} carbon_country;

extern const carbon_country carbon_table[]; /* sorted by iso3 */
extern const size_t carbon_table_size;

/* The country with that code (case-insensitive), or NULL. */
const carbon_country *carbon_find_country(const char *iso3);

/* Fills g_per_kwh and a source text ("FRA France: Our World in Data, 2023")
 * for --country; an unknown code is a usage error. */
hml_status carbon_country_intensity(const char *iso3, double *g_per_kwh, char *source,
                                    size_t source_size, hml_err *err);

double carbon_co2_g(double kwh, double pue, double g_per_kwh);

#endif
