#include "nn/cuda/device_select.h"

#include <stdio.h>
#include <string.h>

static const char *const known_devices[] = {"cpu", "cuda"};

hml_status nn_device_select(const char *requested, bool require, nn_device_choice *out,
                            hml_err *err)
{
    memset(out, 0, sizeof *out);
    const char *name = NULL;
    for (size_t i = 0; i < sizeof known_devices / sizeof known_devices[0]; i++)
        if (requested && strcmp(requested, known_devices[i]) == 0)
            name = known_devices[i];
    if (!name)
        return hml_fail(err, HML_EUSAGE, "--device: unknown device '%s' (use cpu or cuda)",
                        requested ? requested : "");
    out->requested = name;

    const nn_backend *backend = nn_backend_find(name);
    hml_err why = {0};
    if (!backend) {
        hml_fail(&why, HML_ESYSTEM,
                 "this hmlcost was built without the %s backend (HMLCOST_CUDA=OFF, or nvcc, "
                 "cudnn.h or cublas_v2.h not found when it was built)",
                 name);
    } else if (backend->available(&why) == HML_OK) {
        out->backend = backend;
        out->used = backend->device;
        return HML_OK;
    }
    if (require)
        return hml_fail(err, HML_ESYSTEM, "--require-device %s: %s", name, why.msg);

    out->backend = nn_backend_cpu();
    out->used = out->backend->device;
    snprintf(out->fallback_reason, sizeof out->fallback_reason, "%s", why.msg);
    return HML_OK;
}

void nn_device_fallback_warning(const nn_device_choice *choice, char *buf, size_t size)
{
    if (!choice->fallback_reason[0]) {
        if (size)
            buf[0] = '\0';
        return;
    }
    snprintf(buf, size,
             "warning: cannot use device %s: %s. Skipping the %s device; training on %s "
             "(--require-device makes this an error)",
             choice->requested, choice->fallback_reason, choice->requested, choice->used);
}
