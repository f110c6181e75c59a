#include "meter/carbon.h"
#include "common/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_iso3(const void *key, const void *entry)
{
    return strcmp((const char *)key, ((const carbon_country *)entry)->iso3);
}

const carbon_country *carbon_find_country(const char *iso3)
{
    if (!iso3 || strlen(iso3) != 3)
        return NULL;
    char upper[4];
    for (int i = 0; i < 3; i++)
        upper[i] = (char)toupper((unsigned char)iso3[i]);
    upper[3] = '\0';
    return bsearch(upper, carbon_table, carbon_table_size, sizeof carbon_table[0], compare_iso3);
}

hml_status carbon_country_intensity(const char *iso3, double *g_per_kwh, char *source,
                                    size_t source_size, hml_err *err)
{
    const carbon_country *c = carbon_find_country(iso3);
    if (!c)
        return hml_fail(err, HML_EUSAGE,
                        "--country: unknown country code '%s' (an ISO 3166-1 alpha-3 code such "
                        "as USA, DEU, FRA; or give --grid-intensity)",
                        iso3 ? iso3 : "");
    *g_per_kwh = c->g_per_kwh;
    text_format(source, source_size, "%s %s: Our World in Data, %d", c->iso3, c->name, c->year);
    return HML_OK;
}

double carbon_co2_g(double kwh, double pue, double g_per_kwh) { return kwh * pue * g_per_kwh; }
