// Plain RNN, as in Coursera Sequence Models, week 1: a⟨t⟩ = tanh(Wa[a⟨t−1⟩, x⟨t⟩] + ba).

import type { GateName } from '../config.js';
import { matmul, matmulTN } from '../linalg.js';
import { tanh } from '../math.js';
import type { BackwardResult, Cell, LayerState, SequenceCache } from './cell.js';
import { fresh, previous } from './cell.js';

export interface RnnCache extends SequenceCache {
  state0: LayerState;
}

export const rnnCell: Cell<RnnCache> = {
  type: 'rnn',
  gates: 1,

  recurrentShapes(H) {
    return [{ name: 'Wh', rows: H, cols: H }];
  },

  forward(xProj, T, B, H, rec, state0, alloc = fresh, candidateMask = null) {
    if (candidateMask) throw new Error('a plain RNN has no candidate c̃ for recurrent dropout to drop');
    const BH = B * H;
    const a = alloc('a', T * BH); // every value written below
    const zStep = alloc('zStep', BH); // Wh·a⟨t−1⟩ of the current step
    let aPrev = state0.a;
    for (let t = 0; t < T; t++) {
      const z = matmul({ data: aPrev, rows: B, cols: H }, rec[0].w, zStep);
      const base = t * BH;
      for (let i = 0; i < BH; i++) a[base + i] = tanh(z[i] + xProj[base + i]);
      aPrev = a.subarray(base, base + BH);
    }
    const last = aPrev.slice();
    return {
      T,
      B,
      H,
      a,
      final: { a: last, c: last },
      state0,
      candidateMask: null,
      trace(gate: GateName): Float32Array {
        if (gate === 'a' || gate === 'c') return a;
        throw new Error(`a plain RNN has no ${gate}`);
      },
    };
  },

  backward(cache, dA, rec, flow, alloc = fresh): BackwardResult {
    const { T, B, H, a, state0 } = cache;
    const BH = B * H;
    const dZ = alloc('dZ', T * BH); // every value written below
    const dARec = alloc('dARec', BH).fill(0); // ∂L/∂a⟨t⟩ through a⟨t+1⟩
    for (let t = T - 1; t >= 0; t--) {
      const base = t * BH;
      let sq = 0;
      for (let i = 0; i < BH; i++) {
        const da = dA[base + i] + dARec[i];
        sq += da * da;
        const at = a[base + i];
        dZ[base + i] = da * (1 - at * at);
      }
      if (flow) flow[t] += sq;
      matmul({ data: dZ.subarray(base, base + BH), rows: B, cols: H }, rec[0].wT, dARec);
    }
    const aPrev = previous(a, state0.a, T, BH, alloc('aPrev', T * BH));
    const dWh = matmulTN({ data: aPrev, rows: T * B, cols: H }, { data: dZ, rows: T * B, cols: H });
    const dState0 = dARec.slice();
    return { dXProj: dZ, dRecurrent: [dWh], dState0: { a: dState0, c: dState0 } };
  },
};
