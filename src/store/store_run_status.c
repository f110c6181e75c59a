/* The names of a run's status, as stored and as users type them. */
#include "store/store.h"

#include <string.h>

static const char *const status_names[] = {"ok", "failed", "crashed", "timeout", "error"};

const char *store_run_status_name(store_run_status status)
{
    if ((unsigned)status < sizeof status_names / sizeof status_names[0])
        return status_names[status];
    return "error";
}

hml_status store_run_status_parse(const char *text, store_run_status *status, hml_err *err)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (text && strcmp(text, status_names[i]) == 0) {
            *status = (store_run_status)i;
            return HML_OK;
        }
    return hml_fail(err, HML_EUSAGE, "unknown run status '%s'", text ? text : "(null)");
}
