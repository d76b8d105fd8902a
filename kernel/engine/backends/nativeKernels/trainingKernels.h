/**
 * Fused kernels of training: softmax's backward, and layer normalisation forward and backward over the
 * last dim. Each reads contiguous rows of length n (native.ts gathers other layouts first) and splits
 * large inputs over the pool by rows.
 */
#ifndef NATIVE_KERNELS_TRAINING_KERNELS_H
#define NATIVE_KERNELS_TRAINING_KERNELS_H

/** dx = y·(g - Σ g·y) per row of the softmax output y and its gradient g, rows × n each. */
void softmaxBackwardRows(const float *grad, const float *out, long rows, long n, float *dx);

/**
 * out = (x - mean)·rstd·weight + bias per row, rstd = 1/√(biased variance + eps); weight and bias (n
 * each) may be NULL. Writes each row's mean and rstd, which the backward reads.
 */
void layerNormRows(const float *x, const float *weight, const float *bias, long rows, long n, float eps, float *out,
                   float *mean, float *rstd);

/**
 * The gradients of layerNormRows from the output's, g: dx (rows × n) always, dweight and dbias (n each,
 * Σ over rows of g·x̂ and g) where not NULL. weight may be NULL (as ones).
 */
void layerNormBackwardRows(const float *grad, const float *x, const float *mean, const float *rstd,
                           const float *weight, long rows, long n, float *dx, float *dweight, float *dbias);

#endif
