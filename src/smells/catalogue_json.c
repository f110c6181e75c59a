#include "smells/catalogue_json.h"

#include <string.h>

static cJSON *smell_json(const smell_info *s)
{
    size_t n_variants;
    const smell_variant *variants = smell_variants(&n_variants);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = cJSON_AddStringToObject(o, "id", s->id) &&
              cJSON_AddStringToObject(o, "title", s->title) &&
              cJSON_AddStringToObject(o, "changes", s->changes) &&
              cJSON_AddStringToObject(o, "default_treatment", s->default_treatment) &&
              cJSON_AddStringToObject(o, "external", s->external == SMELL_EXTERNAL_ENVIRONMENT
                                                         ? "environment"
                                                         : "placeholder") &&
              (s->placeholder ? cJSON_AddStringToObject(o, "external_placeholder", s->placeholder)
                              : cJSON_AddNullToObject(o, "external_placeholder")) &&
              cJSON_AddStringToObject(o, "doctor_family", s->doctor_family);
    cJSON *metrics = ok ? cJSON_AddArrayToObject(o, "metrics") : NULL;
    for (const char *const *m = s->metrics; metrics && *m; m++)
        ok = ok && cJSON_AddItemToArray(metrics, cJSON_CreateString(*m));
    cJSON *arms = ok && metrics ? cJSON_AddArrayToObject(o, "arms") : NULL;
    for (size_t v = 0; ok && arms && v < n_variants; v++) {
        if (strcmp(variants[v].smell, s->id) != 0)
            continue;
        cJSON *a = cJSON_CreateObject();
        ok = ok && a && cJSON_AddItemToArray(arms, a) &&
             cJSON_AddStringToObject(a, "name", variants[v].name) &&
             cJSON_AddStringToObject(a, "treatment", variants[v].treatment) &&
             cJSON_AddBoolToObject(a, "default", variants[v].is_default);
    }
    if (!ok || !arms) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *smell_catalogue_json(void)
{
    size_t n;
    const smell_info *smells = smell_catalogue(&n);
    cJSON *root = cJSON_CreateArray();
    for (size_t i = 0; root && i < n; i++) {
        cJSON *o = smell_json(&smells[i]);
        if (!o || !cJSON_AddItemToArray(root, o)) {
            cJSON_Delete(o);
            cJSON_Delete(root);
            return NULL;
        }
    }
    return root;
}
