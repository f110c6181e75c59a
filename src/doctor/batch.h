/* The reference CNN's memory at a batch size, from its layer shapes
 * (nn/model_spec.h: the study's 4-conv CNN on 3x32x32 CIFAR-10 images). */
#ifndef HMLCOST_DOCTOR_BATCH_H
#define HMLCOST_DOCTOR_BATCH_H

typedef struct doctor_model_memory {
    unsigned long long parameters;       /* weights + biases: 1,250,858 */
    unsigned long long activations_per_image; /* floats kept for the backward pass */
    unsigned long long gradients_per_image;   /* floats of activation gradients */
    unsigned long long bytes;            /* total at the batch: see doctor_model_memory_at */
} doctor_model_memory;

/* Activations (every layer's output and the input) + activation gradients
 * for batch images, plus parameters, their gradients and two optimizer
 * moments (Adam's m and v: the upper end), all 32-bit floats. */
doctor_model_memory doctor_model_memory_at(long batch);

#endif
