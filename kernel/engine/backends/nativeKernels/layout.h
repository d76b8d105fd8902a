/**
 * How the kernels' arguments describe strided views: Int32Array layouts that native.ts writes and the
 * accessors here read. The module exports the field lists below as its `layout` description, and
 * native.ts checks at load that it writes exactly these.
 *
 * A view layout, for one to MAX_OPERANDS views of one shape: ndim, shape[ndim], then per operand its
 * offset and strides[ndim].
 * A matmul layout, for A (batch, M, K) and B (batch, K, N): batch, m, k, n, then per operand its offset
 * and its batch, row and column strides.
 */
#ifndef NATIVE_KERNELS_LAYOUT_H
#define NATIVE_KERNELS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

enum { MAX_DIMS = 16, MAX_OPERANDS = 3 };

/** The view layout's fields before the operands, then each operand's; `[ndim]` marks ndim values. */
#define VIEW_HEAD_FIELDS(X) X("ndim") X("shape[ndim]")
#define VIEW_OPERAND_FIELDS(X) X("offset") X("strides[ndim]")

static inline int layoutDims(const int32_t *layout) {
  return layout[0];
}

static inline const int32_t *layoutShape(const int32_t *layout) {
  return layout + 1;
}

/** Operand o's fields, read with operandOffset and operandStrides. */
static inline const int32_t *layoutOperand(const int32_t *layout, int o) {
  return layout + 1 + layout[0] + o * (1 + layout[0]);
}

static inline int32_t operandOffset(const int32_t *operand) {
  return operand[0];
}

static inline const int32_t *operandStrides(const int32_t *operand) {
  return operand + 1;
}

/** The length of a view layout of ndim dims and `operands` operands. */
static inline size_t layoutLength(int ndim, int operands) {
  return (size_t)(1 + ndim + operands * (1 + ndim));
}

/** The matmul layout's fields before the operands, then each operand's: (index, name). */
#define MATMUL_HEAD_FIELDS(X) X(MATMUL_BATCH, "batch") X(MATMUL_M, "m") X(MATMUL_K, "k") X(MATMUL_N, "n")
#define MATMUL_OPERAND_FIELDS(X)                                                                   \
  X(MATMUL_OFFSET, "offset") X(MATMUL_BATCH_STRIDE, "batchStride") X(MATMUL_ROW_STRIDE, "rowStride") \
  X(MATMUL_COL_STRIDE, "colStride")

#define LAYOUT_FIELD_INDEX(index, name) index,
enum { MATMUL_HEAD_FIELDS(LAYOUT_FIELD_INDEX) MATMUL_HEAD_LENGTH };
enum { MATMUL_OPERAND_FIELDS(LAYOUT_FIELD_INDEX) MATMUL_OPERAND_LENGTH };
enum { MATMUL_LAYOUT_LENGTH = MATMUL_HEAD_LENGTH + 2 * MATMUL_OPERAND_LENGTH };
#undef LAYOUT_FIELD_INDEX

/** Operand o's fields in a matmul layout (0: A, 1: B), indexed by MATMUL_OFFSET and the strides. */
static inline const int32_t *matmulOperand(const int32_t *layout, int o) {
  return layout + MATMUL_HEAD_LENGTH + o * MATMUL_OPERAND_LENGTH;
}

#endif
