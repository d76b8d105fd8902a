/**
 * The engine's random stream: one seeded generator on the host, so that `manualSeed(n)` gives the
 * same values on every backend (values are drawn here, then uploaded). xoshiro128** over 32-bit words.
 */

/** PyTorch's default seed (torch.initial_seed() in a fresh process), so fresh sessions are repeatable too. */
const defaultSeed = 67280421310721;

let state = new Uint32Array(4);

/** splitmix32 spreads a seed over the four state words, as xoshiro's authors recommend. */
function seedState(seed: number): void {
  let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    state[i] = (z ^ (z >>> 16)) >>> 0;
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

function nextUint32(): number {
  const s = state;
  const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
  const t = (s[1] << 9) >>> 0;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Uniform on [0, 1) with 24 random bits: every value is exactly a float32. */
export function nextUniform(): number {
  return (nextUint32() >>> 8) / 16777216;
}

/** Standard normal by Box-Muller (the cosine branch only: one normal per pair of uniforms). */
export function nextNormal(): number {
  const u1 = 1 - nextUniform();
  const u2 = nextUniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Uniform integer in [low, high). */
export function nextInt(low: number, high: number): number {
  return low + Math.floor(nextUniform() * (high - low));
}
