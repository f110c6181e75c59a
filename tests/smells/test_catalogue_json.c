/* The smell catalogue as JSON (smells/catalogue_json.h): one object per smell
 * in the catalogue's order, with every documented field, and the arms of
 * each smell with their treatment and whether `--smell all` runs them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "smells/catalogue.h"
#include "smells/catalogue_json.h"

static const char *string_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v))
        fail_msg("%s is not a string", key);
    return v->valuestring;
}

static void every_smell_is_listed_with_its_fields(void **state)
{
    (void)state;
    cJSON *root = smell_catalogue_json();
    assert_non_null(root);
    size_t n;
    const smell_info *smells = smell_catalogue(&n);
    assert_int_equal(cJSON_GetArraySize(root), n);
    for (size_t i = 0; i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(root, (int)i);
        assert_string_equal(string_of(o, "id"), smells[i].id);
        assert_string_equal(string_of(o, "title"), smells[i].title);
        assert_string_equal(string_of(o, "changes"), smells[i].changes);
        assert_string_equal(string_of(o, "default_treatment"), smells[i].default_treatment);
        assert_string_equal(string_of(o, "doctor_family"), smells[i].doctor_family);
        const char *external = string_of(o, "external");
        const cJSON *placeholder = cJSON_GetObjectItemCaseSensitive(o, "external_placeholder");
        if (strcmp(external, "environment") == 0) {
            assert_int_equal(smells[i].external, SMELL_EXTERNAL_ENVIRONMENT);
        } else {
            assert_string_equal(external, "placeholder");
        }
        if (smells[i].placeholder)
            assert_string_equal(cJSON_GetStringValue(placeholder), smells[i].placeholder);
        else
            assert_true(cJSON_IsNull(placeholder));
        const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(o, "metrics");
        size_t m = 0;
        while (smells[i].metrics[m])
            m++;
        assert_int_equal(cJSON_GetArraySize(metrics), m);
        assert_true(m > 0);
        assert_string_equal(cJSON_GetArrayItem(metrics, 0)->valuestring, smells[i].metrics[0]);
    }
    cJSON_Delete(root);
}

/* Each smell lists its own arms only; its default arm is named like it. */
static void arms_belong_to_their_smell(void **state)
{
    (void)state;
    cJSON *root = smell_catalogue_json();
    assert_non_null(root);
    size_t arms_total = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, root)
    {
        const char *id = string_of(o, "id");
        const cJSON *arms = cJSON_GetObjectItemCaseSensitive(o, "arms");
        assert_true(cJSON_GetArraySize(arms) >= 1);
        bool own_default = false;
        const cJSON *a;
        cJSON_ArrayForEach(a, arms)
        {
            const smell_variant *v = smell_variant_find(string_of(a, "name"));
            assert_non_null(v);
            assert_string_equal(v->smell, id);
            assert_string_equal(string_of(a, "treatment"), v->treatment);
            assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "default")),
                             v->is_default);
            own_default |= strcmp(v->name, id) == 0 && v->is_default;
            arms_total++;
        }
        assert_true(own_default);
    }
    size_t n_variants;
    smell_variants(&n_variants);
    assert_int_equal(arms_total, n_variants);
    cJSON_Delete(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_smell_is_listed_with_its_fields),
        cmocka_unit_test(arms_belong_to_their_smell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
