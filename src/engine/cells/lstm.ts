// LSTM, as in Coursera Sequence Models, week 1:
//   c̃⟨t⟩ = tanh(Wc[a⟨t−1⟩, x⟨t⟩] + bc)      Γu, Γf, Γo = σ(W·[a⟨t−1⟩, x⟨t⟩] + b)
//   c⟨t⟩ = Γu⊙c̃⟨t⟩ + Γf⊙c⟨t−1⟩              a⟨t⟩ = Γo⊙tanh(c⟨t⟩)
// Pre-activation columns are laid out [u | f | o | c̃], H each. Training with recurrent dropout
// multiplies c̃⟨t⟩ by a mask m⟨t⟩ in the c⟨t⟩ update (cell.ts).

import type { GateName } from '../config.js';
import { matmul, matmulTN } from '../linalg.js';
import { sigmoid, tanh } from '../math.js';
import type { BackwardResult, Cell, GateBlocks, LayerState, SequenceCache } from './cell.js';
import { fresh, gateTrace, previous } from './cell.js';

/** Where each gate sits in a row of 4H pre-activations (and of `acts`): block k spans k·H … (k+1)·H. */
const BLOCKS = { gammaU: 0, gammaF: 1, gammaO: 2, cTilde: 3 } as const satisfies GateBlocks;
const G = Object.keys(BLOCKS).length;

/** First column of the Γu, Γf, Γo and c̃ blocks for H units. */
function blockStarts(H: number): [number, number, number, number] {
  return [BLOCKS.gammaU * H, BLOCKS.gammaF * H, BLOCKS.gammaO * H, BLOCKS.cTilde * H];
}

export interface LstmCache extends SequenceCache {
  /** Post-activation gates per step: [Γu | Γf | Γo | c̃], T·B·4H. */
  acts: Float32Array;
  c: Float32Array;
  tanhC: Float32Array;
  state0: LayerState;
}

/**
 * The gates and states of one step for B streams, from z = Wh·a⟨t−1⟩ (B·4H) and the step's rows
 * of xProj (from zBase): written into acts (from zBase) and c, tanhC, a (from sBase). Its own
 * function so that V8 inlines all five exponentials of the loop (in forward they overran its
 * inlining budget, and one was a call per unit).
 */
function gatesForward(
  z: Float32Array,
  xProj: Float32Array,
  zBase: number,
  cPrev: Float32Array,
  B: number,
  H: number,
  acts: Float32Array,
  c: Float32Array,
  tanhC: Float32Array,
  a: Float32Array,
  sBase: number,
  candidateMask: Float32Array | null,
): void {
  const H4 = G * H;
  const [uAt, fAt, oAt, cAt] = blockStarts(H);
  for (let b = 0; b < B; b++) {
    // Where this stream's Γu, Γf, Γo and c̃ blocks start in z and in xProj / acts, and its states.
    const zr = b * H4;
    const [zU, zF, zO, zC] = [zr + uAt, zr + fAt, zr + oAt, zr + cAt];
    const [gU, gF, gO, gC] = [zBase + zU, zBase + zF, zBase + zO, zBase + zC];
    const s = b * H;
    const at = sBase + s;
    for (let j = 0; j < H; j++) {
      const gammaU = sigmoid(z[zU + j] + xProj[gU + j]);
      const gammaF = sigmoid(z[zF + j] + xProj[gF + j]);
      const gammaO = sigmoid(z[zO + j] + xProj[gO + j]);
      const cTilde = tanh(z[zC + j] + xProj[gC + j]);
      const m = candidateMask === null ? 1 : candidateMask[at + j];
      const cNew = gammaU * (m * cTilde) + gammaF * cPrev[s + j]; // c⟨t⟩ = Γu⊙c̃ + Γf⊙c⟨t−1⟩
      const tc = tanh(cNew);
      acts[gU + j] = gammaU;
      acts[gF + j] = gammaF;
      acts[gO + j] = gammaO;
      acts[gC + j] = cTilde;
      c[at + j] = cNew;
      tanhC[at + j] = tc;
      a[at + j] = gammaO * tc; // a⟨t⟩ = Γo⊙tanh(c⟨t⟩)
    }
  }
}

