/**
 * The native backend's float32 kernels, in C behind Node-API, called synchronously from
 * kernel/engine/backends/native.ts. Storage stays in the JS typed arrays (no copies in or out);
 * a view arrives as an Int32Array layout: ndim, shape, then per operand its offset and strides.
 * GEMM packs panels for a 6×16 AVX2/FMA register tile and splits work over a small thread pool.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define HAVE_AVX2 1
#else
#define HAVE_AVX2 0
#endif

enum { MAX_DIMS = 16, MAX_OPERANDS = 3 };

// Op codes, in the order of the arrays in native.ts.
enum { UNARY_NEG, UNARY_EXP, UNARY_LOG, UNARY_SQRT, UNARY_TANH, UNARY_SIGMOID, UNARY_RELU, UNARY_GELU, UNARY_ABS };
enum { BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_DIV, BINARY_POW, BINARY_MAXIMUM, BINARY_MINIMUM };
enum { REDUCE_SUM, REDUCE_MAX, REDUCE_MIN };

// ---------------------------------------------------------------------------------------------
// Thread pool: the calling thread runs part 0, workers parts 1..threads-1, then the call returns.
// A worker spins briefly after each job before it sleeps: a forward pass is a burst of kernels a few
// microseconds apart, and waking a sleeping thread costs tens of microseconds each time.

typedef void (*PartFunction)(void *context, int part, int parts);

enum { SPIN_LIMIT = 20000 };

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int threads;
  int started;
  int sleepers; // guarded by lock
  unsigned generation; // atomic: bumped (under lock) to hand out a job
  int pending; // atomic: workers still running the job
  PartFunction function;
  void *context;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 1, 0, 0, 0, 0, NULL, NULL };

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void *poolWorker(void *argument) {
  int part = (int)(intptr_t)argument;
  unsigned seen = 0;
  for (;;) {
    unsigned generation = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
    for (int spins = 0; generation == seen && spins < SPIN_LIMIT; spins++) {
      relax();
      generation = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
    }
    if (generation == seen) {
      pthread_mutex_lock(&pool.lock);
      pool.sleepers++;
      while ((generation = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE)) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
      pool.sleepers--;
      pthread_mutex_unlock(&pool.lock);
    }
    seen = generation;
    pool.function(pool.context, part, pool.threads);
    __atomic_sub_fetch(&pool.pending, 1, __ATOMIC_RELEASE);
  }
  return NULL;
}

/** Threads asked for: ATTENTION_LAB_THREADS, else one per online core, within [1, 64]. */
static int requestedThreads(void) {
  const char *requested = getenv("ATTENTION_LAB_THREADS");
  long threads = requested && *requested ? atol(requested) : sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  return threads > 64 ? 64 : (int)threads;
}

static void startPool(void) {
  if (pool.started) return;
  pool.started = 1;
  int threads = requestedThreads(), created = 1;
  for (int part = 1; part < threads; part++) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, poolWorker, (void *)(intptr_t)part) != 0) break;
    pthread_detach(thread);
    created++;
  }
  pool.threads = created;
}

/** One caller at a time owns the pool (the module may be loaded by several worker threads). */
static pthread_mutex_t poolOwner = PTHREAD_MUTEX_INITIALIZER;

/** Runs function(context, part, parts) for every part, on the pool when `parallel` and the pool is free. */
static void runParts(PartFunction function, void *context, int parallel) {
  if (parallel) {
    pthread_mutex_lock(&poolOwner);
    startPool();
    pthread_mutex_unlock(&poolOwner);
  }
  if (!parallel || pool.threads == 1 || pthread_mutex_trylock(&poolOwner) != 0) {
    function(context, 0, 1);
    return;
  }
  pool.function = function;
  pool.context = context;
  __atomic_store_n(&pool.pending, pool.threads - 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&pool.lock);
  __atomic_add_fetch(&pool.generation, 1, __ATOMIC_RELEASE);
  if (pool.sleepers > 0) pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  function(context, 0, pool.threads);
  while (__atomic_load_n(&pool.pending, __ATOMIC_ACQUIRE) > 0) relax();
  pthread_mutex_unlock(&poolOwner);
}

// ---------------------------------------------------------------------------------------------
// Strided iteration: operands of one shape, adjacent dims merged where every operand allows it.

