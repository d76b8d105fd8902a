/**
 * GEMM: C (M, N) = A (M, K) · B (K, N) per batch, any strides in, C contiguous out. Packs panels for
 * a 6×16 AVX2/FMA register tile and splits large products over the thread pool.
 */
#include "gemm.h"

#include <stdlib.h>
#include <string.h>

#include "threadPool.h"
#include "vectorMath.h"

enum { MR = 6, NR = 16, KC = 256, MC = 96, NC = 2048 };

static __thread float *packBuffer;
static __thread size_t packCapacity;

static float *packSpace(size_t floats) {
  if (floats > packCapacity) {
    free(packBuffer);
    packCapacity = floats;
    if (posix_memalign((void **)&packBuffer, 64, floats * sizeof(float)) != 0) {
      packBuffer = NULL;
      packCapacity = 0;
    }
  }
  return packBuffer;
}

/** A rows [i0, i0+mc) × cols [t0, t0+kc) into MR-row panels, t-major inside a panel, zero-padded. */
static void packA(const float *a, long rs, long cs, long i0, long mc, long t0, long kc, float *out) {
  for (long p = 0; p < mc; p += MR) {
    int rows = mc - p < MR ? (int)(mc - p) : MR;
    float *panel = out + p * kc;
    if (cs != 1) {
      // A read down its columns (a transposed operand, x.T @ g in a weight's gradient): t outer, so that
      // the panel's rows at one t are read together (one cache line when rs is 1), not kc lines per row.
      for (long t = 0; t < kc; t++) {
        const float *column = a + (i0 + p) * rs + (t0 + t) * cs;
        for (int r = 0; r < MR; r++) panel[t * MR + r] = r < rows ? column[r * rs] : 0;
      }
      continue;
    }
    for (int r = 0; r < MR; r++) {
      const float *row = a + (i0 + p + r) * rs + t0;
      float *dst = panel + r;
      if (r < rows) {
        for (long t = 0; t < kc; t++) dst[t * MR] = row[t];
      } else {
        for (long t = 0; t < kc; t++) dst[t * MR] = 0;
      }
    }
  }
}

/** B rows [t0, t0+kc) × cols [j0, j0+nc) into NR-column panels, t-major inside a panel, zero-padded. */
static void packB(const float *b, long rs, long cs, long t0, long kc, long j0, long nc, float *out) {
  for (long p = 0; p < nc; p += NR) {
    int cols = nc - p < NR ? (int)(nc - p) : NR;
    float *panel = out + p * kc;
    if (cs == 1 && cols == NR) {
      for (long t = 0; t < kc; t++) memcpy(panel + t * NR, b + (t0 + t) * rs + j0 + p, NR * sizeof(float));
      continue;
    }
    for (int c = 0; c < NR; c++) {
      const float *col = b + t0 * rs + (j0 + p + c) * cs;
      if (c < cols) {
        for (long t = 0; t < kc; t++) panel[t * NR + c] = col[t * rs];
      } else {
        for (long t = 0; t < kc; t++) panel[t * NR + c] = 0;
      }
    }
  }
}

/** c[0..rows) × [0..cols) (+)= the MR×NR product of one packed A panel and one packed B panel. */
static void microKernel(long kc, const float *a, const float *b, float *c, long ldc, int rows, int cols,
                        int accumulate) {
  float tile[MR * NR];
#if HAVE_AVX2
  __m256 acc[MR][2];
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (long t = 0; t < kc; t++) {
    __m256 b0 = _mm256_loadu_ps(b + t * NR);
    __m256 b1 = _mm256_loadu_ps(b + t * NR + 8);
    for (int r = 0; r < MR; r++) {
      __m256 x = _mm256_broadcast_ss(a + t * MR + r);
      acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
    }
  }
  if (rows == MR && cols == NR) {
    for (int r = 0; r < MR; r++) {
      float *row = c + r * ldc;
      if (accumulate) {
        acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_loadu_ps(row));
        acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, acc[r][0]);
      _mm256_storeu_ps(row + 8, acc[r][1]);
    }
    return;
  }
  for (int r = 0; r < MR; r++) {
    _mm256_storeu_ps(tile + r * NR, acc[r][0]);
    _mm256_storeu_ps(tile + r * NR + 8, acc[r][1]);
  }
