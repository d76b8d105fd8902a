/**
 * Fused kernels of training: softmax's backward, layer normalisation forward and backward over the
 * last dim, and the Adam optimizer's update of one parameter. Each reads contiguous rows of length n (native.ts gathers other layouts first) and splits
 * large inputs over the pool by rows.
 */
#ifndef NATIVE_KERNELS_TRAINING_KERNELS_H
#define NATIVE_KERNELS_TRAINING_KERNELS_H

/** dx = g where y > 0, else 0: relu's gradient from its output y and the output's gradient g, n each. */
void reluBackwardElements(const float *grad, const float *out, long n, float *dx);

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

/**
 * One Adam step's numbers (backend.ts AdamStepScalars), each rounded once from its double as torch rounds
 * its scalars: 1 - beta2 from the double is 0.001f, from 0.999f it would be 1.3e-5 off. maximize is 0 or 1.
 */
typedef struct {
  float beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps, weightDecay, paramScale, stepSize, biasCorrection2Sqrt;
  int maximize;
} AdamScalars;

/**
 * Adam's (and AdamW's) update of n floats in place, in torch 1.13's order: param, expAvg, expAvgSq and,
 * where not NULL, AMSGrad's maxExpAvgSq, from grad.
 */
void adamStepElements(float *param, const float *grad, float *expAvg, float *expAvgSq, float *maxExpAvgSq, long n,
                      const AdamScalars *scalars);

#endif
