#include "runner/plan_arm_spec.h"

#include <string.h>

/* The NAME before the colon (or the whole spec) into name. */
static hml_status spec_name(const char *spec, const char *colon, char *name, size_t size,
                            hml_err *err)
{
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len >= size)
        return hml_fail(err, HML_EUSAGE, "name too long in '%s'", spec);
    memcpy(name, spec, len);
    name[len] = '\0';
    return HML_OK;
}

hml_status plan_add_arm_spec(plan *p, const char *spec, hml_err *err)
{
    const char *colon = strchr(spec, ':');
    char name[80];
    plan_arm *arm = NULL;
    hml_status status = spec_name(spec, colon, name, sizeof name, err);
    if (status == HML_OK)
        status = plan_add_arm(p, name, &arm, err);
    if (status == HML_OK && colon)
        status = plan_arm_add_env_list(arm, colon + 1, err);
    return status;
}

hml_status plan_add_arm_args_spec(plan *p, const char *spec, hml_err *err)
{
    const char *colon = strchr(spec, ':');
    if (!colon)
        return hml_fail(err, HML_EUSAGE, "expected 'NAME:ARGS', got '%s'", spec);
    char name[80];
    hml_status status = spec_name(spec, colon, name, sizeof name, err);
    if (status != HML_OK)
        return status;
    plan_arm *arm = plan_find_arm(p, name);
    if (!arm)
        return hml_fail(err, HML_EUSAGE, "no arm is called '%s'", name);
    return plan_arm_add_arg_list(arm, colon + 1, err);
}
