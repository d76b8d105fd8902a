/**
 * The engine's random stream: one seeded generator on the host, so that `manualSeed(n)` gives the same
 * values on every backend. xoshiro128** over 32-bit words; normals by Box-Muller, whose log, sine and
 * cosine are polynomials of IEEE basic operations (not Math.log/Math.cos, which differ between engines),
 * so the native module's C generator (nativeKernels/randomStream.c, written operation for operation as
 * this file) gives the same values bit for bit. Once the native backend is created it fills large
 * tensors in C (useStreamKernels); the state stays here, and both paths advance the one sequential stream.
 */

/** PyTorch's default seed (torch.initial_seed() in a fresh process), so fresh sessions are repeatable too. */
const defaultSeed = 67280421310721;

/** The four xoshiro128** words, advanced in place by the JS loops and by the C kernels alike. */
const state = new Uint32Array(4);

/**
 * The C generator's fills (the native module's `uniform` and `normal`): shift + scale times each value,
 * rounded to float32 once, each advancing `state` in place.
 */
export interface StreamKernels {
  uniform(state: Uint32Array, out: Float32Array, shift: number, scale: number): void;
  normal(state: Uint32Array, out: Float32Array, shift: number, scale: number): void;
  /** low + floor(u range) for each uniform u, into int32 storage. */
  integers(state: Uint32Array, out: Int32Array, low: number, range: number): void;
}

let streamKernels: StreamKernels | undefined;

/** Fills from the native module (the same values as the JS loops, faster), or from JS again with undefined. */
export function useStreamKernels(kernels: StreamKernels | undefined): void {
  streamKernels = kernels;
}

/** splitmix32 spreads a seed over the four state words, as xoshiro's authors recommend. */
function seedState(seed: number): void {
  let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    state[i] = z ^ (z >>> 16);
  }
}
seedState(defaultSeed);

/**
 * torch.manual_seed: reseeds the engine's random stream, which rand, randn, randint, randperm, multinomial,
 * bernoulli, normal and the *Like ops draw from. The same seed gives the same values on every backend, but
 * not PyTorch's values: the generator is xoshiro128**, not PyTorch's Mersenne Twister and Philox.
 */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
  seedState(Math.trunc(seed));
}

/** Words are drawn in blocks of this many into `block`, then transformed (a bounded scratch, reused). */
const blockWords = 4096;
const block = new Uint32Array(blockWords);