#else
  memset(tile, 0, sizeof tile);
  for (long t = 0; t < kc; t++) {
    for (int r = 0; r < MR; r++) {
      float x = a[t * MR + r];
      for (int j = 0; j < NR; j++) tile[r * NR + j] += x * b[t * NR + j];
    }
  }
#endif
  for (int r = 0; r < rows; r++) {
    for (int j = 0; j < cols; j++) c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];
  }
}

/** Plain loops over any strides: small products in other layouts, and the way out when packing space cannot be had. */
static void gemmLoops(const Gemm *g, long batch, long i0, long i1, long j0, long j1) {
  const float *a = g->a + batch * g->aBatch;
  const float *b = g->b + batch * g->bBatch;
  float *c = g->c + batch * g->m * g->n;
  for (long i = i0; i < i1; i++) {
    for (long j = j0; j < j1; j++) {
      float s = 0;
      for (long t = 0; t < g->k; t++) s += a[i * g->aRow + t * g->aCol] * b[t * g->bRow + j * g->bCol];
      c[i * g->n + j] = s;
    }
  }
}

/** One batch's rows [i0, i1) × cols [j0, j1), packed and blocked. */
static void gemmBlock(const Gemm *g, long batch, long i0, long i1, long j0, long j1) {
  const float *a = g->a + batch * g->aBatch;
  const float *b = g->b + batch * g->bBatch;
  float *c = g->c + batch * g->m * g->n;
  long ldc = g->n;
  if (g->k == 0) {
    for (long i = i0; i < i1; i++) memset(c + i * ldc + j0, 0, (j1 - j0) * sizeof(float));
    return;
  }
  long kcMax = g->k < KC ? g->k : KC;
  long ncMax = j1 - j0 < NC ? j1 - j0 : NC;
  long mcMax = i1 - i0 < MC ? i1 - i0 : MC;
  long bFloats = kcMax * ((ncMax + NR - 1) / NR * NR);
  float *space = packSpace(bFloats + kcMax * ((mcMax + MR - 1) / MR * MR));
  if (!space) {
    gemmLoops(g, batch, i0, i1, j0, j1);
    return;
  }
  float *packedB = space;
  float *packedA = space + bFloats;
  for (long jc = j0; jc < j1; jc += NC) {
    long nc = j1 - jc < NC ? j1 - jc : NC;
    for (long pc = 0; pc < g->k; pc += KC) {
      long kc = g->k - pc < KC ? g->k - pc : KC;
      packB(b, g->bRow, g->bCol, pc, kc, jc, nc, packedB);
      for (long ic = i0; ic < i1; ic += MC) {
        long mc = i1 - ic < MC ? i1 - ic : MC;
        packA(a, g->aRow, g->aCol, ic, mc, pc, kc, packedA);
        for (long jr = 0; jr < nc; jr += NR) {
          int cols = nc - jr < NR ? (int)(nc - jr) : NR;
          for (long ir = 0; ir < mc; ir += MR) {
            int rows = mc - ir < MR ? (int)(mc - ir) : MR;
            float *target = c + (ic + ir) * ldc + jc + jr;
            microKernel(kc, packedA + ir * kc, packedB + jr * kc, target, ldc, rows, cols, pc > 0);
          }
        }
      }
    }
  }
}

/**
 * Small products read in place: packing B costs K·N moves, as much as the product itself when M is a
 * handful of rows. Dot products when A's rows and B's columns are contiguous along K (the layout of
 * x @ Wᵀ in a linear layer); for tiny products also c row += a[i, t]·B row t when B's rows are
 * contiguous. Returns 0 for the other cases, which the packed path or plain loops take.
 */
