/** The elementwise kernels' row functions and their split over the pool (elementwise.h). */
#include "elementwise.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "threadPool.h"
#include "vectorMath.h"

static void elementwisePart(void *context, int part, int parts) {
  const ElementwiseJob *job = context;
  Rows rows;
  beginRows(&job->walk, &rows);
  int last = job->walk.ndim - 1;
  long n = job->walk.shape[last];
  if (rows.rows == 1) {
    job->row(job, rows.starts, job->out, n * part / parts, n * (part + 1) / parts);
    return;
  }
  long first = rows.rows * part / parts, end = rows.rows * (part + 1) / parts;
  // Seek to row `first`: its index in the outer dims, and every operand's start.
  long remaining = first;
  for (int d = last - 1; d >= 0; d--) {
    rows.index[d] = remaining % job->walk.shape[d];
    remaining /= job->walk.shape[d];
    for (int o = 0; o < job->walk.operands; o++) rows.starts[o] += rows.index[d] * job->walk.strides[o][d];
  }
  for (long r = first; r < end; r++, nextRow(&rows)) job->row(job, rows.starts, (char *)job->out + r * n * job->outBytes, 0, n);
}

enum { TILE = 8 };

/**
 * A copy whose two innermost dims are transposed in the source (its next-to-last dim has stride 1, its
 * last does not), as a head split or merge makes: 8×8 tiles, so that reads and writes both stay within a
 * few cache lines, where the row loop would read one element per line. Parts split the matrices, or the
 * tile rows when there is one matrix.
 */
static void transposedCopyPart(void *context, int part, int parts) {
  const ElementwiseJob *job = context;
  const Walk *walk = &job->walk;
  int ndim = walk->ndim;
  long rows = walk->shape[ndim - 2], cols = walk->shape[ndim - 1], stride = walk->strides[0][ndim - 1];
  long matrices = 1;
  for (int d = 0; d < ndim - 2; d++) matrices *= walk->shape[d];
  long tileRows = (rows + TILE - 1) / TILE;
  long units = matrices > 1 ? matrices : tileRows, first = units * part / parts, last = units * (part + 1) / parts;
  for (long matrix = matrices > 1 ? first : 0; matrix < (matrices > 1 ? last : 1); matrix++) {
    long start = walk->offset[0], remaining = matrix; // the matrix's first element in the source
    for (int d = ndim - 3; d >= 0; d--) {
      start += remaining % walk->shape[d] * walk->strides[0][d];
      remaining /= walk->shape[d];
    }
    const float *in = (const float *)job->inputs[0] + start;
    float *out = (float *)job->out + matrix * rows * cols;
    long r0 = matrices > 1 ? 0 : first * TILE, r1 = matrices > 1 ? rows : last * TILE;
    for (long rb = r0; rb < r1 && rb < rows; rb += TILE) {
      long rEnd = rb + TILE < rows ? rb + TILE : rows;
      for (long cb = 0; cb < cols; cb += TILE) {
        long cEnd = cb + TILE < cols ? cb + TILE : cols;
        for (long c = cb; c < cEnd; c++) {
          for (long r = rb; r < rEnd; r++) out[r * cols + c] = in[r + c * stride];
        }
      }
    }
  }
}

void runElementwise(ElementwiseJob *job) {
  long elements = 1;
  int last = job->walk.ndim - 1;
  for (int d = 0; d <= last; d++) elements *= job->walk.shape[d];
  if (job->row == copyRow && last >= 1 && job->walk.strides[0][last - 1] == 1 && job->walk.strides[0][last] != 1) {
    runParts(transposedCopyPart, job, elements >= (1 << 18));
    return;
  }
  runParts(elementwisePart, job, elements >= (1 << 18));
}

void copyRow(const ElementwiseJob *job, const long *starts, void *target, long i0, long i1) {
  float *out = target;
  const float *in = (const float *)job->inputs[0] + starts[0];
  long s = job->walk.strides[0][job->walk.ndim - 1];
  if (s == 1) memcpy(out + i0, in + i0, (i1 - i0) * sizeof(float));
  else for (long i = i0; i < i1; i++) out[i] = in[i * s];
}

void unaryRow(const ElementwiseJob *job, const long *starts, void *target, long i0, long i1) {
  float *out = (float *)target + i0;
  long s = job->walk.strides[0][job->walk.ndim - 1];
  const float *in = (const float *)job->inputs[0] + starts[0] + i0 * s;
  long n = i1 - i0;
  if (job->op == UNARY_EXP && s == 1) {
    expContiguous(in, out, n);
    return;
  }
  // The op chosen once per row, not per element: a loop per op that the compiler vectorises (and no
  // data-dependent branch, which costs relu ~10 ns an element on random signs).
#define UNARY_LOOP(EXPR)                                                   \
  if (s == 1) {                                                            \
    for (long i = 0; i < n; i++) { float x = in[i]; out[i] = (EXPR); }     \
  } else {                                                                 \
    for (long i = 0; i < n; i++) { float x = in[i * s]; out[i] = (EXPR); } \
  }
  switch (job->op) {
    case UNARY_NEG: UNARY_LOOP(-x) break;
    case UNARY_RELU: UNARY_LOOP(x > 0 ? x : 0) break;
    case UNARY_SQRT: UNARY_LOOP(sqrtf(x)) break;
    case UNARY_ABS: UNARY_LOOP(fabsf(x)) break;
    default: UNARY_LOOP(applyUnary(job->op, x))
  }
#undef UNARY_LOOP
}

