/**
 * The seeded random number generator every package draws from.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit integer arithmetic only, so the same seed
 * gives the same numbers on every platform and Node version. Seeding hashes the seed text to
 * 128 bits (cyrb128) and mixes each word with splitmix32, so seeds 1, 2, 3… give unrelated
 * streams from the first draw. Doubles use 53 random bits (two outputs).
 *
 * Normals use Acklam's inverse normal CDF: exactly one uniform per normal, so changing a
 * distribution parameter never shifts the stream of a later draw.
 *
 * Child streams: `rng.fork('latency')` derives a new generator from the parent's *seed* and the
 * name, not from the parent's position, so adding a consumer never changes another's numbers.
 */
import { v4 as uuidV4 } from 'uuid';
import { TradeKitError, describeValue } from './errors.js';

/** What a generator can be seeded with. */
export type Seed = number | string;

/** Saved generator state, for snapshot and restore. */
export interface RngState {
  key: string;
  s: [number, number, number, number];
}

function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

// Acklam's inverse normal CDF coefficients (relative error < 1.15e-9).
const A1 = -3.969683028665376e1;
const A2 = 2.209460984245205e2;
const A3 = -2.759285104469687e2;
const A4 = 1.38357751867269e2;
const A5 = -3.066479806614716e1;
const A6 = 2.506628277459239;
const B1 = -5.447609879822406e1;
const B2 = 1.615858368580409e2;
const B3 = -1.556989798598866e2;
const B4 = 6.68013118877181e1;
const B5 = -1.328068155288572e1;
const C1 = -7.784894002430293e-3;
const C2 = -3.223964580411365e-1;
const C3 = -2.400758277161838;
const C4 = -2.549732539343734;
const C5 = 4.374664141464968;
const C6 = 2.938163982698783;
const D1 = 7.784695709041462e-3;
const D2 = 3.224671290700398e-1;
const D3 = 2.445134137142996;
const D4 = 3.754408661907416;
const P_LOW = 0.02425;
const P_HIGH = 1 - P_LOW;

