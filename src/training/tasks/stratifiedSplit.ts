// Train/validation split that keeps each class's share: every class with at least two examples
// puts round(n · fraction) of them (at least one) into validation.

import { Rng } from '../../engine/math.js';

export interface SplitOptions {
  /** Share of each class held out for validation. Default 0.1. */
  fraction?: number;
  /** Seed of the shuffle within each class. Default 1. */
  seed?: number;
}

export interface Split {
  /** Indexes into the examples, in file order. */
  train: number[];
  validation: number[];
}

export function stratifiedSplit(labels: readonly string[], options: SplitOptions = {}): Split {
  const fraction = options.fraction ?? 0.1;
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`the validation fraction must be in [0, 1), got ${fraction}`);
  const rng = new Rng(options.seed ?? 1);
  const byClass = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l);
    if (list) list.push(i);
    else byClass.set(l, [i]);
  });
  const held = new Set<number>();
  for (const members of byClass.values()) {
    if (members.length < 2 || fraction === 0) continue;
    const k = Math.min(members.length - 1, Math.max(1, Math.round(members.length * fraction)));
    // Partial Fisher–Yates: the first k of a seeded shuffle.
    const pool = members.slice();
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
      held.add(pool[i]);
    }
  }
  const train: number[] = [];
  const validation: number[] = [];
  labels.forEach((_, i) => (held.has(i) ? validation : train).push(i));
  return { train, validation };
}