typedef struct {
  int ndim;
  int operands;
  long shape[MAX_DIMS];
  long offset[MAX_OPERANDS];
  long strides[MAX_OPERANDS][MAX_DIMS];
} Walk;

/** Reads layout = [ndim, shape..., (offset, strides...) per operand] and merges dims. */
static int readWalk(const int32_t *layout, size_t length, int operands, Walk *walk) {
  int ndim = layout[0];
  if (ndim < 0 || ndim > MAX_DIMS || length < (size_t)(1 + ndim + operands * (1 + ndim))) return 0;
  walk->operands = operands;
  const int32_t *at = layout + 1 + ndim;
  for (int o = 0; o < operands; o++) {
    walk->offset[o] = at[0];
    at += 1 + ndim;
  }
  // Keep dims of size != 1, then merge d into d+1 when every operand's strides chain.
  int kept = 0;
  for (int d = 0; d < ndim; d++) {
    if (layout[1 + d] == 1) continue;
    walk->shape[kept] = layout[1 + d];
    for (int o = 0; o < operands; o++) walk->strides[o][kept] = layout[1 + ndim + o * (1 + ndim) + 1 + d];
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
  return 1;
}

/** Rows of the innermost dim: row r's start per operand in starts[o], r counting in row-major order. */
typedef struct {
  const Walk *walk;
  long index[MAX_DIMS];
  long starts[MAX_OPERANDS];
  long rows;
} Rows;

static void beginRows(const Walk *walk, Rows *rows) {
  rows->walk = walk;
  rows->rows = 1;
  for (int d = 0; d < walk->ndim - 1; d++) rows->rows *= walk->shape[d];
  memset(rows->index, 0, sizeof rows->index);
  for (int o = 0; o < walk->operands; o++) rows->starts[o] = walk->offset[o];
}

static void nextRow(Rows *rows) {
  const Walk *walk = rows->walk;
  for (int d = walk->ndim - 2; d >= 0; d--) {
    rows->index[d]++;
    for (int o = 0; o < walk->operands; o++) rows->starts[o] += walk->strides[o][d];
    if (rows->index[d] < walk->shape[d]) return;
    for (int o = 0; o < walk->operands; o++) rows->starts[o] -= walk->strides[o][d] * walk->shape[d];
    rows->index[d] = 0;
  }
}

/**
 * For ops along the last dim of a one-operand layout: a walk over the view without that dim (its
 * innermost dim is itself a dim of rows, each element a row), and the dim's length and stride.
 */
static void readRowWalk(const int32_t *layout, Walk *walk, long *n, long *stride) {
  int ndim = layout[0];
  *n = layout[ndim];
  *stride = layout[1 + ndim + 1 + ndim - 1];
  int32_t outer[1 + 2 * MAX_DIMS];
  outer[0] = ndim - 1;
  for (int d = 0; d < ndim - 1; d++) {
    outer[1 + d] = layout[1 + d];
    outer[1 + (ndim - 1) + 1 + d] = layout[1 + ndim + 1 + d];
  }
  outer[1 + (ndim - 1)] = layout[1 + ndim];
  readWalk(outer, 2 + 2 * (ndim - 1), 1, walk);
}

// ---------------------------------------------------------------------------------------------
// Vectorised exp: Cephes' expf range reduction and polynomial, 8 lanes. 2^n is applied in two halves
// so results near FLT_MAX and the subnormals below e^-87 come out as expf gives them; NaN stays NaN.

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
  __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
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

static void expContiguous(const float *in, float *out, long n) {
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
    default: return NAN;
  }
}

/** One row of a binary op; the common stride pairs get loops the compiler vectorises. */
static void binaryRow(int op, const float *a, long sa, const float *b, long sb, float *out, long n) {
#define BINARY_LOOPS(EXPR)                                                                       \
  if (sa == 1 && sb == 1) for (long i = 0; i < n; i++) { float x = a[i], y = b[i]; out[i] = (EXPR); } \
  else if (sa == 1 && sb == 0) { float y = b[0]; for (long i = 0; i < n; i++) { float x = a[i]; out[i] = (EXPR); } } \
  else if (sa == 0 && sb == 1) { float x = a[0]; for (long i = 0; i < n; i++) { float y = b[i]; out[i] = (EXPR); } } \
  else for (long i = 0; i < n; i++) { float x = a[i * sa], y = b[i * sb]; out[i] = (EXPR); }
  switch (op) {
    case BINARY_ADD: BINARY_LOOPS(x + y) break;
    case BINARY_SUB: BINARY_LOOPS(x - y) break;
    case BINARY_MUL: BINARY_LOOPS(x * y) break;
    case BINARY_DIV: BINARY_LOOPS(x / y) break;
    default: for (long i = 0; i < n; i++) out[i] = applyBinary(op, a[i * sa], b[i * sb]);
  }
#undef BINARY_LOOPS
}

