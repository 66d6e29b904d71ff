// The RNN, GRU and LSTM cells on the native addon: the same Cell contract, layouts and traces as
// the TypeScript cells (the reference), each whole sequence forward or backward in one call.
// The forward pass writes the activations over xProj: the network makes a fresh projection for
// every call and uses it once, and a T·B·G·H buffer less per layer is a large part of a step.

import type { CellType, GateName } from '../config.js';
import type { Alloc, BackwardResult, Cell, GateBlocks, LayerState, RecurrentMatrix, SequenceCache } from '../cells/cell.js';
import { gateTrace } from '../cells/cell.js';
import type { NativeAddon } from './nativeAddon.js';

interface NativeCache extends SequenceCache {
  state0: LayerState;
  /** Post-activation gate blocks per step (LSTM [Γu | Γf | Γo | c̃], GRU [Γu | Γr | c̃]); empty for RNN. */
  acts: Float32Array;
  /** LSTM: c⟨t⟩ and tanh(c⟨t⟩); GRU: Γr⊙c⟨t−1⟩ in `rc`. */
  c: Float32Array;
  tanhC: Float32Array;
  rc: Float32Array;
}

const EMPTY = new Float32Array(0);
const fresh: Alloc = (_key, n) => new Float32Array(n);

function nativeCache(fields: Omit<NativeCache, 'trace'>, blocks: GateBlocks, cellName: string, hasC: boolean): NativeCache {
  const { T, B, H } = fields;
  return {
    ...fields,
    trace(gate: GateName): Float32Array {
      if (gate === 'a') return fields.a;
      if (gate === 'c') return hasC ? fields.c : fields.a;
      return gateTrace(fields.acts, blocks, gate, T, B, H, cellName);
    },
  };
}

/** A B·H array the addon overwrites with ∂L/∂state0; an addon built before it had that output leaves the NaN, and the network falls back to the reference cell. */
function stateGradient(BH: number): Float32Array {
  return new Float32Array(BH).fill(NaN);
}

function written(x: Float32Array): boolean {
  return x.length === 0 || !Number.isNaN(x[0]);
}

function last(x: Float32Array, T: number, BH: number): Float32Array {
  return x.slice((T - 1) * BH, T * BH);
}

/** A build older than recurrent dropout would ignore the mask: say so rather than train without it. */
function checkMask(addon: NativeAddon, mask: Float32Array | null): void {
  if (mask && !addon.candidateDropout) throw new Error('the native addon was built before recurrent dropout; rebuild it with npm run build:native');
}

export function nativeCells(addon: NativeAddon): Record<CellType, Cell> {
  const lstm: Cell<NativeCache> = {
    type: 'lstm',
    gates: 4,
    recurrentShapes: (H) => [{ name: 'Wh', rows: H, cols: 4 * H }],
    forward(xProj, T, B, H, rec: RecurrentMatrix[], state0, alloc = fresh, candidateMask = null): NativeCache {
      checkMask(addon, candidateMask);
      const n = T * B * H;
      const acts = xProj;
      const c = alloc('c', n);
      const tanhC = alloc('tanhC', n);
      const a = alloc('a', n);
      addon.lstmForward(T, B, H, xProj, rec[0].w.data, state0.a, state0.c, acts, c, tanhC, a, candidateMask);
      const final = T > 0 ? { a: last(a, T, B * H), c: last(c, T, B * H) } : { a: state0.a.slice(), c: state0.c.slice() };
      return nativeCache({ T, B, H, a, final, state0, candidateMask, acts, c, tanhC, rc: EMPTY }, { gammaU: 0, gammaF: 1, gammaO: 2, cTilde: 3 }, 'an LSTM', true);
    },
    backward(k, dA, rec, flow, alloc = fresh): BackwardResult {
      const { T, B, H } = k;
      const dZ = alloc('dZ', T * B * 4 * H);
      const dWh = new Float32Array(H * 4 * H);
      const dA0 = stateGradient(B * H);
      const dC0 = stateGradient(B * H);
      addon.lstmBackward(T, B, H, k.acts, k.c, k.tanhC, k.a, k.state0.a, k.state0.c, dA, rec[0].w.data, dZ, dWh, flow ?? null, dA0, dC0, k.candidateMask);
      return { dXProj: dZ, dRecurrent: [dWh], ...(T > 0 && written(dA0) ? { dState0: { a: dA0, c: dC0 } } : {}) };
    },
  };
  const gru: Cell<NativeCache> = {
    type: 'gru',
    gates: 3,
    recurrentShapes: (H) => [
      { name: 'Wh_ur', rows: H, cols: 2 * H },
      { name: 'Wh_c', rows: H, cols: H },
    ],
    forward(xProj, T, B, H, rec, state0, alloc = fresh, candidateMask = null): NativeCache {
      checkMask(addon, candidateMask);
      const n = T * B * H;
      const acts = xProj;
      const rc = alloc('rc', n);
      const c = alloc('c', n);
      addon.gruForward(T, B, H, xProj, rec[0].w.data, rec[1].w.data, state0.c, acts, rc, c, candidateMask);
      const lastC = T > 0 ? last(c, T, B * H) : state0.c.slice();
      return nativeCache(
        { T, B, H, a: c, final: { a: lastC, c: lastC }, state0, candidateMask, acts, c, tanhC: EMPTY, rc },
        { gammaU: 0, gammaR: 1, cTilde: 2 },
        'a GRU',
        false,
      );
    },
    backward(k, dA, rec, flow, alloc = fresh): BackwardResult {
      const { T, B, H } = k;
      const dZ = alloc('dZ', T * B * 3 * H);
      const dWhUr = new Float32Array(H * 2 * H);
      const dWhC = new Float32Array(H * H);
      const dC0 = stateGradient(B * H);
      addon.gruBackward(T, B, H, k.acts, k.rc, k.c, k.state0.c, dA, rec[0].w.data, rec[1].w.data, dZ, dWhUr, dWhC, flow ?? null, dC0, k.candidateMask);
      return { dXProj: dZ, dRecurrent: [dWhUr, dWhC], ...(T > 0 && written(dC0) ? { dState0: { a: dC0, c: dC0 } } : {}) };
    },
  };
  const rnn: Cell<NativeCache> = {
    type: 'rnn',
    gates: 1,
    recurrentShapes: (H) => [{ name: 'Wh', rows: H, cols: H }],
    forward(xProj, T, B, H, rec, state0, _alloc, candidateMask = null): NativeCache {
      if (candidateMask) throw new Error('a plain RNN has no candidate c̃ for recurrent dropout to drop');
      const a = xProj;
      addon.rnnForward(T, B, H, xProj, rec[0].w.data, state0.a, a);
      const lastA = T > 0 ? last(a, T, B * H) : state0.a.slice();
      return nativeCache({ T, B, H, a, final: { a: lastA, c: lastA }, state0, candidateMask: null, acts: EMPTY, c: a, tanhC: EMPTY, rc: EMPTY }, {}, 'a plain RNN', false);
    },
    backward(k, dA, rec, flow, alloc = fresh): BackwardResult {
      const { T, B, H } = k;
      const dZ = alloc('dZ', T * B * H);
      const dWh = new Float32Array(H * H);
      const dA0 = stateGradient(B * H);
      addon.rnnBackward(T, B, H, k.a, k.state0.a, dA, rec[0].w.data, dZ, dWh, flow ?? null, dA0);
      return { dXProj: dZ, dRecurrent: [dWh], ...(T > 0 && written(dA0) ? { dState0: { a: dA0, c: dA0 } } : {}) };
    },
  };
  return { lstm, gru, rnn };
}
