/** Reductions and softmax over the last dim (reductions.h), vectorised for contiguous rows. */
#include "reductions.h"

#include <math.h>
#include <string.h>

#include "stridedWalk.h"
#include "threadPool.h"
#include "vectorMath.h"

static float sumRow(const float *x, long stride, long n) {
  long i = 0;
  float total = 0;
#if HAVE_AVX2
  if (stride == 1 && n >= 8) {
    __m256 acc = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + i));
    total = sum8(acc);
  }
#endif
  for (; i < n; i++) total += x[i * stride];
  return total;
}

/** max (wantsMax) or min of a row; NaN anywhere gives NaN, as torch's max does. */
static float extremeRow(const float *x, long stride, long n, int wantsMax) {
  long i = 0;
  float best = wantsMax ? -INFINITY : INFINITY;
  int sawNan = 0;
#if HAVE_AVX2
  if (stride == 1 && n >= 8) {
    __m256 acc = _mm256_set1_ps(best);
    __m256 nans = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
      __m256 v = _mm256_loadu_ps(x + i);
      nans = _mm256_or_ps(nans, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
      acc = wantsMax ? _mm256_max_ps(acc, v) : _mm256_min_ps(acc, v);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, acc);
    for (int l = 0; l < 8; l++) {
      best = wantsMax ? (lanes[l] > best ? lanes[l] : best) : (lanes[l] < best ? lanes[l] : best);
    }
    sawNan = _mm256_movemask_ps(nans) != 0;
  }
#endif
  for (; i < n; i++) {
    float v = x[i * stride];
    if (isnan(v)) sawNan = 1;
    else if (wantsMax ? v > best : v < best) best = v;
  }
  return sawNan ? NAN : best;
}

/** acc[i] = acc[i] (op) x[i]; max and min keep NaN once seen, as extremeRow does. */
static void foldSlice(int op, const float *x, float *acc, long n) {
  if (op == REDUCE_SUM) {
    for (long i = 0; i < n; i++) acc[i] += x[i];
  } else if (op == REDUCE_MAX) {
    for (long i = 0; i < n; i++) acc[i] = (x[i] > acc[i] || isnan(x[i])) && !isnan(acc[i]) ? x[i] : acc[i];
  } else {
    for (long i = 0; i < n; i++) acc[i] = (x[i] < acc[i] || isnan(x[i])) && !isnan(acc[i]) ? x[i] : acc[i];
  }
}

/** softmax of one row into a contiguous `out`: max-shifted exp, then divided by the sum, as the composed op does. */
static void softmaxRow(const float *x, long stride, long n, float *out) {
  float max = extremeRow(x, stride, n, 1);
  long i = 0;
  float total = 0;
#if HAVE_AVX2
  if (stride == 1) {
    __m256 shift = _mm256_set1_ps(max);
    __m256 acc = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
      __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift));
      _mm256_storeu_ps(out + i, e);
      acc = _mm256_add_ps(acc, e);
    }
    total = sum8(acc);
  }
#endif
  for (; i < n; i++) {
    out[i] = expf(x[i * stride] - max);
    total += out[i];
  }
  for (i = 0; i < n; i++) out[i] /= total;
}

void reduceLastDim(int op, const float *source, const int32_t *layout, float *out) {
  long n, stride;
  Walk walk;
  readRowWalk(layout, &walk, &n, &stride);
  Rows rows;
  beginRows(&walk, &rows);
  long inner = walk.shape[walk.ndim - 1], innerStride = walk.strides[0][walk.ndim - 1];
  float *dst = out;
  for (long block = 0; block < rows.rows; block++, nextRow(&rows), dst += inner) {
    const float *first = source + rows.starts[0];
    if (innerStride == 1 && stride != 1 && n > 0) {
      // Reducing across rows that lie side by side (e.g. a sum over heads): fold whole slices, which vectorises.
      memcpy(dst, first, inner * sizeof(float));
      for (long j = 1; j < n; j++) foldSlice(op, first + j * stride, dst, inner);
      continue;
    }
    for (long i = 0; i < inner; i++) {
      const float *row = first + i * innerStride;
      dst[i] = op == REDUCE_SUM ? sumRow(row, stride, n) : extremeRow(row, stride, n, op == REDUCE_MAX);
    }
  }
}

typedef struct {
  const float *source;
  const int32_t *layout;
  float *out;
} SoftmaxJob;

static void softmaxPart(void *context, int part, int parts) {
  const SoftmaxJob *job = context;
  long n, stride;
  Walk walk;
  readRowWalk(job->layout, &walk, &n, &stride);
  Rows rows;
  beginRows(&walk, &rows);
  long inner = walk.shape[walk.ndim - 1], innerStride = walk.strides[0][walk.ndim - 1];
  long total = rows.rows * inner, first = total * part / parts, last = total * (part + 1) / parts;
  long r = 0;
  for (long block = 0; block < rows.rows; block++, nextRow(&rows)) {
    if (r + inner <= first) {
      r += inner;
      continue;
    }
    for (long i = 0; i < inner; i++, r++) {
      if (r >= first && r < last) {
        softmaxRow(job->source + rows.starts[0] + i * innerStride, stride, n, job->out + r * n);
      }
    }
    if (r >= last) break;
  }
}

void softmaxLastDim(const float *source, const int32_t *layout, float *out) {
  SoftmaxJob job = { source, layout, out };
  long elements = 1;
  for (int d = 0; d < layoutDims(layout); d++) elements *= layoutShape(layout)[d];
  runParts(softmaxPart, &job, elements >= (1 << 16));
}
