/* A helper for test_gpu_libs (and for people): what the GPU library probe
 * and the device choice make of this process's environment. The dynamic
 * loader reads LD_LIBRARY_PATH once, at start-up, so each scenario is a
 * fresh process of this program.
 *   gpu_libs_probe probe [cuda_major cudnn_major cudnn_min cublas_major]
 *   gpu_libs_probe select <device> <require: 0|1>
 *   gpu_libs_probe dirs
 * Prints key=value lines on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/cuda/device_select.h"
#include "nn/cuda/gpu_libs.h"

static int probe(int argc, char **argv)
{
    gpu_libs_need need = {.cuda_major = 13, .cudnn_major = 9, .cudnn_min = 90000, .cublas_major = 13};
    if (argc == 6) {
        need.cuda_major = atoi(argv[2]);
        need.cudnn_major = atoi(argv[3]);
        need.cudnn_min = atol(argv[4]);
        need.cublas_major = atoi(argv[5]);
    }
    gpu_libs libs;
    gpu_libs_probe(&need, &libs);
    printf("fail=%s\n", gpu_fail_name(libs.fail));
    for (int i = 0; i < GPU_LIB_COUNT; i++) {
        const gpu_lib_info *lib = &libs.lib[i];
        printf("lib=%s fail=%s version=%s path=%s load_s=%.4f\n", gpu_lib_name((gpu_lib_id)i),
               gpu_fail_name(lib->fail), lib->version, lib->path, lib->load_s);
        if (lib->error[0])
            printf("error.%s=%s\n", gpu_lib_name((gpu_lib_id)i), lib->error);
    }
    printf("devices=%d driver=%d probe_s=%.4f\n", libs.device_count, libs.driver_version,
           libs.probe_s);
    printf("reason=%s\n", libs.reason);
    return 0;
}

static int select_device(char **argv)
{
    nn_device_choice choice;
    hml_err err = {0};
    if (nn_device_select(argv[2], atoi(argv[3]) != 0, &choice, &err) != HML_OK) {
        printf("status=%d\nerror=%s\n", (int)err.status, err.msg);
        return 0;
    }
    char warning[1400];
    nn_device_fallback_warning(&choice, warning, sizeof warning);
    printf("status=0\nrequested=%s\nused=%s\nreason=%s\nwarning=%s\n", choice.requested,
           choice.used, choice.fallback_reason, warning);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "probe") == 0 && (argc == 2 || argc == 6))
        return probe(argc, argv);
    if (argc == 4 && strcmp(argv[1], "select") == 0)
        return select_device(argv);
    if (argc == 2 && strcmp(argv[1], "dirs") == 0) {
        char buf[4096];
        printf("mismatch=%s\n", gpu_libs_mismatch_dir(buf, sizeof buf) ? buf : "");
        printf("stubs=%s\n", gpu_libs_stubs_dir(buf, sizeof buf) ? buf : "");
        return 0;
    }
    fprintf(stderr, "usage: gpu_libs_probe probe [cuda cudnn cudnn_min cublas] | select DEV REQUIRE | dirs\n");
    return 2;
}