/** Fills block[0, count) with the next xoshiro128** words, the state in locals for the loop. */
function drawWords(count: number): void {
  let s0 = state[0] | 0;
  let s1 = state[1] | 0;
  let s2 = state[2] | 0;
  let s3 = state[3] | 0;
  for (let i = 0; i < count; i++) {
    block[i] = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}

/** The next xoshiro128** word, as a uint32. */
function nextWord(): number {
  drawWords(1);
  return block[0];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** 2^-24: a word's top 24 bits times this is a uniform on [0, 1), exactly (a multiply is faster than / 2^24). */
const uniformScale = 2 ** -24;

/** Uniform on [0, 1) with 24 random bits: every value is exactly a float32. */
export function nextUniform(): number {
  return (nextWord() >>> 8) * uniformScale;
}

/** Uniform integer in [low, high). */
export function nextInt(low: number, high: number): number {
  return low + Math.floor(nextUniform() * (high - low));
}

/**
 * Fills `out` with uniforms on [low, high), low + (high - low) u for a uniform u on [0, 1), one word each,
 * computed in double and rounded to float32 once (as torch's uniform_). In C once the native backend exists.
 */
export function fillUniform(out: Float32Array, low = 0, high = 1): void {
  const scale = high - low;
  if (streamKernels && out.length > 0) return streamKernels.uniform(state, out, low, scale);
  for (let start = 0; start < out.length; start += blockWords) {
    const count = Math.min(blockWords, out.length - start);
    drawWords(count);
    for (let i = 0; i < count; i++) out[start + i] = low + scale * ((block[i] >>> 8) * uniformScale);
  }
}

/**
 * Fills `out` with normals N(mean, std²), mean + std z for standard normals z, computed in double and rounded
 * to float32 once; a Box-Muller pair (two words) for each two values, an odd length leaving the last pair's
 * second value unused. In C once the native backend exists: the same values.
 */
export function fillNormal(out: Float32Array, mean = 0, std = 1): void {
  if (streamKernels && out.length > 0) return streamKernels.normal(state, out, mean, std);
  for (let start = 0; start < out.length; start += blockWords) {
    const count = Math.min(blockWords, out.length - start);
    drawWords(count + (count & 1));
    for (let i = 0; i < count; i += 2) {
      normalPair(block[i], block[i + 1]);
      out[start + i] = mean + std * pair.first;
      if (i + 1 < count) out[start + i + 1] = mean + std * pair.second;
    }
  }
}

/**
 * Fills `out` with integers in [low, high), one word each: low + floor(u (high - low)) for the word's
 * uniform u, as nextInt draws them. Int32 storage in C once the native backend exists: the same values.
 */
export function fillIntegers(out: Float32Array | Int32Array | Uint8Array, low: number, high: number): void {
  const range = high - low;
  if (streamKernels && out instanceof Int32Array && out.length > 0)
    return streamKernels.integers(state, out, low, range);
  for (let start = 0; start < out.length; start += blockWords) {
    const count = Math.min(blockWords, out.length - start);
    drawWords(count);
    for (let i = 0; i < count; i++) out[start + i] = low + Math.floor((block[i] >>> 8) * uniformScale * range);
  }
}

/** normalPair's result (an object per pair would cost an allocation). */
const pair = { first: 0, second: 0 };

const angleStep = (2 * Math.PI) / 16777216;

/** normalPair's cosine and sine of the folded angle, and their negations, picked by index (no branches). */
const signedTrig = new Float64Array(4);

/**
 * The Box-Muller pair of words a and b: radius sqrt(-2 log u) with u = (a's top 24 bits + 1) / 2^24 in
 * (0, 1], angle 2 pi v with v = b's top 24 bits / 2^24, folded onto [0, pi/4] by quadrant and octant
 * (exactly, on the integer) before the polynomials. Coin-flip choices are arithmetic or indexing, not
 * branches, which would mispredict half the time.
 */
function normalPair(a: number, b: number): void {
  const radius = Math.sqrt(-2 * logOfFraction((a >>> 8) + 1));
  const angle = b >>> 8;
  const quadrant = angle >>> 22;
  const within = angle & 0x3fffff;
  const upperOctant = Number(within > 0x200000);
  const t = (within + upperOctant * (0x400000 - 2 * within)) * angleStep;
  const cosT = cosPolynomial(t);
  const sinT = sinPolynomial(t);
  [signedTrig[0], signedTrig[1], signedTrig[2], signedTrig[3]] = [cosT, sinT, -cosT, -sinT];
  pair.first = radius * signedTrig[((4 - quadrant) & 3) ^ upperOctant];
  pair.second = radius * signedTrig[((5 - quadrant) & 3) ^ upperOctant];
}

/** sin(t) for t in [0, pi/4]: Taylor to t^11 (error below 1e-11). */
function sinPolynomial(t: number): number {
  const t2 = t * t;
  return t * (1 + t2 * (-1 / 6 + t2 * (1 / 120 + t2 * (-1 / 5040 + t2 * (1 / 362880 + t2 * (-1 / 39916800))))));
}

/** cos(t) for t in [0, pi/4]: Taylor to t^12 (error below 1e-12). */
function cosPolynomial(t: number): number {
  const t2 = t * t;
  return (
    1 + t2 * (-1 / 2 + t2 * (1 / 24 + t2 * (-1 / 720 + t2 * (1 / 40320 + t2 * (-1 / 3628800 + t2 * (1 / 479001600))))))
  );
}

/** log(k / 2^24) for k in [1, 2^24]: k = m 2^e with m in (sqrt(1/2), sqrt(2)], then log m by atanh's series. */
function logOfFraction(k: number): number {
  let e = 31 - Math.clz32(k);
  let m = k / (1 << e);
  const halve = Number(m > Math.SQRT2);
  m = m * (1 - 0.5 * halve);
  e = e + halve;
  const f = m - 1;
  const s = f / (m + 1);
  const z = s * s;
  const series = z * (1 / 3 + z * (1 / 5 + z * (1 / 7 + z * (1 / 9 + z * (1 / 11 + z * (1 / 13))))));
  return (e - 24) * Math.LN2 + 2 * s * (1 + series);
}