/** Inverse of the standard normal CDF (Acklam), for `p` in (0, 1). */
export function inverseNormalCdf(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  }
  if (p <= P_HIGH) {
    const q = p - 0.5;
    const r = q * q;
    return (
      ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) /
      (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1)
    );
  }
  const q = Math.sqrt(-2 * Math.log(1 - p));
  return -(((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
}

const LOG_FACT = [
  0,
  0,
  Math.LN2,
  1.791759469228055,
  3.1780538303479458,
  4.787491742782046,
  6.579251212010101,
  8.525161361065415,
  10.60460290274525,
  12.801827480081469,
];

/** ln(k!) for integer k ≥ 0 (table below 10, Stirling series above; error < 1e-10). */
export function logFactorial(k: number): number {
  if (k < 10) return LOG_FACT[k] as number;
  const n = k + 1;
  return (n - 0.5) * Math.log(n) - n + 0.9189385332046728 + 1 / (12 * n) - 1 / (360 * n * n * n);
}

function badParam(name: string, expectation: string, value: unknown): TradeKitError {
  return new TradeKitError(
    'RNG_INVALID_PARAMETER',
    `Expected \`${name}\` to be ${expectation}, got ${describeValue(value)}.`,
    {
      details: { field: name, value },
    },
  );
}

/**
 * A seeded generator. Same seed → same sequence, everywhere.
 *
 * @example
 * const rng = new Rng(42);
 * rng.normal();           // standard normal
 * rng.fork('latency');    // independent child stream
 */
export class Rng {
  /** The seed path this generator was derived from, e.g. `"42/latency"`. */
  readonly key: string;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: Seed = 0) {
    if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string') {
      throw badParam('seed', 'a finite number or a string', seed);
    }
    this.key = String(seed);
    const h = cyrb128(this.key);
    this.s0 = splitmix32(h[0]);
    this.s1 = splitmix32(h[1]);
    this.s2 = splitmix32(h[2]);
    this.s3 = splitmix32(h[3]);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent child stream named `name`; the same name always gives the same stream. */
  fork(name: string): Rng {
    return new Rng(`${this.key}/${name}`);
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform double in (0, 1): never exactly 0 or 1 (safe for logs). */
  nextOpen(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** A uniform double in [min, max). */
  uniform(min = 0, max = 1): number {
    return min + (max - min) * this.next();
  }

  /** A uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw badParam('min/max', 'integers with min ≤ max', [min, max]);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** A normal draw (one uniform per draw). */
  normal(mean = 0, sd = 1): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    const p = (hi * 67108864 + lo + 0.5) / 9007199254740992;
    let z: number;
    if (p < P_LOW) {
      const q = Math.sqrt(-2 * Math.log(p));
      z = (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
    } else if (p <= P_HIGH) {
      const q = p - 0.5;
      const r = q * q;
      z =
        ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) /
        (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
    } else {
      const q = Math.sqrt(-2 * Math.log(1 - p));
      z = -(((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
    }
    return mean + sd * z;
  }

  /** A log-normal draw: `exp(normal(mu, sigma))`. */
  logNormal(mu = 0, sigma = 1): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** An exponential draw with the given rate (mean 1/rate). */
  exponential(rate = 1): number {
    if (!(rate > 0) || !Number.isFinite(rate)) throw badParam('rate', 'a finite number > 0', rate);
    return -Math.log(this.nextOpen()) / rate;
  }

  /** A Poisson draw with mean `lambda` (Knuth below 30, Hörmann's PTRS above). */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw badParam('lambda', 'a finite number ≥ 0', lambda);
    if (lambda === 0) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let prod = this.next();
      while (prod > limit) {
        k++;
        prod *= this.next();
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    while (true) {
      const u = this.next() - 0.5;
      const v = this.nextOpen();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) {
        return k;
      }
    }
  }

  /** A Student-t draw with `df` degrees of freedom (Bailey's polar method), unit scale. */
  studentT(df: number): number {
    if (!(df > 0) || !Number.isFinite(df)) throw badParam('df', 'a finite number > 0', df);
    while (true) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const w = u * u + v * v;
      if (w > 1 || w === 0) continue;
      return u * Math.sqrt((df * (w ** (-2 / df) - 1)) / w);
    }
  }

  /** A gamma draw (Marsaglia–Tsang), shape k > 0, scale θ > 0. */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0) || !Number.isFinite(shape)) throw badParam('shape', 'a finite number > 0', shape);
    if (shape < 1) return this.gamma(shape + 1, scale) * this.nextOpen() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    while (true) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.nextOpen();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** A Pareto draw: scale `xm` > 0, tail index `alpha` > 0 (heavy tail). */
  pareto(alpha: number, xm = 1): number {
    if (!(alpha > 0)) throw badParam('alpha', 'a number > 0', alpha);
    return xm / this.nextOpen() ** (1 / alpha);
  }

  /** One element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (!Array.isArray(items) || items.length === 0) throw badParam('items', 'a non-empty array', items);
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An index drawn with probability proportional to `weights[i]` (≥ 0, sum > 0). */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0)) throw badParam('weights', 'numbers ≥ 0', weights);
      total += w;
    }
    if (!(total > 0)) throw badParam('weights', 'numbers with a sum > 0', weights);
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] as number;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const r = this.uint32();
      out[i] = r & 0xff;
      if (i + 1 < n) out[i + 1] = (r >>> 8) & 0xff;
      if (i + 2 < n) out[i + 2] = (r >>> 16) & 0xff;
      if (i + 3 < n) out[i + 3] = r >>> 24;
    }
    return out;
  }

  /** A version-4 UUID from this stream (deterministic, unlike `crypto.randomUUID`). */
  uuid(): string {
    return uuidV4({ random: this.bytes(16) });
  }

  /** The generator's state, to restore later with {@link Rng.restore}. */
  getState(): RngState {
    return { key: this.key, s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  /** Puts the generator back in a saved state. */
  setState(state: RngState): void {
    const [a, b, c, d] = state.s;
    if ([a, b, c, d].some((x) => !Number.isInteger(x))) throw badParam('state.s', 'four 32-bit integers', state.s);
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
  }

  /** A generator in a saved state. */
  static restore(state: RngState): Rng {
    const rng = new Rng(state.key);
    rng.setState(state);
    return rng;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
