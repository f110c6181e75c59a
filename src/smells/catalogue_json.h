/* The smell catalogue as JSON, for `hmlcost smells --json` and for runs
 * that record which smells they measured. */
#ifndef HMLCOST_SMELLS_CATALOGUE_JSON_H
#define HMLCOST_SMELLS_CATALOGUE_JSON_H

#include <cjson/cJSON.h>

#include "smells/catalogue.h"

/* [{id, title, changes, default_treatment, external, external_placeholder,
 *   doctor_family, metrics: [..], arms: [{name, treatment, default}]}];
 * NULL when out of memory. The caller deletes it. */
cJSON *smell_catalogue_json(void);

#endif
