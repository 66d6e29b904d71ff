// Batched evaluation of a long token stream: B contiguous streams read in windows of T with
// the state carried across windows, so every token but the first of each stream is scored.

import type { Network } from './network.js';

export interface StreamLoss {
  /** Mean cross-entropy, nats per token. */
  loss: number;
  tokens: number;
}

export function evaluateStream(network: Network, ids: Int32Array, batch: number, seqLen: number): StreamLoss {
  const B = Math.max(1, Math.min(batch, Math.floor((ids.length - 1) / Math.max(1, seqLen)) || 1));
  const L = Math.floor((ids.length - 1) / B); // inputs per stream
  if (L < 1) throw new RangeError('the text is too short to evaluate: it needs at least two tokens');
  let state = null;
  let total = 0;
  let count = 0;
  for (let start = 0; start < L; start += seqLen) {
    const T = Math.min(seqLen, L - start);
    const x = new Int32Array(T * B);
    const y = new Int32Array(T * B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const i = b * L + start + t;
        x[t * B + b] = ids[i];
        y[t * B + b] = ids[i + 1];
      }
    }
    const r = network.loss(x, y, B, T, state);
    state = r.state;
    total += r.loss * r.count;
    count += r.count;
  }
  return { loss: total / count, tokens: count };
}