// ---------------------------------------------------------------------------------------------
// Reductions over the last dim.

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
    for (int l = 0; l < 8; l++) best = wantsMax ? (lanes[l] > best ? lanes[l] : best) : (lanes[l] < best ? lanes[l] : best);
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

// ---------------------------------------------------------------------------------------------
// GEMM: C (M, N) = A (M, K) · B (K, N) per batch, any strides in, C contiguous out.

enum { MR = 6, NR = 16, KC = 256, MC = 96, NC = 2048 };

typedef struct {
  const float *a;
  const float *b;
  float *c;
  long batch, m, k, n;
  long aBatch, aRow, aCol; // strides of A: batch, M, K
  long bBatch, bRow, bCol; // strides of B: batch, K, N
} Gemm;

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
    for (int r = 0; r < MR; r++) {
      const float *row = a + (i0 + p + r) * rs + t0 * cs;
      float *dst = out + p * kc + r;
      if (r < rows) {
        for (long t = 0; t < kc; t++) dst[t * MR] = row[t * cs];
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
static void microKernel(long kc, const float *a, const float *b, float *c, long ldc, int rows, int cols, int accumulate) {
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
            microKernel(kc, packedA + ir * kc, packedB + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc, rows, cols, pc > 0);
          }
        }
      }
    }
  }
}

/** Σ_t a[t]·b[t] over two contiguous rows. */
static float dot(const float *a, const float *b, long k) {
  long t = 0;
  float total = 0;
#if HAVE_AVX2
  __m256 acc = _mm256_setzero_ps();
  for (; t + 8 <= k; t += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t), acc);
  total = sum8(acc);
#endif
  for (; t < k; t++) total += a[t] * b[t];
  return total;
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
      for (; j < n; j++) c[i * n + j] = dot(ai, b + j * g->bCol, k);
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

static void gemm(const Gemm *g) {
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

// ---------------------------------------------------------------------------------------------
// Node-API glue.

static void *typedArrayData(napi_env env, napi_value value, size_t *length) {
  napi_typedarray_type type;
  void *data = NULL;
  size_t count = 0;
  if (napi_get_typedarray_info(env, value, &type, &count, &data, NULL, NULL) != napi_ok) return NULL;
  if (length) *length = count;
  return data;
}

static int readArguments(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    napi_throw_error(env, NULL, "native kernel called with the wrong number of arguments");
    return 0;
  }
  return 1;
}

static int readInt(napi_env env, napi_value value) {
  int32_t result = 0;
  napi_get_value_int32(env, value, &result);
  return result;
}

static napi_value failed(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/**
 * An elementwise kernel over one walk: the output is contiguous in the walk's row-major order, each
 * row is handed out as element range [i0, i1) of that row. Large jobs split over the pool by rows,
 * or within the row when there is only one (a contiguous tensor merges into a single row).
 */
typedef struct ElementwiseJob ElementwiseJob;
typedef void (*RowFunction)(const ElementwiseJob *job, const long *starts, float *out, long i0, long i1);

struct ElementwiseJob {
  Walk walk;
  int op;
  const void *inputs[MAX_OPERANDS];
  float *out;
  RowFunction row;
};

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
  for (long r = first; r < end; r++, nextRow(&rows)) job->row(job, rows.starts, job->out + r * n, 0, n);
}

static void runElementwise(ElementwiseJob *job) {
  long elements = 1;
  for (int d = 0; d < job->walk.ndim; d++) elements *= job->walk.shape[d];
  runParts(elementwisePart, job, elements >= (1 << 18));
}

/** Reads the layout for `operands` inputs and the typed arrays of the arguments from `first` on; 0 with an exception pending if they are wrong. */
static int readElementwise(napi_env env, napi_value *argv, int first, int operands, ElementwiseJob *job, const char *name) {
  size_t layoutLength = 0;
  for (int o = 0; o < operands; o++) job->inputs[o] = typedArrayData(env, argv[first + o], NULL);
  const int32_t *layout = typedArrayData(env, argv[first + operands], &layoutLength);
  job->out = typedArrayData(env, argv[first + operands + 1], NULL);
  int ok = layout && job->out && readWalk(layout, layoutLength, operands, &job->walk);
  for (int o = 0; o < operands; o++) ok = ok && job->inputs[o];
  if (!ok) napi_throw_error(env, NULL, name);
  return ok;
}

