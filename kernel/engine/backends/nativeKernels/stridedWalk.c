/**
 * Reading view layouts into walks (stridedWalk.h): the dims of size 1 dropped, adjacent dims merged
 * where every operand's strides chain, so a contiguous tensor becomes a single row.
 */
#include "stridedWalk.h"

/** Fills `walk` from the first `ndim` dims of `shape` and of each operand's fields (layout.h). */
static void mergeDims(Walk *walk, int ndim, const int32_t *shape, int operands, const int32_t *const operand[]) {
  walk->operands = operands;
  for (int o = 0; o < operands; o++) walk->offset[o] = operandOffset(operand[o]);
  // Keep dims of size != 1, then merge d into d+1 when every operand's strides chain.
  int kept = 0;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] == 1) continue;
    walk->shape[kept] = shape[d];
    for (int o = 0; o < operands; o++) walk->strides[o][kept] = operandStrides(operand[o])[d];
    kept++;
  }
  int merged = 0;
  for (int d = 0; d < kept; d++) {
    if (merged > 0) {
      int chains = 1;
      for (int o = 0; o < operands; o++) {
        if (walk->strides[o][merged - 1] != walk->strides[o][d] * walk->shape[d]) chains = 0;
      }
      if (chains) {
        walk->shape[merged - 1] *= walk->shape[d];
        for (int o = 0; o < operands; o++) walk->strides[o][merged - 1] = walk->strides[o][d];
        continue;
      }
    }
    walk->shape[merged] = walk->shape[d];
    for (int o = 0; o < operands; o++) walk->strides[o][merged] = walk->strides[o][d];
    merged++;
  }
  if (merged == 0) {
    walk->shape[0] = 1;
    for (int o = 0; o < operands; o++) walk->strides[o][0] = 0;
    merged = 1;
  }
  walk->ndim = merged;
}

int readWalk(const int32_t *layout, size_t length, int operands, Walk *walk) {
  int ndim = layoutDims(layout);
  if (ndim < 0 || ndim > MAX_DIMS || length < layoutLength(ndim, operands)) return 0;
  const int32_t *operand[MAX_OPERANDS];
  for (int o = 0; o < operands; o++) operand[o] = layoutOperand(layout, o);
  mergeDims(walk, ndim, layoutShape(layout), operands, operand);
  return 1;
}

void readRowWalk(const int32_t *layout, Walk *walk, long *n, long *stride) {
  int ndim = layoutDims(layout);
  const int32_t *operand = layoutOperand(layout, 0);
  *n = layoutShape(layout)[ndim - 1];
  *stride = operandStrides(operand)[ndim - 1];
  mergeDims(walk, ndim - 1, layoutShape(layout), 1, &operand);
}