static int gemmInPlace(const Gemm *g, long batch, int tiny) {
  const float *a = g->a + batch * g->aBatch;
  const float *b = g->b + batch * g->bBatch;
  float *c = g->c + batch * g->m * g->n;
  long m = g->m, n = g->n, k = g->k;
  if (g->aCol == 1 && g->bRow == 1) {
    for (long i = 0; i < m; i++) {
      const float *ai = a + i * g->aRow;
      long j = 0;
#if HAVE_AVX2
      // Four columns at once share each load of A's row; hadd folds the four sums together.
      for (; j + 4 <= n; j += 4) {
        const float *b0 = b + j * g->bCol, *b1 = b0 + g->bCol, *b2 = b1 + g->bCol, *b3 = b2 + g->bCol;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        long t = 0;
        for (; t + 8 <= k; t += 8) {
          __m256 x = _mm256_loadu_ps(ai + t);
          s0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b0 + t), s0);
          s1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b1 + t), s1);
          s2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b2 + t), s2);
          s3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b3 + t), s3);
        }
        __m256 folded = _mm256_hadd_ps(_mm256_hadd_ps(s0, s1), _mm256_hadd_ps(s2, s3));
        float sums[4];
        _mm_storeu_ps(sums, _mm_add_ps(_mm256_castps256_ps128(folded), _mm256_extractf128_ps(folded, 1)));
        for (; t < k; t++) {
          sums[0] += ai[t] * b0[t];
          sums[1] += ai[t] * b1[t];
          sums[2] += ai[t] * b2[t];
          sums[3] += ai[t] * b3[t];
        }
        memcpy(c + i * n + j, sums, sizeof sums);
      }
#endif
      for (; j < n; j++) c[i * n + j] = dotProduct(ai, b + j * g->bCol, k);
    }
    return 1;
  }
  if (tiny && g->bCol == 1) {
    for (long i = 0; i < m; i++) {
      float *restrict row = c + i * n;
      memset(row, 0, n * sizeof(float));
      for (long t = 0; t < k; t++) {
        const float x = a[i * g->aRow + t * g->aCol];
        const float *restrict bt = b + t * g->bRow;
        for (long j = 0; j < n; j++) row[j] += x * bt[j];
      }
    }
    return 1;
  }
  return 0;
}

/** Splits the work over parts: by batch when there are enough batches, else along the longer of M and N. */
static void gemmPart(void *context, int part, int parts) {
  const Gemm *g = context;
  if (g->batch >= parts) {
    for (long p = g->batch * part / parts; p < g->batch * (part + 1) / parts; p++) gemmBlock(g, p, 0, g->m, 0, g->n);
    return;
  }
  for (long p = 0; p < g->batch; p++) {
    if (g->n >= g->m) {
      long panels = (g->n + NR - 1) / NR;
      long j0 = panels * part / parts * NR, j1 = panels * (part + 1) / parts * NR;
      if (j1 > g->n) j1 = g->n;
      if (j0 < j1) gemmBlock(g, p, 0, g->m, j0, j1);
    } else {
      long panels = (g->m + MR - 1) / MR;
      long i0 = panels * part / parts * MR, i1 = panels * (part + 1) / parts * MR;
      if (i1 > g->m) i1 = g->m;
      if (i0 < i1) gemmBlock(g, p, i0, i1, 0, g->n);
    }
  }
}

void gemm(const Gemm *g) {
  double flops = 2.0 * g->batch * g->m * g->n * g->k;
  int tiny = g->m * g->n * g->k <= 4096;
  if (tiny || (flops < 4e6 && g->m <= 2 * MR && g->aCol == 1 && g->bRow == 1)) {
    for (long p = 0; p < g->batch; p++) {
      if (!gemmInPlace(g, p, tiny)) gemmLoops(g, p, 0, g->m, 0, g->n);
    }
    return;
  }
  runParts(gemmPart, (void *)g, flops >= 4e6);
}

void addToRows(float *c, long rows, long n, const float *bias) {
  for (long i = 0; i < rows; i++) {
    float *restrict row = c + i * n;
    for (long j = 0; j < n; j++) row[j] += bias[j];
  }
}