static void copyRow(const ElementwiseJob *job, const long *starts, float *out, long i0, long i1) {
  const float *in = (const float *)job->inputs[0] + starts[0];
  long s = job->walk.strides[0][job->walk.ndim - 1];
  if (s == 1) memcpy(out + i0, in + i0, (i1 - i0) * sizeof(float));
  else for (long i = i0; i < i1; i++) out[i] = in[i * s];
}

static void unaryRow(const ElementwiseJob *job, const long *starts, float *out, long i0, long i1) {
  const float *in = (const float *)job->inputs[0] + starts[0];
  long s = job->walk.strides[0][job->walk.ndim - 1];
  if (job->op == UNARY_EXP && s == 1) expContiguous(in + i0, out + i0, i1 - i0);
  else if (job->op == UNARY_NEG && s == 1) for (long i = i0; i < i1; i++) out[i] = -in[i];
  else for (long i = i0; i < i1; i++) out[i] = applyUnary(job->op, in[i * s]);
}

static void binaryElements(const ElementwiseJob *job, const long *starts, float *out, long i0, long i1) {
  int last = job->walk.ndim - 1;
  long sa = job->walk.strides[0][last], sb = job->walk.strides[1][last];
  const float *a = (const float *)job->inputs[0] + starts[0] + i0 * sa;
  const float *b = (const float *)job->inputs[1] + starts[1] + i0 * sb;
  binaryRow(job->op, a, sa, b, sb, out + i0, i1 - i0);
}

static void whereRow(const ElementwiseJob *job, const long *starts, float *out, long i0, long i1) {
  int last = job->walk.ndim - 1;
  long sc = job->walk.strides[0][last], sa = job->walk.strides[1][last], sb = job->walk.strides[2][last];
  const uint8_t *c = (const uint8_t *)job->inputs[0] + starts[0];
  const float *x = (const float *)job->inputs[1] + starts[1], *y = (const float *)job->inputs[2] + starts[2];
  for (long i = i0; i < i1; i++) out[i] = c[i * sc] ? x[i * sa] : y[i * sb];
}

/** The elementwise kernels' entry: arguments ([op,] inputs..., layout, out), the rows done by `row`. */
static napi_value elementwiseCall(napi_env env, napi_callback_info info, int takesOp, int operands, RowFunction row, const char *name) {
  napi_value argv[1 + MAX_OPERANDS + 2];
  ElementwiseJob job = { .row = row };
  if (!readArguments(env, info, takesOp + operands + 2, argv)) return NULL;
  if (takesOp) job.op = readInt(env, argv[0]);
  if (readElementwise(env, argv, takesOp, operands, &job, name)) runElementwise(&job);
  return NULL;
}

/** copy(source, layout, out): gathers one strided view into contiguous `out`. */
static napi_value copyView(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 0, 1, copyRow, "copy: bad arguments");
}

/** unary(op, source, layout, out). */
static napi_value unary(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 1, 1, unaryRow, "unary: bad arguments");
}

/** binary(op, a, b, layout, out): a and b already broadcast to one shape. */
static napi_value binary(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 1, 2, binaryElements, "binary: bad arguments");
}

/** where(condition (uint8), a, b, layout, out). */
static napi_value whereView(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 0, 3, whereRow, "where: bad arguments");
}

/**
 * Reads the (source, layout, out) arguments of a kernel along the last dim, from argv[first] on;
 * 0 with an exception pending when they are wrong.
 */
static int readRowsArguments(napi_env env, napi_value *argv, int first, const float **source, const int32_t **layout, float **out, const char *name) {
  size_t layoutLength = 0;
  *source = typedArrayData(env, argv[first], NULL);
  *layout = typedArrayData(env, argv[first + 1], &layoutLength);
  *out = typedArrayData(env, argv[first + 2], NULL);
  int ndim = *layout && layoutLength >= 3 ? (*layout)[0] : 0;
  if (!*source || !*out || ndim < 1 || ndim > MAX_DIMS || layoutLength < (size_t)(2 + 2 * ndim)) {
    napi_throw_error(env, NULL, name);
    return 0;
  }
  return 1;
}