export const lstmCell: Cell<LstmCache> = {
  type: 'lstm',
  gates: G,

  recurrentShapes(H) {
    return [{ name: 'Wh', rows: H, cols: G * H }];
  },

  forward(xProj, T, B, H, rec, state0, alloc = fresh, candidateMask = null) {
    const H4 = G * H;
    const BH = B * H;
    // Every value of these is written below, so reused buffers need no clearing.
    const acts = alloc('acts', T * B * H4);
    const c = alloc('c', T * BH);
    const tanhC = alloc('tanhC', T * BH);
    const a = alloc('a', T * BH);
    const zStep = alloc('zStep', B * H4); // Wh·a⟨t−1⟩ of the current step
    let aPrev = state0.a;
    let cPrev = state0.c;
    for (let t = 0; t < T; t++) {
      // z = Wh·a⟨t−1⟩ + (Wx·x⟨t⟩ + b)
      const z = matmul({ data: aPrev, rows: B, cols: H }, rec[0].w, zStep);
      const sBase = t * BH;
      gatesForward(z, xProj, t * B * H4, cPrev, B, H, acts, c, tanhC, a, sBase, candidateMask);
      aPrev = a.subarray(sBase, sBase + BH);
      cPrev = c.subarray(sBase, sBase + BH);
    }
    const final = { a: aPrev.slice(), c: cPrev.slice() };
    return {
      T,
      B,
      H,
      a,
      final,
      acts,
      c,
      tanhC,
      state0,
      candidateMask,
      trace(gate: GateName): Float32Array {
        if (gate === 'c') return c;
        if (gate === 'a') return a;
        return gateTrace(acts, BLOCKS, gate, T, B, H, 'an LSTM');
      },
    };
  },

  backward(cache, dA, rec, flow, alloc = fresh): BackwardResult {
    const { T, B, H, acts, c, tanhC, state0, candidateMask } = cache;
    const H4 = G * H;
    const [uAt, fAt, oAt, cAt] = blockStarts(H);
    const BH = B * H;
    const dZ = alloc('dZ', T * B * H4); // every value written below
    const dARec = alloc('dARec', BH).fill(0); // ∂L/∂a⟨t⟩ through a⟨t+1⟩
    const dCNext = new Float32Array(BH); // ∂L/∂c⟨t⟩ through c⟨t+1⟩
    for (let t = T - 1; t >= 0; t--) {
      const sBase = t * BH;
      const zBase = t * B * H4;
      let sq = 0;
      // c⟨t−1⟩: the previous step's row, or the initial state at t = 0.
      const cPrevOf = t > 0 ? c : state0.c;
      const cPrevAt = t > 0 ? sBase - BH : 0;
      for (let b = 0; b < B; b++) {
        const s = b * H;
        const g = zBase + b * H4;
        const [gU, gF, gO, gC] = [g + uAt, g + fAt, g + oAt, g + cAt];
        const at = sBase + s;
        const prevAt = cPrevAt + s;
        for (let j = 0; j < H; j++) {
          const da = dA[at + j] + dARec[s + j];
          sq += da * da;
          const gammaU = acts[gU + j];
          const gammaF = acts[gF + j];
          const gammaO = acts[gO + j];
          const cTilde = acts[gC + j];
          const tc = tanhC[at + j];
          const cPrev = cPrevOf[prevAt + j];
          const m = candidateMask === null ? 1 : candidateMask[at + j];
          const dc = dCNext[s + j] + da * gammaO * (1 - tc * tc);
          dZ[gU + j] = dc * m * cTilde * gammaU * (1 - gammaU);
          dZ[gF + j] = dc * cPrev * gammaF * (1 - gammaF);
          dZ[gO + j] = da * tc * gammaO * (1 - gammaO);
          dZ[gC + j] = dc * gammaU * m * (1 - cTilde * cTilde);
          dCNext[s + j] = dc * gammaF;
        }
      }
      if (flow) flow[t] += sq;
      matmul({ data: dZ.subarray(zBase, zBase + B * H4), rows: B, cols: H4 }, rec[0].wT, dARec);
    }
    const aPrev = previous(cache.a, state0.a, T, BH, alloc('aPrev', T * BH));
    const dWh = matmulTN({ data: aPrev, rows: T * B, cols: H }, { data: dZ, rows: T * B, cols: H4 });
    return { dXProj: dZ, dRecurrent: [dWh], dState0: { a: dARec.slice(), c: dCNext } };
  },
};
