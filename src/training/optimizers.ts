// Optimizers that update Float32Array parameters in place: Adam, RMSprop, SGD with momentum;
// plus gradient clipping. Their moments are saved with checkpoints for exact resume.

import { currentKernels } from '../engine/kernels/kernels.js';
import type { Param } from '../engine/network.js';
import type { ClipMode, OptimizerName } from './config.js';

export interface Slot {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Optimizer {
  readonly name: OptimizerName;
  /** Updates applied so far. */
  step: number;
  apply(params: readonly Param[], grads: readonly Float32Array[], lr: number): void;
  slots(): Slot[];
  /** Restores moments saved by `slots()`; throws if any is missing or misshapen. */
  load(step: number, slots: readonly Slot[]): void;
}

function makeSlots(params: readonly Param[], prefixes: string[]): Map<string, Slot> {
  const m = new Map<string, Slot>();
  for (const prefix of prefixes) {
    for (const p of params) m.set(`${prefix}/${p.name}`, { name: `${prefix}/${p.name}`, shape: p.shape.slice(), data: new Float32Array(p.data.length) });
  }
  return m;
}

function loadSlots(own: Map<string, Slot>, given: readonly Slot[]): void {
  const byName = new Map(given.map((s) => [s.name, s]));
  for (const [name, slot] of own) {
    const g = byName.get(name);
    if (!g) throw new Error(`optimizer state lacks ${name}`);
    if (g.data.length !== slot.data.length) throw new Error(`optimizer state ${name} has ${g.data.length} values, expected ${slot.data.length}`);
    slot.data.set(g.data);
  }
}

/** Updates one parameter in place from its gradient and its own moment arrays. */
type Update = (step: number, lr: number, w: Float32Array, g: Float32Array, moments: Float32Array[]) => void;

/** w ← w · shrink: decoupled weight decay, applied to weight matrices before the update. */
function decay(w: Float32Array, shrink: number): void {
  for (let i = 0; i < w.length; i++) w[i] *= shrink;
}

/** An optimizer that keeps one moment array per prefix and parameter, named `prefix/param`. */
function elementwise(name: OptimizerName, params: readonly Param[], prefixes: string[], update: Update, weightDecay: number): Optimizer {
  const slots = makeSlots(params, prefixes);
  const moments = params.map((p) => prefixes.map((prefix) => (slots.get(`${prefix}/${p.name}`) as Slot).data));
  return {
    name,
    step: 0,
    apply(ps, grads, lr) {
      this.step++;
      const shrink = 1 - lr * weightDecay;
      ps.forEach((p, k) => {
        if (weightDecay > 0 && p.shape.length === 2) decay(p.data, shrink);
        update(this.step, lr, p.data, grads[k], moments[k]);
      });
    },
    slots: () => [...slots.values()],
    load(step, given) {
      loadSlots(slots, given);
      this.step = step;
    },
  };
}

/** `weightDecay` (default 0) shrinks every weight matrix by lr × weightDecay each step (AdamW's decoupled decay). */
export function createOptimizer(name: OptimizerName, params: readonly Param[], options: { momentum?: number; weightDecay?: number } = {}): Optimizer {
  const wd = options.weightDecay ?? 0;
  switch (name) {
    case 'adam': {
      const beta1 = 0.9;
      const beta2 = 0.999;
      const eps = 1e-8;
      // The native addon's update when it runs, the TypeScript reference otherwise: the same bits.
      const kernels = currentKernels();
      return elementwise(name, params, ['m', 'v'], (step, lr, w, g, [m, v]) => {
        // Bias-corrected step size (Kingma & Ba, section 2).
        const alpha = (lr * Math.sqrt(1 - Math.pow(beta2, step))) / (1 - Math.pow(beta1, step));
        kernels.adam(w, g, m, v, alpha, beta1, beta2, eps);
      }, wd);
    }
    case 'rmsprop': {
      const rho = 0.9;
      const eps = 1e-7;
      return elementwise(name, params, ['ms'], (_step, lr, w, g, [ms]) => {
        for (let i = 0; i < w.length; i++) {
          ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
          w[i] -= (lr * g[i]) / (Math.sqrt(ms[i]) + eps);
        }
      }, wd);
    }
    case 'sgd': {
      const mu = options.momentum ?? 0.9;
      return elementwise(name, params, ['velocity'], (_step, lr, w, g, [vel]) => {
        for (let i = 0; i < w.length; i++) {
          vel[i] = mu * vel[i] - lr * g[i];
          w[i] += vel[i];
        }
      }, wd);
    }
  }
}

/** Global L2 norm of all gradients. */
export function globalNorm(grads: readonly Float32Array[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/** Clips in place: by global norm (scale all by clip/norm when norm > clip) or by value. */
export function clipGradients(grads: Float32Array[], mode: ClipMode, clip: number, norm: number): void {
  if (clip <= 0) return;
  if (mode === 'norm') {
    if (norm <= clip) return;
    const scale = clip / norm;
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= scale;
  } else {
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = g[i] > clip ? clip : g[i] < -clip ? -clip : g[i];
  }
}
