#include "common/json.h"

#include <math.h>

cJSON *json_number_or_null(double value)
{
    return isfinite(value) ? cJSON_CreateNumber(value) : cJSON_CreateNull();
}

cJSON *json_string_or_null(const char *text)
{
    return text && *text ? cJSON_CreateString(text) : cJSON_CreateNull();
}

cJSON *json_parsed_or_null(const char *text)
{
    cJSON *parsed = text ? cJSON_Parse(text) : NULL;
    return parsed ? parsed : cJSON_CreateNull();
}

bool json_add_item(cJSON *object, const char *key, cJSON *item)
{
    if (item && cJSON_AddItemToObject(object, key, item))
        return true;
    cJSON_Delete(item);
    return false;
}
