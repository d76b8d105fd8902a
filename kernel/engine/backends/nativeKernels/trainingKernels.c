/** The fused training kernels (trainingKernels.h): softmax backward, layerNorm forward and backward, Adam's step. */
#include "trainingKernels.h"

#include <math.h>
#include <string.h>

#include "threadPool.h"
#include "vectorMath.h"

/** Jobs split over the pool at about this many elements per part. */
enum { PARALLEL_ELEMENTS = 1 << 16 };

typedef struct {
  const float *grad, *out;
  float *dx;
  long n;
} ReluBackwardJob;

static void reluBackwardPart(void *context, int part, int parts) {
  const ReluBackwardJob *job = context;
  long i = job->n * part / parts, last = job->n * (part + 1) / parts;
#if HAVE_AVX2
  for (; i + 8 <= last; i += 8) {
    __m256 positive = _mm256_cmp_ps(_mm256_loadu_ps(job->out + i), _mm256_setzero_ps(), _CMP_GT_OQ);
    _mm256_storeu_ps(job->dx + i, _mm256_and_ps(positive, _mm256_loadu_ps(job->grad + i)));
  }
#endif
  for (; i < last; i++) job->dx[i] = job->out[i] > 0 ? job->grad[i] : 0;
}

void reluBackwardElements(const float *grad, const float *out, long n, float *dx) {
  ReluBackwardJob job = { grad, out, dx, n };
  runParts(reluBackwardPart, &job, n >= 4 * PARALLEL_ELEMENTS);
}

typedef struct {
  const float *grad, *out;
  long rows, n;
  float *dx;
} SoftmaxBackwardJob;

static void softmaxBackwardPart(void *context, int part, int parts) {
  const SoftmaxBackwardJob *job = context;
  long n = job->n;
  for (long r = job->rows * part / parts; r < job->rows * (part + 1) / parts; r++) {
    const float *g = job->grad + r * n, *y = job->out + r * n;
    float *dx = job->dx + r * n;
    float shift = dotProduct(g, y, n);
    for (long i = 0; i < n; i++) dx[i] = y[i] * (g[i] - shift);
  }
}

void softmaxBackwardRows(const float *grad, const float *out, long rows, long n, float *dx) {
  SoftmaxBackwardJob job = { grad, out, rows, n, dx };
  runParts(softmaxBackwardPart, &job, rows * n >= PARALLEL_ELEMENTS && rows > 1);
}

typedef struct {
  const float *x, *weight, *bias;
  long rows, n;
  float eps;
  float *out, *mean, *rstd;
} LayerNormJob;

/**
 * Σ x[i] (shift 0, squares 0) or Σ (x[i] - shift)² (squares 1) in double, over 4 double lanes with
 * AVX2: a row's sum no longer waits on one chain of adds.
 */
static double rowSum(const float *x, long n, double shift, int squares) {
  long i = 0;
  double total = 0;
#if HAVE_AVX2
  if (n >= 8) {
    __m256d low = _mm256_setzero_pd(), high = low, by = _mm256_set1_pd(shift);
    for (; i + 8 <= n; i += 8) {
      __m256 v = _mm256_loadu_ps(x + i);
      __m256d a = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), by);
      __m256d b = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), by);
      low = _mm256_add_pd(low, squares ? _mm256_mul_pd(a, a) : a);
      high = _mm256_add_pd(high, squares ? _mm256_mul_pd(b, b) : b);
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(low, high));
    total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  }
#endif
  for (; i < n; i++) {
    double value = (double)x[i] - shift;
    total += squares ? value * value : value;
  }
  return total;
}

static void layerNormPart(void *context, int part, int parts) {
  const LayerNormJob *job = context;
  long n = job->n;
  const float *weight = job->weight, *bias = job->bias;
  for (long r = job->rows * part / parts; r < job->rows * (part + 1) / parts; r++) {
    const float *x = job->x + r * n;
    float *out = job->out + r * n;
    // Two passes in double: the mean, then the biased variance about it.
    float mean = (float)(rowSum(x, n, 0, 0) / n);
    float rstd = 1.0f / sqrtf((float)(rowSum(x, n, mean, 1) / n) + job->eps);
    job->mean[r] = mean;
    job->rstd[r] = rstd;
    long i = 0;
#if HAVE_AVX2
    __m256 shift = _mm256_set1_ps(mean), scale = _mm256_set1_ps(rstd);
    for (; i + 8 <= n; i += 8) {
      __m256 normalized = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift), scale);
      if (weight) normalized = _mm256_mul_ps(normalized, _mm256_loadu_ps(weight + i));
      _mm256_storeu_ps(out + i, bias ? _mm256_add_ps(normalized, _mm256_loadu_ps(bias + i)) : normalized);
    }
#endif
    for (; i < n; i++) {
      float normalized = (x[i] - mean) * rstd;
      if (weight) normalized *= weight[i];
      out[i] = bias ? normalized + bias[i] : normalized;
    }
  }
}

void layerNormRows(const float *x, const float *weight, const float *bias, long rows, long n, float eps, float *out,
                   float *mean, float *rstd) {
  LayerNormJob job = { x, weight, bias, rows, n, eps, out, mean, rstd };
  runParts(layerNormPart, &job, rows * n >= PARALLEL_ELEMENTS && rows > 1);
}

typedef struct {
  const float *grad, *x, *mean, *rstd, *weight;
  long rows, n;
  float *dx, *dweight, *dbias;
} LayerNormBackwardJob;

