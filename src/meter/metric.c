#include "meter/metric.h"
#include "common/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int meter_metrics_set(meter_metrics *list, const char *name, double value, const char *unit,
                      const char *method)
{
    meter_metric *slot = (meter_metric *)meter_metrics_find(list, name);
    if (!slot) {
        if (list->count == list->capacity) {
            size_t cap = list->capacity ? list->capacity * 2 : 16;
            meter_metric *items = realloc(list->items, cap * sizeof *items);
            if (!items)
                return -1;
            list->items = items;
            list->capacity = cap;
        }
        slot = &list->items[list->count++];
        memset(slot, 0, sizeof *slot);
        text_copy(slot->name, sizeof slot->name, name);
    }
    slot->value = value;
    text_copy(slot->unit, sizeof slot->unit, unit);
    text_copy(slot->method, sizeof slot->method, method);
    return 0;
}

const meter_metric *meter_metrics_find(const meter_metrics *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return &list->items[i];
    return NULL;
}

void meter_metrics_free(meter_metrics *list)
{
    free(list->items);
    list->items = NULL;
    list->count = list->capacity = 0;
}
