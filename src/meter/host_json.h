/* A run's host facts as a JSON object: the "host" of a Slurm run file and of
 * the JSON that `measure --json` and `run --json` print. */
#ifndef HMLCOST_METER_HOST_JSON_H
#define HMLCOST_METER_HOST_JSON_H

#include <stdbool.h>

#include <cJSON.h>

#include "meter/host.h"

/* {"hostname":..., "cpu_model":..., "cores":..., ...}; NULL when memory runs out. */
cJSON *meter_host_json(const meter_host *host);

/* The reverse; missing fields stay empty or 0. False when o is not an object. */
bool meter_host_from_json(const cJSON *o, meter_host *host);

#endif
