// GRU, as in Coursera Sequence Models, week 1 (Keras resetAfter=false; the notes' Γu is Keras's 1 − z):
//   c̃⟨t⟩ = tanh(Wc[Γr⊙c⟨t−1⟩, x⟨t⟩] + bc)
//   Γu = σ(Wu[c⟨t−1⟩, x⟨t⟩] + bu)      Γr = σ(Wr[c⟨t−1⟩, x⟨t⟩] + br)
//   c⟨t⟩ = Γu⊙c̃⟨t⟩ + (1 − Γu)⊙c⟨t−1⟩   a⟨t⟩ = c⟨t⟩
// Training with recurrent dropout multiplies c̃⟨t⟩ by a mask m⟨t⟩ in the c⟨t⟩ update (cell.ts).
// Input-projection columns are [u | r | c̃]; recurrent matrices Wh_ur (H×2H) and Wh_c (H×H).

import type { GateName } from '../config.js';
import { matmul, matmulTN } from '../linalg.js';
import { sigmoid, tanh } from '../math.js';
import type { BackwardResult, Cell, GateBlocks, LayerState, SequenceCache } from './cell.js';
import { fresh, gateTrace, previous } from './cell.js';

/**
 * Where each gate sits in a row of 3H input pre-activations (and of `acts`): block k spans
 * k·H … (k+1)·H. Wh_ur·c⟨t−1⟩ has the first two, Γu and Γr, in the same order.
 */
const BLOCKS = { gammaU: 0, gammaR: 1, cTilde: 2 } as const satisfies GateBlocks;
const G = Object.keys(BLOCKS).length;

/** First column of the Γu, Γr and c̃ blocks for H units. */
function blockStarts(H: number): [number, number, number] {
  return [BLOCKS.gammaU * H, BLOCKS.gammaR * H, BLOCKS.cTilde * H];
}

export interface GruCache extends SequenceCache {
  /** [Γu | Γr | c̃] per step, T·B·3H. */
  acts: Float32Array;
  /** Γr⊙c⟨t−1⟩, the input of Wh_c, T·B·H. */
  rc: Float32Array;
  state0: LayerState;
}

