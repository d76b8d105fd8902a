/**
 * The seeded random stream (randomStream.h), written operation for operation as kernel/engine/random.ts
 * writes it: xoshiro128** draws, then a Box-Muller transform whose log, sine and cosine are polynomials of
 * IEEE basic operations (no libm), so every value equals the JS generator's. Contracting a*b+c into one
 * fused multiply-add would round differently from JS, so this file turns contraction off. The words are
 * drawn in order on one thread; only the normal transform, a function of each pair's own words, runs on
 * the thread pool (written so the compiler vectorises it), so the values are the same on any number of
 * threads. Each fill maps its values v to shift + scale v in double before the one rounding to float.
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

void fillUniform(uint32_t *state, float *out, size_t length, double shift, double scale) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3], draw;
  for (size_t i = 0; i < length; i++) {
    NEXT_DRAW(draw);
    out[i] = (float)(shift + scale * ((double)(draw >> 8) * 0x1p-24));
  }
  state[0] = s0, state[1] = s1, state[2] = s2, state[3] = s3;
}

void fillIntegers(uint32_t *state, int32_t *out, size_t length, double low, double range) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3], draw;
  for (size_t i = 0; i < length; i++) {
    NEXT_DRAW(draw);
    out[i] = (int32_t)(low + floor((double)(draw >> 8) * 0x1p-24 * range));
  }
  state[0] = s0, state[1] = s1, state[2] = s2, state[3] = s3;
}

static const double angleStep = (2 * M_PI) / 16777216;

/** sin(t) for t in [0, pi/4]: Taylor to t^11 (error below 1e-11). */
static inline double sinPolynomial(double t) {
  double t2 = t * t;
  return t *
         (1 + t2 * (-1.0 / 6 + t2 * (1.0 / 120 + t2 * (-1.0 / 5040 + t2 * (1.0 / 362880 + t2 * (-1.0 / 39916800))))));
}

/** cos(t) for t in [0, pi/4]: Taylor to t^12 (error below 1e-12). */
static inline double cosPolynomial(double t) {
  double t2 = t * t;
  return 1 + t2 * (-1.0 / 2 +
                   t2 * (1.0 / 24 +
                         t2 * (-1.0 / 720 + t2 * (1.0 / 40320 + t2 * (-1.0 / 3628800 + t2 * (1.0 / 479001600))))));
}

/**
 * log(k / 2^24) for k in [1, 2^24]: k = m 2^e with m in (sqrt(1/2), sqrt(2)], then log m by atanh's series.
 * e and m come from k's double bits (exponent field, and the mantissa under a zero exponent): exactly
 * random.ts's clz32 and k / 2^e, in operations a vector loop has.
 */
static inline double logOfFraction(int32_t k) {
  double exact = (double)k;
  uint64_t bits;
  memcpy(&bits, &exact, sizeof bits);
  int32_t e = (int32_t)(bits >> 52) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  memcpy(&m, &bits, sizeof m);
  int32_t halve = m > M_SQRT2; /* arithmetic, not a branch: a coin flip each, which a branch would mispredict */
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
 * quadrant and octant onto [0, pi/4]; the cosine or sine, negated or not, is then picked by the index
 * random.ts gives its (cos, sin, -cos, -sin) table, as selects (a negation is exact, so the same values).
 */
static inline void normalPair(uint32_t a, uint32_t b, double shift, double scale, float *first, float *second) {
  double radius = sqrt(-2 * logOfFraction((int32_t)(a >> 8) + 1));
  int32_t angle = (int32_t)(b >> 8);
  int32_t quadrant = angle >> 22, within = angle & 0x3fffff;
  int32_t upperOctant = within > 0x200000;
  double t = (double)(within + upperOctant * (0x400000 - 2 * within)) * angleStep;
  double cosT = cosPolynomial(t), sinT = sinPolynomial(t);
  int32_t firstIndex = ((4 - quadrant) & 3) ^ upperOctant, secondIndex = ((5 - quadrant) & 3) ^ upperOctant;
  double firstTrig = (firstIndex & 1) ? sinT : cosT, secondTrig = (secondIndex & 1) ? sinT : cosT;
  *first = (float)(shift + scale * (radius * ((firstIndex & 2) ? -firstTrig : firstTrig)));
  *second = (float)(shift + scale * (radius * ((secondIndex & 2) ? -secondTrig : secondTrig)));
}

/** Words for the pairs [begin, end) sit where their normals go (out as words): each pair reads two, writes two. */
typedef struct {
  uint32_t *words;
  size_t pairs;
  double shift, scale;
} NormalJob;

static void normalPart(void *context, int part, int parts) {
  const NormalJob *job = context;
  uint32_t *words = job->words; /* locals, so the loop's stores cannot be taken to change them */
  double shift = job->shift, scale = job->scale;
  size_t begin = job->pairs * part / parts, end = job->pairs * (part + 1) / parts;
  for (size_t p = begin; p < end; p++) {
    float first, second;
    normalPair(words[2 * p], words[2 * p + 1], shift, scale, &first, &second);
    uint32_t firstBits, secondBits; /* the floats' bits, stored as the words they replace */
    memcpy(&firstBits, &first, sizeof first);
    memcpy(&secondBits, &second, sizeof second);
    words[2 * p] = firstBits;
    words[2 * p + 1] = secondBits;
  }
}

/**
 * The words are drawn in order (one sequential stream), then transformed pair by pair in parallel: each
 * pair depends on its own two words only, so the values are the same on any number of threads.
 */
void fillNormal(uint32_t *state, float *out, size_t length, double shift, double scale) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3], a, b;
  NormalJob job = { .words = (uint32_t *)out, .pairs = length / 2, .shift = shift, .scale = scale };
  for (size_t i = 0; i < 2 * job.pairs; i++) NEXT_DRAW(job.words[i]);
  runParts(normalPart, &job, job.pairs >= 1 << 14);
  if (length % 2) {
    float first, second;
    NEXT_DRAW(a);
    NEXT_DRAW(b);
    normalPair(a, b, shift, scale, &first, &second);
    out[length - 1] = first;
  }
  state[0] = s0, state[1] = s1, state[2] = s2, state[3] = s3;
}
