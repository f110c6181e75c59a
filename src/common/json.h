/* Small cJSON helpers every JSON writer needs (result line, report, CLI). */
#ifndef HMLCOST_COMMON_JSON_H
#define HMLCOST_COMMON_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>

/* JSON has no NaN or infinity (cJSON would print them as null without
 * saying so): a number that is not finite becomes an explicit null. */
cJSON *json_number_or_null(double value);

/* A string, or null when text is NULL or empty. */
cJSON *json_string_or_null(const char *text);

/* text parsed as JSON (to embed a stored JSON text as it is), or null when
 * text is NULL or not JSON. */
cJSON *json_parsed_or_null(const char *text);

/* Adds item to object under key, or, when that fails (item NULL, memory
 * out), deletes item and returns false: cJSON leaves an item it could not
 * add to the caller, and a chain of adds has no other place to free it. */
bool json_add_item(cJSON *object, const char *key, cJSON *item);

#endif
