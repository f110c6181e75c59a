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

cJSON *json_string_array(char *const *list, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    bool ok = array != NULL;
    for (size_t i = 0; ok && i < count; i++)
        json_append(&ok, array, cJSON_CreateString(list[i]));
    if (!ok) {
        cJSON_Delete(array);
        return NULL;
    }
    return array;
}

cJSON *json_put(bool *ok, cJSON *object, const char *key, cJSON *item)
{
    if (!*ok || !object) {
        cJSON_Delete(item);
        *ok = false;
        return NULL;
    }
    *ok = json_add_item(object, key, item);
    return *ok ? item : NULL;
}

cJSON *json_append(bool *ok, cJSON *array, cJSON *item)
{
    *ok = *ok && array && item && cJSON_AddItemToArray(array, item);
    if (!*ok) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

cJSON *json_put_string(bool *ok, cJSON *object, const char *key, const char *text)
{
    return json_put(ok, object, key, *ok ? cJSON_CreateString(text) : NULL);
}

cJSON *json_put_number(bool *ok, cJSON *object, const char *key, double value)
{
    return json_put(ok, object, key, *ok ? cJSON_CreateNumber(value) : NULL);
}

cJSON *json_put_bool(bool *ok, cJSON *object, const char *key, bool value)
{
    return json_put(ok, object, key, *ok ? cJSON_CreateBool(value) : NULL);
}

cJSON *json_put_null(bool *ok, cJSON *object, const char *key)
{
    return json_put(ok, object, key, *ok ? cJSON_CreateNull() : NULL);
}

cJSON *json_put_object(bool *ok, cJSON *object, const char *key)
{
    return json_put(ok, object, key, *ok ? cJSON_CreateObject() : NULL);
}

cJSON *json_put_array(bool *ok, cJSON *object, const char *key)
{
    return json_put(ok, object, key, *ok ? cJSON_CreateArray() : NULL);
}
