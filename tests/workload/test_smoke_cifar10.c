/* Smoke test on real data: one epoch on the first 2,000 CIFAR-10 training
 * images must reach more than 25 % on the first 1,000 test images (chance
 * is 10 %). Skipped (exit 77) when the data set is absent. */
#include <stdio.h>
#include <unistd.h>

#include "workload/workload.h"

int main(void)
{
    const char *dir = HMLCOST_SHARED_DATA "/cifar10";
    char probe[512];
    snprintf(probe, sizeof probe, "%s/data_batch_1.bin", dir);
    if (access(probe, R_OK) != 0) {
        printf("skipped: no CIFAR-10 at %s\n", dir);
        return 77;
    }
    workload_options opt;
    workload_options_defaults(&opt);
    opt.data = dir;
    opt.train_limit = 2000;
    opt.test_limit = 1000;
    opt.epochs = 1;
    opt.threads = 1; /* CTest runs tests side by side */
    workload_result r;
    hml_err err = {0};
    if (workload_run(&opt, NULL, NULL, &r, &err) != HML_OK) {
        printf("FAIL: %s\n", err.msg);
        return 1;
    }
    printf("1 epoch on 2,000 images: loss %.4f, accuracy %.4f on 1,000 test images, %.0f images/s\n",
           r.loss[0], r.accuracy, r.images_per_s);
    int ok = r.accuracy > 0.25 && r.test_images == 1000 && r.train_images == 2000;
    workload_result_free(&r);
    if (!ok) {
        printf("FAIL: accuracy must exceed 0.25\n");
        return 1;
    }
    return 0;
}