/** reduce(op, source, layout, out): folds the last dim; never merged away, so readWalk sees it as a dim of its own. */
static napi_value reduce(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!readArguments(env, info, 4, argv)) return NULL;
  int op = readInt(env, argv[0]);
  const float *source;
  const int32_t *layout;
  float *out;
  if (!readRowsArguments(env, argv, 1, &source, &layout, &out, "reduce: bad arguments")) return NULL;
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
  return NULL;
}

/** softmax(source, layout, out): along the last dim, rows written contiguously; large inputs split over the pool. */
typedef struct {
  const float *source;
  const int32_t *layout;
  float *out;
} SoftmaxJob;

static void softmaxPart(void *context, int part, int parts) {
  const SoftmaxJob *job = context;
  const int32_t *layout = job->layout;
  long n, stride;
  Walk walk;
  readRowWalk(layout, &walk, &n, &stride);
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
      if (r >= first && r < last) softmaxRow(job->source + rows.starts[0] + i * innerStride, stride, n, job->out + r * n);
    }
    if (r >= last) break;
  }
}

static napi_value softmax(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!readArguments(env, info, 3, argv)) return NULL;
  SoftmaxJob job;
  if (!readRowsArguments(env, argv, 0, &job.source, &job.layout, &job.out, "softmax: bad arguments")) return NULL;
  long elements = 1;
  for (int d = 0; d < job.layout[0]; d++) elements *= job.layout[1 + d];
  runParts(softmaxPart, &job, elements >= (1 << 16));
  return NULL;
}

/** matmul(a, b, layout, out): layout = [batch, m, k, n, aOffset, aBatch, aRow, aCol, bOffset, bBatch, bRow, bCol]. */
static napi_value matmul(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!readArguments(env, info, 4, argv)) return NULL;
  size_t layoutLength = 0;
  const float *a = typedArrayData(env, argv[0], NULL);
  const float *b = typedArrayData(env, argv[1], NULL);
  const int32_t *layout = typedArrayData(env, argv[2], &layoutLength);
  float *out = typedArrayData(env, argv[3], NULL);
  if (!a || !b || !layout || !out || layoutLength != 12) return failed(env, "matmul: bad arguments");
  Gemm g = {
    a + layout[4], b + layout[8], out, layout[0], layout[1], layout[2], layout[3],
    layout[5], layout[6], layout[7], layout[9], layout[10], layout[11],
  };
  gemm(&g);
  return NULL;
}

/** threads(): how many threads the pool runs large kernels on (asking does not start it). */
static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&poolOwner);
  int count = pool.started ? pool.threads : requestedThreads();
  pthread_mutex_unlock(&poolOwner);
  napi_value result;
  napi_create_int32(env, count, &result);
  return result;
}

/** simd(): the instruction set the kernels were compiled for. */
static napi_value simd(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_string_utf8(env, HAVE_AVX2 ? "AVX2+FMA" : "portable C", NAPI_AUTO_LENGTH, &result);
  return result;
}

static napi_value initialize(napi_env env, napi_value exports) {
#if HAVE_AVX2
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    napi_throw_error(env, NULL, "built for AVX2 and FMA, which this CPU lacks");
    return NULL;
  }
#endif
#if defined(__GLIBC__)
  // Tensors are large and short-lived: glibc would mmap each one fresh and munmap it when freed, so
  // every new tensor paid a page fault per 4 KiB (17 ms for 32 MiB here, against 1 ms to write it).
  // Served from the heap and kept there when freed, the next tensor reuses warm pages.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  const napi_property_descriptor functions[] = {
    { "copy", NULL, copyView, NULL, NULL, NULL, napi_default, NULL },
    { "unary", NULL, unary, NULL, NULL, NULL, napi_default, NULL },
    { "binary", NULL, binary, NULL, NULL, NULL, napi_default, NULL },
    { "where", NULL, whereView, NULL, NULL, NULL, napi_default, NULL },
    { "reduce", NULL, reduce, NULL, NULL, NULL, napi_default, NULL },
    { "matmul", NULL, matmul, NULL, NULL, NULL, napi_default, NULL },
    { "softmax", NULL, softmax, NULL, NULL, NULL, napi_default, NULL },
    { "threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL },
    { "simd", NULL, simd, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, initialize)
