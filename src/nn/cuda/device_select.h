/* Choosing the backend for --device, with the fallback real frameworks
 * have: asked for cuda where it cannot run (built without it, GPU libraries
 * missing or of the wrong version, CUDA's stub driver, no device), train on
 * the cpu backend and say why -- TensorFlow's "Cannot dlopen some GPU
 * libraries ... Skipping registering GPU devices" -- unless the user
 * required the device (--require-device): then it is an error.
 *
 * The workload records the choice in its result line: device_requested =
 * requested, device_used = used, fallback_reason (null when ""). */
#ifndef HMLCOST_NN_CUDA_DEVICE_SELECT_H
#define HMLCOST_NN_CUDA_DEVICE_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "nn/backend.h"

typedef struct nn_device_choice {
    const nn_backend *backend; /* the one to train with */
    const char *requested;     /* "cpu", "cuda" (static) */
    const char *used;          /* backend->device */
    char fallback_reason[1024]; /* one line, "" when used == requested */
} nn_device_choice;

/* Picks the backend for `requested`. An unknown name is a usage error
 * (HML_EUSAGE). A known device that cannot run here falls back to cpu with
 * out->fallback_reason set; with `require` it fails instead (HML_ESYSTEM,
 * the reason in err). */
hml_status nn_device_select(const char *requested, bool require, nn_device_choice *out,
                            hml_err *err);

/* The warning for a fallback, for the CLI to print after "hmlcost: "
 * ("" when there was none). */
void nn_device_fallback_warning(const nn_device_choice *choice, char *buf, size_t size);

#endif
