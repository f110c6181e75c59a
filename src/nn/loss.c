#include "nn/loss.h"

#include <math.h>

double nn_softmax_cross_entropy(const float *logits, const int32_t *labels, int n, int classes,
                                float *diff, int *correct)
{
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        const float *row = logits + (long)i * classes;
        int argmax = 0;
        for (int k = 1; k < classes; k++)
            if (row[k] > row[argmax])
                argmax = k;
        /* Subtract the max before exp: stable for any logit size. */
        double max = row[argmax], sum = 0.0;
        for (int k = 0; k < classes; k++)
            sum += exp((double)row[k] - max);
        double log_sum = log(sum);
        total += log_sum - ((double)row[labels[i]] - max);
        if (correct && argmax == labels[i])
            (*correct)++;
        if (diff) {
            float *d = diff + (long)i * classes;
            for (int k = 0; k < classes; k++) {
                double prob = exp((double)row[k] - max - log_sum);
                d[k] = (float)((prob - (k == labels[i] ? 1.0 : 0.0)) / n);
            }
        }
    }
    return total;
}
