/**
 * Per-element math shared by the kernels, all inline: the scalar unary and binary ops by op code
 * (ops.h), and with AVX2/FMA 8-lane sums and a vectorised exp: Cephes' expf range reduction and
 * polynomial. 2^n is applied in two halves so results near FLT_MAX and the subnormals below e^-87
 * come out as expf gives them; NaN stays NaN.
 */
#ifndef NATIVE_KERNELS_VECTOR_MATH_H
#define NATIVE_KERNELS_VECTOR_MATH_H

#include <math.h>

#include "ops.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define HAVE_AVX2 1
#else
#define HAVE_AVX2 0
#endif

#if HAVE_AVX2
/** The sum of the 8 lanes. */
static inline float sum8(__m256 v) {
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  return _mm_cvtss_f32(_mm_add_ss(half, _mm_movehdup_ps(half)));
}

static inline __m256 exp8(__m256 x) {
  const __m256 high = _mm256_set1_ps(88.72283935546875f); // ln(FLT_MAX): above, +inf
  const __m256 low = _mm256_set1_ps(-103.97208404541016f); // below, 0
  __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  __m256 overflow = _mm256_cmp_ps(x, high, _CMP_GT_OQ);
  __m256 underflow = _mm256_cmp_ps(x, low, _CMP_LT_OQ);
  __m256 v = _mm256_min_ps(_mm256_max_ps(x, low), high);
  __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  v = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), v);
  v = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), v);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(v, v), _mm256_add_ps(v, _mm256_set1_ps(1.0f)));
  __m256i whole = _mm256_cvtps_epi32(n);
  __m256i half = _mm256_srai_epi32(whole, 1);
  __m256i rest = _mm256_sub_epi32(whole, half);
  __m256 scaleHalf = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
  __m256 scaleRest = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(rest, _mm256_set1_epi32(127)), 23));
  __m256 result = _mm256_mul_ps(_mm256_mul_ps(p, scaleHalf), scaleRest);
  result = _mm256_blendv_ps(result, _mm256_setzero_ps(), underflow);
  result = _mm256_blendv_ps(result, _mm256_set1_ps(INFINITY), overflow);
  return _mm256_blendv_ps(result, x, nan);
}
#endif

static inline void expContiguous(const float *in, float *out, long n) {
  long i = 0;
#if HAVE_AVX2
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, exp8(_mm256_loadu_ps(in + i)));
#endif
  for (; i < n; i++) out[i] = expf(in[i]);
}

static inline float applyUnary(int op, float x) {
  switch (op) {
    case UNARY_NEG: return -x;
    case UNARY_EXP: return expf(x);
    case UNARY_LOG: return logf(x);
    case UNARY_SQRT: return sqrtf(x);
    case UNARY_TANH: return tanhf(x);
    case UNARY_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case UNARY_RELU: return x > 0 ? x : 0;
    case UNARY_GELU: return 0.5f * x * (1.0f + erff(x * (float)M_SQRT1_2));
    case UNARY_ABS: return fabsf(x);
    default: return NAN;
  }
}

static inline float applyBinary(int op, float a, float b) {
  switch (op) {
    case BINARY_ADD: return a + b;
    case BINARY_SUB: return a - b;
    case BINARY_MUL: return a * b;
    case BINARY_DIV: return a / b;
    case BINARY_POW: return powf(a, b);
    case BINARY_MAXIMUM: return isnan(a) || isnan(b) ? NAN : (a > b ? a : b);
    case BINARY_MINIMUM: return isnan(a) || isnan(b) ? NAN : (a < b ? a : b);
    case BINARY_EQ: return a == b;
    case BINARY_NE: return a != b;
    case BINARY_LT: return a < b;
    case BINARY_LE: return a <= b;
    case BINARY_GT: return a > b;
    case BINARY_GE: return a >= b;
    default: return NAN;
  }
}

/** Σ a[i]·b[i] over n contiguous floats (8 lanes at a time with AVX2/FMA). */
static inline float dotProduct(const float *a, const float *b, long n) {
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

#endif
