/**
 * The seeded random stream (randomStream.h), written operation for operation as kernel/engine/random.ts
 * writes it: xoshiro128** draws, then a Box-Muller transform whose log, sine and cosine are polynomials of
 * IEEE basic operations (no libm), so every value equals the JS generator's. Contracting a*b+c into one
 * fused multiply-add would round differently from JS, so this file turns contraction off. The words are
 * drawn in order on one thread; only the normal transform, a function of each pair's own words, runs on
 * the thread pool, so the values are the same on any number of threads.
 */
#ifdef __clang__
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "randomStream.h"

#include <math.h>
#include <string.h>

#include "threadPool.h"

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/** One xoshiro128** step over the four words s0..s3 (locals, written back by the caller). */
#define NEXT_DRAW(result)                                                                                              \
  do {                                                                                                               \
    (result) = rotl(s1 * 5, 7) * 9;                                                                                  \
    uint32_t t = s1 << 9;                                                                                            \
    s2 ^= s0;                                                                                                        \
    s3 ^= s1;                                                                                                        \
    s1 ^= s2;                                                                                                        \
    s0 ^= s3;                                                                                                        \
    s2 ^= t;                                                                                                         \
    s3 = rotl(s3, 11);                                                                                               \
  } while (0)

void fillUniform(uint32_t *state, float *out, size_t length) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3], draw;
  for (size_t i = 0; i < length; i++) {
    NEXT_DRAW(draw);
    out[i] = (float)((double)(draw >> 8) * 0x1p-24);
  }
  state[0] = s0, state[1] = s1, state[2] = s2, state[3] = s3;
}

static const double angleStep = (2 * M_PI) / 16777216;

/** sin(t) for t in [0, pi/4]: Taylor to t^11 (error below 1e-11). */
static inline double sinPolynomial(double t) {
  double t2 = t * t;
  return t * (1 + t2 * (-1.0 / 6 + t2 * (1.0 / 120 + t2 * (-1.0 / 5040 + t2 * (1.0 / 362880 + t2 * (-1.0 / 39916800))))));
}

/** cos(t) for t in [0, pi/4]: Taylor to t^12 (error below 1e-12). */
static inline double cosPolynomial(double t) {
  double t2 = t * t;
  return 1 + t2 * (-1.0 / 2 +
                   t2 * (1.0 / 24 +
                         t2 * (-1.0 / 720 + t2 * (1.0 / 40320 + t2 * (-1.0 / 3628800 + t2 * (1.0 / 479001600))))));
}

/** log(k / 2^24) for k in [1, 2^24]: k = m 2^e with m in (sqrt(1/2), sqrt(2)], then log m by atanh's series. */
static inline double logOfFraction(uint32_t k) {
  int e = 31 - __builtin_clz(k);
  double m = (double)k / (double)(1u << e);
  int halve = m > M_SQRT2; /* arithmetic, not a branch: a coin flip each, which a branch would mispredict */
  m = m * (1 - 0.5 * halve);
  e = e + halve;
  double f = m - 1;
  double s = f / (m + 1);
  double z = s * s;
  double series = z * (1.0 / 3 + z * (1.0 / 5 + z * (1.0 / 7 + z * (1.0 / 9 + z * (1.0 / 11 + z * (1.0 / 13))))));
  return (double)(e - 24) * M_LN2 + 2 * s * (1 + series);
}

/**
 * The normal pair of draws (a, b), as random.ts's normalPair: radius from a; angle from b, folded by
 * quadrant and octant onto [0, pi/4], the cosine and sine then picked by index from (cos, sin, -cos, -sin).
 */
static inline void normalPair(uint32_t a, uint32_t b, double *first, double *second) {
  double radius = sqrt(-2 * logOfFraction((a >> 8) + 1));
  uint32_t angle = b >> 8;
  uint32_t quadrant = angle >> 22, within = angle & 0x3fffff;
  uint32_t upperOctant = within > 0x200000;
  double t = (double)(within + upperOctant * (0x400000 - 2 * within)) * angleStep;
  double cosT = cosPolynomial(t), sinT = sinPolynomial(t);
  double signedTrig[4] = { cosT, sinT, -cosT, -sinT };
  *first = radius * signedTrig[((4 - quadrant) & 3) ^ upperOctant];
  *second = radius * signedTrig[((5 - quadrant) & 3) ^ upperOctant];
}

/** Words for the pairs [begin, end) sit where their normals go (out as words): each pair reads two, writes two. */
typedef struct {
  uint32_t *words;
  size_t pairs;
} NormalJob;

static void normalPart(void *context, int part, int parts) {
  const NormalJob *job = context;
  size_t begin = job->pairs * part / parts, end = job->pairs * (part + 1) / parts;
  for (size_t p = begin; p < end; p++) {
    uint32_t *at = job->words + 2 * p;
    double first, second;
    normalPair(at[0], at[1], &first, &second);
    float values[2] = { (float)first, (float)second };
    memcpy(at, values, sizeof values); /* a character copy: ordered after the word loads whatever the types */
  }
}

/**
 * The words are drawn in order (one sequential stream), then transformed pair by pair in parallel: each
 * pair depends on its own two words only, so the values are the same on any number of threads.
 */
void fillNormal(uint32_t *state, float *out, size_t length) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3], a, b;
  NormalJob job = { .words = (uint32_t *)out, .pairs = length / 2 };
  for (size_t i = 0; i < 2 * job.pairs; i++) NEXT_DRAW(job.words[i]);
  runParts(normalPart, &job, job.pairs >= 1 << 14);
  if (length % 2) {
    double first, second;
    NEXT_DRAW(a);
    NEXT_DRAW(b);
    normalPair(a, b, &first, &second);
    out[length - 1] = (float)first;
  }
  state[0] = s0, state[1] = s1, state[2] = s2, state[3] = s3;
}
