/* A stand-in for libcuda.so.1 (the NVIDIA driver) whose answers are fixed
 * at compile time: FAKE_CUINIT (cuInit's CUresult: 0 ok, 34
 * CUDA_ERROR_STUB_LIBRARY as CUDA's stubs/libcuda.so answers, 100 no
 * device), FAKE_DRIVER_VERSION (e.g. 13000), FAKE_DEVICE_COUNT. Built for
 * the libpath smell's directories and the loader's tests; never a driver. */
#ifndef FAKE_CUINIT
#define FAKE_CUINIT 0
#endif
#ifndef FAKE_DRIVER_VERSION
#define FAKE_DRIVER_VERSION 13000
#endif
#ifndef FAKE_DEVICE_COUNT
#define FAKE_DEVICE_COUNT 1
#endif

int cuInit(unsigned flags);
int cuDriverGetVersion(int *version);
int cuDeviceGetCount(int *count);
int cuGetErrorName(int result, const char **name);

int cuInit(unsigned flags)
{
    (void)flags;
    return FAKE_CUINIT;
}

int cuDriverGetVersion(int *version)
{
    if (FAKE_CUINIT == 34)
        return 34;
    *version = FAKE_DRIVER_VERSION;
    return 0;
}

int cuDeviceGetCount(int *count)
{
    if (FAKE_CUINIT != 0)
        return FAKE_CUINIT;
    *count = FAKE_DEVICE_COUNT;
    return 0;
}

int cuGetErrorName(int result, const char **name)
{
    switch (result) {
    case 0: *name = "CUDA_SUCCESS"; return 0;
    case 34: *name = "CUDA_ERROR_STUB_LIBRARY"; return 0;
    case 35: *name = "CUDA_ERROR_INSUFFICIENT_DRIVER"; return 0;
    case 100: *name = "CUDA_ERROR_NO_DEVICE"; return 0;
    default: *name = 0; return 1;
    }
}
