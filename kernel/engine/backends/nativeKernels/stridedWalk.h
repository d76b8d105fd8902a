/**
 * Strided iteration: operands of one shape, adjacent dims merged where every operand allows it, visited
 * row by row along the innermost dim. beginRows and nextRow are inline: the kernels call them per row.
 */
#ifndef NATIVE_KERNELS_STRIDED_WALK_H
#define NATIVE_KERNELS_STRIDED_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "layout.h"

typedef struct {
  int ndim;
  int operands;
  long shape[MAX_DIMS];
  long offset[MAX_OPERANDS];
  long strides[MAX_OPERANDS][MAX_DIMS];
} Walk;

/** Reads a view layout (layout.h) of `operands` operands and merges dims; 0 when `length` is too short. */
int readWalk(const int32_t *layout, size_t length, int operands, Walk *walk);

/**
 * For ops along the last dim of a one-operand layout: a walk over the view without that dim (its
 * innermost dim is itself a dim of rows, each element a row), and the dim's length and stride.
 */
void readRowWalk(const int32_t *layout, Walk *walk, long *n, long *stride);

/** Rows of the innermost dim: row r's start per operand in starts[o], r counting in row-major order. */
typedef struct {
  const Walk *walk;
  long index[MAX_DIMS];
  long starts[MAX_OPERANDS];
  long rows;
} Rows;

static inline void beginRows(const Walk *walk, Rows *rows) {
  rows->walk = walk;
  rows->rows = 1;
  for (int d = 0; d < walk->ndim - 1; d++) rows->rows *= walk->shape[d];
  memset(rows->index, 0, sizeof rows->index);
  for (int o = 0; o < walk->operands; o++) rows->starts[o] = walk->offset[o];
}

static inline void nextRow(Rows *rows) {
  const Walk *walk = rows->walk;
  for (int d = walk->ndim - 2; d >= 0; d--) {
    rows->index[d]++;
    for (int o = 0; o < walk->operands; o++) rows->starts[o] += walk->strides[o][d];
    if (rows->index[d] < walk->shape[d]) return;
    for (int o = 0; o < walk->operands; o++) rows->starts[o] -= walk->strides[o][d] * walk->shape[d];
    rows->index[d] = 0;
  }
}

#endif
