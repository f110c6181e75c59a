#include "nn/backend.h"

#include <string.h>

const nn_backend *nn_backend_find(const char *device)
{
    if (!device)
        return NULL;
    if (strcmp(device, "cpu") == 0)
        return nn_backend_cpu();
#ifdef HMLCOST_HAVE_CUDA
    if (strcmp(device, "cuda") == 0)
        return nn_backend_cuda();
#endif
    return NULL;
}
