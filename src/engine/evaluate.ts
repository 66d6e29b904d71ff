// Batched evaluation of a long token stream: B contiguous streams read in windows of T with
// the state carried across windows, so every token but the first of each stream is scored.

import type { Network } from './network.js';

/** Token ids readable by ranges (training/tokenSequence.ts keeps them in memory or in a file). */
export interface TokenRangeReader {
  readonly length: number;
  read(start: number, count: number, out: Int32Array): void;
}

export interface StreamLoss {
  /** Mean cross-entropy, nats per token. */
  loss: number;
  tokens: number;
}

export function evaluateStream(network: Network, tokens: Int32Array | TokenRangeReader, batch: number, seqLen: number): StreamLoss {
  const ids: TokenRangeReader = ArrayBuffer.isView(tokens) ? { length: tokens.length, read: (start, count, out) => out.set(tokens.subarray(start, start + count)) } : tokens;
  const B = Math.max(1, Math.min(batch, Math.floor((ids.length - 1) / Math.max(1, seqLen)) || 1));
  const L = Math.floor((ids.length - 1) / B); // inputs per stream
  if (L < 1) throw new RangeError('the text is too short to evaluate: it needs at least two tokens');
  let state = null;
  let total = 0;
  let count = 0;
  const row = new Int32Array(seqLen + 1);
  for (let start = 0; start < L; start += seqLen) {
    const T = Math.min(seqLen, L - start);
    const x = new Int32Array(T * B);
    const y = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      ids.read(b * L + start, T + 1, row);
      for (let t = 0; t < T; t++) {
        x[t * B + b] = row[t];
        y[t * B + b] = row[t + 1];
      }
    }
    const r = network.loss(x, y, B, T, state);
    state = r.state;
    total += r.loss * r.count;
    count += r.count;
  }
  return { loss: total / count, tokens: count };
}
