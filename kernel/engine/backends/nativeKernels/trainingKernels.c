/** The fused training kernels (trainingKernels.h): softmax backward, layerNorm forward and backward. */
#include "trainingKernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "threadPool.h"
#include "vectorMath.h"

/** Σ a[i]·b[i] over n contiguous floats. */
static float dotRow(const float *a, const float *b, long n) {
  long i = 0;
  float total = 0;
#if HAVE_AVX2
  __m256 acc = _mm256_setzero_ps();
  for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
  total = sum8(acc);
#endif
  for (; i < n; i++) total += a[i] * b[i];
  return total;
}

/** Jobs split over the pool at about this many elements per part. */
enum { PARALLEL_ELEMENTS = 1 << 16 };

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
    float shift = dotRow(g, y, n);
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

static void layerNormPart(void *context, int part, int parts) {
  const LayerNormJob *job = context;
  long n = job->n;
  for (long r = job->rows * part / parts; r < job->rows * (part + 1) / parts; r++) {
    const float *x = job->x + r * n;
    float *out = job->out + r * n;
    // Two passes in double: the mean, then the biased variance about it.
    double total = 0, squares = 0;
    for (long i = 0; i < n; i++) total += x[i];
    float mean = (float)(total / n);
    for (long i = 0; i < n; i++) {
      double centered = (double)x[i] - mean;
      squares += centered * centered;
    }
    float rstd = 1.0f / sqrtf((float)(squares / n) + job->eps);
    job->mean[r] = mean;
    job->rstd[r] = rstd;
    for (long i = 0; i < n; i++) {
      float normalized = (x[i] - mean) * rstd;
      if (job->weight) normalized *= job->weight[i];
      out[i] = job->bias ? normalized + job->bias[i] : normalized;
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
  float *dx;
  /** Per part, n sums of g·x̂ then n sums of g (NULL: neither is wanted). */
  float *partials;
} LayerNormBackwardJob;

static void layerNormBackwardPart(void *context, int part, int parts) {
  const LayerNormBackwardJob *job = context;
  long n = job->n;
  float *gxhat = job->partials ? job->partials + 2 * n * part : NULL;
  float *gsum = gxhat ? gxhat + n : NULL;
  if (gxhat) memset(gxhat, 0, 2 * n * sizeof(float));
  for (long r = job->rows * part / parts; r < job->rows * (part + 1) / parts; r++) {
    const float *g = job->grad + r * n, *x = job->x + r * n;
    float *dx = job->dx + r * n;
    float mean = job->mean[r], rstd = job->rstd[r];
    // dx = rstd·(gy - mean(gy) - x̂·mean(gy·x̂)), gy = g·weight, x̂ = (x - mean)·rstd.
    float sumGy = 0, sumGyXhat = 0;
    for (long i = 0; i < n; i++) {
      float xhat = (x[i] - mean) * rstd;
      float gy = job->weight ? g[i] * job->weight[i] : g[i];
      sumGy += gy;
      sumGyXhat += gy * xhat;
      if (gxhat) {
        gxhat[i] += g[i] * xhat;
        gsum[i] += g[i];
      }
    }
    float meanGy = sumGy / n, meanGyXhat = sumGyXhat / n;
    for (long i = 0; i < n; i++) {
      float xhat = (x[i] - mean) * rstd;
      float gy = job->weight ? g[i] * job->weight[i] : g[i];
      dx[i] = rstd * (gy - meanGy - xhat * meanGyXhat);
    }
  }
}

void layerNormBackwardRows(const float *grad, const float *x, const float *mean, const float *rstd,
                           const float *weight, long rows, long n, float *dx, float *dweight, float *dbias) {
  int parallel = rows * n >= PARALLEL_ELEMENTS && rows > 1;
  int parts = parallel ? poolThreads() : 1;
  float *partials = NULL;
  if (dweight || dbias) {
    partials = malloc((size_t)parts * 2 * n * sizeof(float));
    if (!partials) parallel = 0, parts = 1, partials = malloc(2 * n * sizeof(float));
  }
  LayerNormBackwardJob job = { grad, x, mean, rstd, weight, rows, n, dx, partials };
  // runParts may run as one part on this thread (another caller owns the pool): it says how many ran.
  int ran = runParts(layerNormBackwardPart, &job, parallel);
  if (!partials) return;
  for (long i = 0; i < n; i++) {
    float sumGXhat = 0, sumG = 0;
    for (int p = 0; p < ran; p++) {
      sumGXhat += partials[2 * n * p + i];
      sumG += partials[2 * n * p + n + i];
    }
    if (dweight) dweight[i] = sumGXhat;
    if (dbias) dbias[i] = sumG;
  }
  free(partials);
}
