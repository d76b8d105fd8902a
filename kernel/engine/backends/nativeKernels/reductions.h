/** The kernels along the last dim of one view: reductions (sum, max, min) and softmax. */
#ifndef NATIVE_KERNELS_REDUCTIONS_H
#define NATIVE_KERNELS_REDUCTIONS_H

#include <stdint.h>

/**
 * Folds the last dim of the one-operand view layout `layout` with op (ops.h) into contiguous `out`;
 * never merged away, so the walk sees it as a dim of its own.
 */
void reduceLastDim(int op, const float *source, const int32_t *layout, float *out);

/** softmax along the last dim, rows written contiguously; large inputs split over the pool. */
void softmaxLastDim(const float *source, const int32_t *layout, float *out);

#endif
