// Scalar maths for the hot loops: fast exp / sigmoid / tanh on doubles, and a seeded RNG
// whose state can be saved and restored (exact resume).

const LOG2E = Math.LOG2E;
const LN2 = Math.LN2;
// 2^n for n in [-127, 127], so exp needs no Math.pow in the loop.
const POW2 = new Float64Array(255);
for (let n = -127; n <= 127; n++) POW2[n + 127] = Math.pow(2, n);

/**
 * e^x with ~1e-8 relative error: x = n ln2 + z, |z| ≤ ln2/2, e^z by a degree-7 Taylor
 * polynomial (error z⁸/8! < 6e-9), 2^n from a table. About twice as fast as Math.exp in V8.
 */
export function fastExp(x: number): number {
  if (x > 87) x = 87;
  else if (x < -87) x = -87;
  const y = x * LOG2E;
  const n = Math.floor(y + 0.5);
  const z = (y - n) * LN2;
  const p = 1 + z * (1 + z * (0.5 + z * (1 / 6 + z * (1 / 24 + z * (1 / 120 + z * (1 / 720 + z * (1 / 5040)))))));
  // `| 0` keeps the index a small integer, which V8 turns into a plain array load.
  return p * POW2[(n + 127) | 0];
}

/** σ(x) = 1 / (1 + e^−x) */
export function sigmoid(x: number): number {
  return 1 / (1 + fastExp(-x));
}

/** tanh(x) = 1 − 2 / (e^{2x} + 1); exact to ~1e-9 absolute. */
export function tanh(x: number): number {
  return 1 - 2 / (fastExp(2 * x) + 1);
}

/**
 * xoshiro128** pseudo-random generator: 128-bit state, saved with a checkpoint so a resumed
 * run draws the same numbers (dropout masks, sampling) as an uninterrupted one.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | readonly number[]) {
    this.s = new Uint32Array(4);
    if (typeof seed === 'number') {
      // splitmix32 spreads a small integer seed over the whole state.
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
      if (this.s.every((v) => v === 0)) this.s[0] = 1;
    } else {
      if (seed.length !== 4) throw new Error('Rng state must have 4 words');
      this.s.set(seed);
    }
  }

  get state(): number[] {
    return Array.from(this.s);
  }

  /** The live state words: the native kernels draw from (and advance) them in place. */
  words(): Uint32Array {
    return this.s;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