export const gruCell: Cell<GruCache> = {
  type: 'gru',
  gates: G,

  recurrentShapes(H) {
    return [
      { name: 'Wh_ur', rows: H, cols: 2 * H },
      { name: 'Wh_c', rows: H, cols: H },
    ];
  },

  forward(xProj, T, B, H, rec, state0, alloc = fresh, candidateMask = null) {
    const H3 = G * H;
    const H2 = 2 * H;
    const [uAt, rAt, cAt] = blockStarts(H);
    const BH = B * H;
    // Every value of these is written below, so reused buffers need no clearing.
    const acts = alloc('acts', T * B * H3);
    const rc = alloc('rc', T * BH);
    const c = alloc('c', T * BH);
    const zurStep = alloc('zurStep', B * H2); // Wh_ur·c⟨t−1⟩ of the current step
    const zcStep = alloc('zcStep', BH); // Wh_c·(Γr⊙c⟨t−1⟩) of the current step
    let cPrev = state0.c;
    for (let t = 0; t < T; t++) {
      const zur = matmul({ data: cPrev, rows: B, cols: H }, rec[0].w, zurStep);
      const zBase = t * B * H3;
      const sBase = t * BH;
      for (let b = 0; b < B; b++) {
        const g = zBase + b * H3;
        const zr = b * H2;
        const s = b * H;
        for (let j = 0; j < H; j++) {
          const gammaU = sigmoid(zur[zr + uAt + j] + xProj[g + uAt + j]);
          const gammaR = sigmoid(zur[zr + rAt + j] + xProj[g + rAt + j]);
          acts[g + uAt + j] = gammaU;
          acts[g + rAt + j] = gammaR;
          rc[sBase + s + j] = gammaR * cPrev[s + j];
        }
      }
      const zc = matmul({ data: rc.subarray(sBase, sBase + BH), rows: B, cols: H }, rec[1].w, zcStep);
      for (let b = 0; b < B; b++) {
        const g = zBase + b * H3;
        const s = b * H;
        for (let j = 0; j < H; j++) {
          const cTilde = tanh(zc[s + j] + xProj[g + cAt + j]);
          const gammaU = acts[g + uAt + j];
          const m = candidateMask === null ? 1 : candidateMask[sBase + s + j];
          acts[g + cAt + j] = cTilde;
          c[sBase + s + j] = gammaU * (m * cTilde) + (1 - gammaU) * cPrev[s + j];
        }
      }
      cPrev = c.subarray(sBase, sBase + BH);
    }
    const last = cPrev.slice();
    return {
      T,
      B,
      H,
      a: c,
      final: { a: last, c: last },
      acts,
      rc,
      state0,
      candidateMask,
      trace(gate: GateName): Float32Array {
        if (gate === 'c' || gate === 'a') return c;
        return gateTrace(acts, BLOCKS, gate, T, B, H, 'a GRU');
      },
    };
  },

  backward(cache, dA, rec, flow, alloc = fresh): BackwardResult {
    const { T, B, H, acts, rc, state0, candidateMask } = cache;
    const c = cache.a;
    const H3 = G * H;
    const H2 = 2 * H;
    const [uAt, rAt, cAt] = blockStarts(H);
    const BH = B * H;
    // dZ, dZur, dZc and dc: every value written below before it is read.
    const dZ = alloc('dZ', T * B * H3);
    const dZur = alloc('dZur', T * B * H2);
    const dZc = alloc('dZc', T * BH);
    const dc = alloc('dc', BH);
    const dRcStep = alloc('dRcStep', BH);
    const viaGatesStep = alloc('viaGatesStep', BH);
    // ∂L/∂c⟨t⟩ through step t+1. Step t reads it into dc first, then overwrites it with ∂L/∂c⟨t−1⟩.
    const dCRec = alloc('dCRec', BH).fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const sBase = t * BH;
      const zBase = t * B * H3;
      let sq = 0;
      for (let b = 0; b < B; b++) {
        const g = zBase + b * H3;
        const zr = (t * B + b) * H2;
        const s = b * H;
        for (let j = 0; j < H; j++) {
          const d = dA[sBase + s + j] + dCRec[s + j];
          sq += d * d;
          dc[s + j] = d;
          const gammaU = acts[g + uAt + j];
          const cTilde = acts[g + cAt + j];
          const cPrev = t > 0 ? c[sBase - BH + s + j] : state0.c[s + j];
          const m = candidateMask === null ? 1 : candidateMask[sBase + s + j];
          const dzc = d * gammaU * m * (1 - cTilde * cTilde);
          const dzu = d * (m * cTilde - cPrev) * gammaU * (1 - gammaU);
          dZ[g + cAt + j] = dzc;
          dZ[g + uAt + j] = dzu;
          dZc[sBase + s + j] = dzc;
          dZur[zr + uAt + j] = dzu;
        }
      }
      if (flow) flow[t] += sq;
      // ∂L/∂(Γr⊙c⟨t−1⟩) through c̃
      const dRc = matmul({ data: dZc.subarray(sBase, sBase + BH), rows: B, cols: H }, rec[1].wT, dRcStep);
      for (let b = 0; b < B; b++) {
        const g = zBase + b * H3;
        const zr = (t * B + b) * H2;
        const s = b * H;
        for (let j = 0; j < H; j++) {
          const gammaU = acts[g + uAt + j];
          const gammaR = acts[g + rAt + j];
          const cPrev = t > 0 ? c[sBase - BH + s + j] : state0.c[s + j];
          const dzr = dRc[s + j] * cPrev * gammaR * (1 - gammaR);
          dZ[g + rAt + j] = dzr;
          dZur[zr + rAt + j] = dzr;
          dCRec[s + j] = dc[s + j] * (1 - gammaU) + dRc[s + j] * gammaR;
        }
      }
      const viaGates = matmul({ data: dZur.subarray(t * B * H2, (t + 1) * B * H2), rows: B, cols: H2 }, rec[0].wT, viaGatesStep);
      for (let i = 0; i < BH; i++) dCRec[i] += viaGates[i];
    }
    const cPrevAll = previous(c, state0.c, T, BH, alloc('cPrev', T * BH));
    const dWhUr = matmulTN({ data: cPrevAll, rows: T * B, cols: H }, { data: dZur, rows: T * B, cols: H2 });
    const dWhC = matmulTN({ data: rc, rows: T * B, cols: H }, { data: dZc, rows: T * B, cols: H });
    const dState0 = dCRec.slice();
    return { dXProj: dZ, dRecurrent: [dWhUr, dWhC], dState0: { a: dState0, c: dState0 } };
  },
};