/** dx for a range of rows: rstd·(gy - mean(gy) - x̂·mean(gy·x̂)), gy = g·weight, x̂ = (x - mean)·rstd. */
static void layerNormInputPart(void *context, int part, int parts) {
  const LayerNormBackwardJob *job = context;
  long n = job->n;
  for (long r = job->rows * part / parts; r < job->rows * (part + 1) / parts; r++) {
    const float *g = job->grad + r * n, *x = job->x + r * n;
    float *dx = job->dx + r * n;
    float mean = job->mean[r], rstd = job->rstd[r];
    float sumGy = 0, sumGyXhat = 0;
    long i = 0;
#if HAVE_AVX2
    __m256 shift = _mm256_set1_ps(mean), scale = _mm256_set1_ps(rstd);
    if (n >= 8) {
      // 8 lanes of each sum: the row's sums no longer wait on one chain of adds.
      __m256 gySums = _mm256_setzero_ps(), gyXhatSums = gySums;
      for (; i + 8 <= n; i += 8) {
        __m256 gy = _mm256_loadu_ps(g + i);
        if (job->weight) gy = _mm256_mul_ps(gy, _mm256_loadu_ps(job->weight + i));
        __m256 xhat = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift), scale);
        gySums = _mm256_add_ps(gySums, gy);
        gyXhatSums = _mm256_add_ps(gyXhatSums, _mm256_mul_ps(gy, xhat));
      }
      sumGy = sum8(gySums);
      sumGyXhat = sum8(gyXhatSums);
    }
#endif
    for (; i < n; i++) {
      float gy = job->weight ? g[i] * job->weight[i] : g[i];
      sumGy += gy;
      sumGyXhat += gy * ((x[i] - mean) * rstd);
    }
    float meanGy = sumGy / n, meanGyXhat = sumGyXhat / n;
    i = 0;
#if HAVE_AVX2
    __m256 meanGys = _mm256_set1_ps(meanGy), meanGyXhats = _mm256_set1_ps(meanGyXhat);
    for (; i + 8 <= n; i += 8) {
      __m256 gy = _mm256_loadu_ps(g + i);
      if (job->weight) gy = _mm256_mul_ps(gy, _mm256_loadu_ps(job->weight + i));
      __m256 xhat = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift), scale);
      __m256 inner = _mm256_sub_ps(_mm256_sub_ps(gy, meanGys), _mm256_mul_ps(xhat, meanGyXhats));
      _mm256_storeu_ps(dx + i, _mm256_mul_ps(scale, inner));
    }
#endif
    for (; i < n; i++) {
      float gy = job->weight ? g[i] * job->weight[i] : g[i];
      dx[i] = rstd * (gy - meanGy - (x[i] - mean) * rstd * meanGyXhat);
    }
  }
}

/**
 * dweight (Σ g·x̂) and dbias (Σ g) for a range of columns, each summed over the rows in order: the same
 * bits however many parts the columns are split into.
 */
static void layerNormAffinePart(void *context, int part, int parts) {
  const LayerNormBackwardJob *job = context;
  long n = job->n, first = n * part / parts, last = n * (part + 1) / parts;
  for (long i = first; i < last; i++) {
    if (job->dweight) job->dweight[i] = 0;
    if (job->dbias) job->dbias[i] = 0;
  }
  for (long r = 0; r < job->rows; r++) {
    const float *g = job->grad + r * n, *x = job->x + r * n;
    float mean = job->mean[r], rstd = job->rstd[r];
    for (long i = first; i < last; i++) {
      if (job->dweight) job->dweight[i] += g[i] * (x[i] - mean) * rstd;
      if (job->dbias) job->dbias[i] += g[i];
    }
  }
}

void layerNormBackwardRows(const float *grad, const float *x, const float *mean, const float *rstd,
                           const float *weight, long rows, long n, float *dx, float *dweight, float *dbias) {
  LayerNormBackwardJob job = { grad, x, mean, rstd, weight, rows, n, dx, dweight, dbias };
  int parallel = rows * n >= PARALLEL_ELEMENTS;
  runParts(layerNormInputPart, &job, parallel && rows > 1);
  if (dweight || dbias) runParts(layerNormAffinePart, &job, parallel && n > 1);
}

typedef struct {
  float *param;
  const float *grad;
  float *expAvg, *expAvgSq, *maxExpAvgSq;
  long n;
  const AdamScalars *scalars;
} AdamJob;

/** Elements [first, last) of one Adam step: the loop the compiler vectorises (no branch depends on i). */
static void adamPart(void *context, int part, int parts) {
  const AdamJob *job = context;
  const AdamScalars s = *job->scalars;
  long first = job->n * part / parts, last = job->n * (part + 1) / parts;
  float *restrict p = job->param, *restrict m = job->expAvg, *restrict v = job->expAvgSq;
  float *restrict vMax = job->maxExpAvgSq;
  const float *restrict grad = job->grad;
  const float sign = s.maximize ? -1.0f : 1.0f;
  for (long i = first; i < last; i++) {
    float pi = p[i] * s.paramScale;
    float g = grad[i] * sign + s.weightDecay * pi;
    float mi = m[i] * s.beta1 + s.oneMinusBeta1 * g;
    float vi = v[i] * s.beta2 + g * g * s.oneMinusBeta2;
    float second = vi;
    if (vMax) {
      second = vMax[i] > vi ? vMax[i] : vi;
      vMax[i] = second;
    }
    float denominator = sqrtf(second) / s.biasCorrection2Sqrt + s.eps;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + mi / denominator * -s.stepSize;
  }
}

void adamStepElements(float *param, const float *grad, float *expAvg, float *expAvgSq, float *maxExpAvgSq, long n,
                      const AdamScalars *scalars) {
  AdamJob job = { param, grad, expAvg, expAvgSq, maxExpAvgSq, n, scalars };
  runParts(adamPart, &job, n >= PARALLEL_ELEMENTS);
}
