/* Softmax cross-entropy over a batch of logits, shared by the backends
 * (a GPU backend may compute it on the device, with the same formula). */
#ifndef HMLCOST_NN_LOSS_H
#define HMLCOST_NN_LOSS_H

#include <stdint.h>

/* logits: (n, classes). Returns the summed (not mean) loss
 * -log softmax(logits)[label], accumulated in double. When diff is not
 * NULL, writes dL/dlogits of the MEAN loss: (softmax - onehot) / n.
 * When correct is not NULL, adds the number of rows whose argmax (first
 * maximum) equals the label. */
double nn_softmax_cross_entropy(const float *logits, const int32_t *labels, int n, int classes,
                                float *diff, int *correct);

#endif
