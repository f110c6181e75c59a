/* Small cJSON helpers every JSON writer needs (result line, report, CLI). */
#ifndef HMLCOST_COMMON_JSON_H
#define HMLCOST_COMMON_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

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

/* An array of the count strings of list, or NULL when memory runs out. */
cJSON *json_string_array(char *const *list, size_t count);

/* A document built in many steps, checked once at the end: each json_put*
 * adds to object (json_append to array) while *ok holds, and on any failure
 * (memory out, object NULL) deletes what it was given and clears *ok, so
 * every later step does nothing and the builder deletes the part it has.
 * Each returns the added item, or NULL. */
cJSON *json_put(bool *ok, cJSON *object, const char *key, cJSON *item);
cJSON *json_append(bool *ok, cJSON *array, cJSON *item);
cJSON *json_put_string(bool *ok, cJSON *object, const char *key, const char *text);
cJSON *json_put_number(bool *ok, cJSON *object, const char *key, double value);
cJSON *json_put_bool(bool *ok, cJSON *object, const char *key, bool value);
cJSON *json_put_null(bool *ok, cJSON *object, const char *key);
cJSON *json_put_object(bool *ok, cJSON *object, const char *key);
cJSON *json_put_array(bool *ok, cJSON *object, const char *key);

#endif
