/* Finding the GPU libraries at run time, as real frameworks do.
 *
 * The binary links none of libcuda, libcudnn, libcublas (the CUDA runtime is
 * linked statically and loads libcuda.so.1 itself): this probe dlopens each
 * by its versioned soname, so the dynamic loader -- LD_LIBRARY_PATH first,
 * then the ld.so cache and the system directories -- decides which file is
 * used, exactly as for TensorFlow or PyTorch. It then checks what it got:
 *   libcuda.so.1    every symbol we call; cuInit (CUDA_ERROR_STUB_LIBRARY =
 *                   CUDA's stubs/libcuda.so, a link-time stand-in); driver
 *                   supports our CUDA major; at least one device;
 *   libcudnn.so.9   every symbol; cudnnGetVersion major == 9 and >= the
 *                   oldest 9.x whose API we use; built for our CUDA major
 *                   (cudnnGetCudartVersion: a cuDNN 9 for CUDA 12 has the
 *                   same soname); its sub-libraries (graph, ops, cnn) load
 *                   and match (cudnn*VersionCheck);
 *   libcublas.so.13 every symbol; cublasGetProperty major == 13; and the
 *   libcublasLt.so.13 it pulls in has the same major.
 * Every library is probed even after one failed, so the message names all
 * of them (TensorFlow's "Cannot dlopen some GPU libraries").
 *
 * Plain C with no CUDA header, built in every configuration: the tests run
 * it against directories of fake libraries (tests/nn/cuda) on machines with
 * no CUDA at all. Never prints; the result says what happened. */
#ifndef HMLCOST_NN_CUDA_GPU_LIBS_H
#define HMLCOST_NN_CUDA_GPU_LIBS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum gpu_lib_id {
    GPU_LIB_DRIVER,   /* libcuda.so.1 */
    GPU_LIB_CUDNN,    /* libcudnn.so.<cudnn_major> */
    GPU_LIB_CUBLAS,   /* libcublas.so.<cublas_major> */
    GPU_LIB_CUBLASLT, /* libcublasLt.so.<cublas_major> */
    GPU_LIB_COUNT,
} gpu_lib_id;

/* Why a library cannot be used; the first failure is the probe's. */
typedef enum gpu_fail {
    GPU_OK = 0,
    GPU_FAIL_DLOPEN,    /* the dynamic loader did not find or could not load it */
    GPU_FAIL_SYMBOL,    /* loaded, but a function we call is missing */
    GPU_FAIL_VERSION,   /* another major/minor, or built for another CUDA */
    GPU_FAIL_STUB,      /* libcuda.so.1 is CUDA's stub library */
    GPU_FAIL_DRIVER,    /* cuInit failed, or the driver is older than our CUDA */
    GPU_FAIL_NO_DEVICE, /* the driver works but sees no device */
} gpu_fail;

/* What the backend was built against (the probe's yardstick). */
typedef struct gpu_libs_need {
    int cuda_major;        /* CUDA runtime major, e.g. 13: driver and cuDNN must fit */
    int cudnn_major;       /* 9: the soname and the version's major */
    long cudnn_min;        /* oldest cudnnGetVersion() accepted, e.g. 90000 */
    int cublas_major;      /* 13: the sonames and cublasGetProperty's major */
} gpu_libs_need;

typedef struct gpu_lib_info {
    char soname[40];     /* "libcudnn.so.9" */
    void *handle;        /* dlopen handle, NULL when not loaded; never closed */
    char path[512];      /* the file the loader picked (link map), "" when none */
    char version[32];    /* "9.14.0"; driver: the CUDA version it supports, "13.0" */
    double load_s;       /* dlopen and checks, seconds */
    gpu_fail fail;
    char error[600];     /* one line, "" when usable */
} gpu_lib_info;

typedef struct gpu_libs {
    gpu_lib_info lib[GPU_LIB_COUNT];
    int driver_version; /* cuDriverGetVersion, e.g. 13000; 0 when unknown */
    int device_count;
    gpu_fail fail;      /* the first library's failure in gpu_lib_id order */
    double probe_s;     /* the whole probe, seconds */
    char reason[1024];  /* one line naming every failure and LD_LIBRARY_PATH; "" when ok */
} gpu_libs;

/* Probes the libraries (see above) into *out. Loaded libraries stay loaded
 * (as in every framework; the loader shares them with later dlopen calls by
 * soname). Call before any CUDA runtime call, so that cudart picks up the
 * libcuda.so.1 checked here. */
void gpu_libs_probe(const gpu_libs_need *need, gpu_libs *out);

/* The process's probe: the first call probes, later ones return the same
 * result (the dynamic loader's state is per process anyway). */
const gpu_libs *gpu_libs_probe_once(const gpu_libs_need *need);

const char *gpu_lib_name(gpu_lib_id id); /* "cuda-driver", "cudnn", "cublas", "cublasLt" */
const char *gpu_fail_name(gpu_fail fail); /* "ok", "dlopen", "symbol", "version", ... */

/* LD_LIBRARY_PATH for a message: the value when short, else its entry
 * count with the first and last entries ("unset" when unset). */
void gpu_libs_describe_ld_path(char *buf, size_t size);

/* The directory of mismatched CUDA libraries built with hmlcost for the
 * libpath smell (a libcuda.so.1 that is CUDA's stub or a fake of it, a
 * libcudnn.so.9 built for CUDA 12, a libcublas.so.13 missing functions):
 * $HMLCOST_LIBPATH_FAKES/cuda-mismatch, else the build tree's when this
 * binary runs from that build tree, else
 * <exe>/../lib/hmlcost/libpath-fakes/cuda-mismatch. False when none exists. */
bool gpu_libs_mismatch_dir(char *buf, size_t size);

/* CUDA's stubs directory (holds the link-time libcuda.so stub), when present. */
bool gpu_libs_stubs_dir(char *buf, size_t size);

#endif
