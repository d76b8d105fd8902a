/** The matrix product kernel: batched C = A · B over strided float operands. */
#ifndef NATIVE_KERNELS_GEMM_H
#define NATIVE_KERNELS_GEMM_H

typedef struct {
  const float *a;
  const float *b;
  float *c;
  long batch, m, k, n;
  long aBatch, aRow, aCol; // strides of A: batch, M, K
  long bBatch, bRow, bCol; // strides of B: batch, K, N
} Gemm;

/** C (batch, M, N), contiguous, = A (batch, M, K) · B (batch, K, N); large products run on the pool. */
void gemm(const Gemm *g);

/** c (rows, n) contiguous: bias (n) added to every row, in place (addmm's bias after the product). */
void addToRows(float *c, long rows, long n, const float *bias);

#endif