/** One row of a binary op; the common stride pairs get loops the compiler vectorises. */
static void binaryRow(int op, const float *a, long sa, const float *b, long sb, float *out, long n) {
#define BINARY_LOOPS(EXPR)                                                    \
  if (sa == 1 && sb == 1) {                                                   \
    for (long i = 0; i < n; i++) { float x = a[i], y = b[i]; out[i] = (EXPR); } \
  } else if (sa == 1 && sb == 0) {                                            \
    float y = b[0];                                                           \
    for (long i = 0; i < n; i++) { float x = a[i]; out[i] = (EXPR); }         \
  } else if (sa == 0 && sb == 1) {                                            \
    float x = a[0];                                                           \
    for (long i = 0; i < n; i++) { float y = b[i]; out[i] = (EXPR); }         \
  } else {                                                                    \
    for (long i = 0; i < n; i++) { float x = a[i * sa], y = b[i * sb]; out[i] = (EXPR); } \
  }
  switch (op) {
    case BINARY_ADD: BINARY_LOOPS(x + y) break;
    case BINARY_SUB: BINARY_LOOPS(x - y) break;
    case BINARY_MUL: BINARY_LOOPS(x * y) break;
    case BINARY_DIV: BINARY_LOOPS(x / y) break;
    default: for (long i = 0; i < n; i++) out[i] = applyBinary(op, a[i * sa], b[i * sb]);
  }
#undef BINARY_LOOPS
}

void binaryElements(const ElementwiseJob *job, const long *starts, void *target, long i0, long i1) {
  float *out = target;
  int last = job->walk.ndim - 1;
  long sa = job->walk.strides[0][last], sb = job->walk.strides[1][last];
  const float *a = (const float *)job->inputs[0] + starts[0] + i0 * sa;
  const float *b = (const float *)job->inputs[1] + starts[1] + i0 * sb;
  binaryRow(job->op, a, sa, b, sb, out + i0, i1 - i0);
}

void compareElements(const ElementwiseJob *job, const long *starts, void *target, long i0, long i1) {
  int last = job->walk.ndim - 1;
  long sa = job->walk.strides[0][last], sb = job->walk.strides[1][last];
  const float *a = (const float *)job->inputs[0] + starts[0] + i0 * sa;
  const float *b = (const float *)job->inputs[1] + starts[1] + i0 * sb;
  uint8_t *out = (uint8_t *)target + i0;
  long n = i1 - i0;
#define COMPARE_LOOP(OPERATOR) \
  for (long i = 0; i < n; i++) out[i] = a[i * sa] OPERATOR b[i * sb];
  switch (job->op) {
    case BINARY_EQ: COMPARE_LOOP(==) break;
    case BINARY_NE: COMPARE_LOOP(!=) break;
    case BINARY_LT: COMPARE_LOOP(<) break;
    case BINARY_LE: COMPARE_LOOP(<=) break;
    case BINARY_GT: COMPARE_LOOP(>) break;
    case BINARY_GE: COMPARE_LOOP(>=) break;
    default: memset(out, 0, n);
  }
#undef COMPARE_LOOP
}

void whereRow(const ElementwiseJob *job, const long *starts, void *target, long i0, long i1) {
  int last = job->walk.ndim - 1;
  long sc = job->walk.strides[0][last], sa = job->walk.strides[1][last], sb = job->walk.strides[2][last];
  const uint8_t *c = (const uint8_t *)job->inputs[0] + starts[0] + i0 * sc;
  const float *x = (const float *)job->inputs[1] + starts[1] + i0 * sa;
  const float *y = (const float *)job->inputs[2] + starts[2] + i0 * sb;
  float *out = (float *)target + i0;
  long n = i1 - i0;
  // Both values loaded before the select, so that it compiles to a blend: a branch on a random mask (relu's
  // gradient) costs ~7 ns an element in mispredictions.
#define WHERE_LOOP(SA, SB)                                                        \
  for (long i = 0; i < n; i++) {                                                  \
    float whenTrue = x[i * (SA)], whenFalse = y[i * (SB)];                        \
    out[i] = c[i * sc] ? whenTrue : whenFalse;                                    \
  }
  if (sc == 1 && sa == 1 && sb == 1) WHERE_LOOP(1, 1)
  else if (sc == 1 && sa == 1 && sb == 0) WHERE_LOOP(1, 0)
  else if (sc == 1 && sa == 0 && sb == 1) WHERE_LOOP(0, 1)
  else WHERE_LOOP(sa, sb)
#undef WHERE_LOOP
}
