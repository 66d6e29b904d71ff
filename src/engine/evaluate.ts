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

function reader(tokens: Int32Array | TokenRangeReader): TokenRangeReader {
  return ArrayBuffer.isView(tokens) ? { length: tokens.length, read: (start, count, out) => out.set(tokens.subarray(start, start + count)) } : tokens;
}

/** The whole stream, cut into `batch` contiguous streams read side by side. */
export function evaluateStream(network: Network, tokens: Int32Array | TokenRangeReader, batch: number, seqLen: number): StreamLoss {
  const ids = reader(tokens);
  const B = Math.max(1, Math.min(batch, Math.floor((ids.length - 1) / Math.max(1, seqLen)) || 1));
  const L = Math.floor((ids.length - 1) / B); // inputs per stream
  if (L < 1) throw new RangeError('the text is too short to evaluate: it needs at least two tokens');
  return evaluateStretches(network, ids, Array.from({ length: B }, (_, b) => b * L), L, seqLen);
}

/**
 * At most `maxTokens` scored tokens: the whole stream when it is that short, else `batch`
 * stretches of maxTokens / batch inputs spread evenly over it (the same ones every call, so
 * successive losses compare). An evaluation of a huge validation split costs a bounded time.
 */
export function evaluateSpread(network: Network, tokens: Int32Array | TokenRangeReader, batch: number, seqLen: number, maxTokens: number): StreamLoss {
  const ids = reader(tokens);
  const spread = spreadWindows(ids.length, batch, seqLen, maxTokens);
  return spread ? evaluateStretches(network, ids, spread.starts, spread.length, seqLen) : evaluateStream(network, ids, batch, seqLen);
}

/** Where evaluateSpread reads in `tokens` ids: null for all of them, else each window's start and inputs. */
export function spreadWindows(tokens: number, batch: number, seqLen: number, maxTokens: number): { starts: number[]; length: number } | null {
  if (tokens - 1 <= maxTokens) return null;
  const B = Math.max(1, Math.min(batch, Math.floor(maxTokens / Math.max(1, seqLen)) || 1));
  const L = Math.floor(maxTokens / B);
  const room = tokens - 1 - L; // the last start that still has L inputs and their targets
  return { starts: Array.from({ length: B }, (_, b) => (B === 1 ? 0 : Math.round((b * room) / (B - 1)))), length: L };
}

/** Stream b covers inputs [starts[b], starts[b] + length) and their next tokens; the state is carried within each. */
function evaluateStretches(network: Network, ids: TokenRangeReader, starts: readonly number[], L: number, seqLen: number): StreamLoss {
  const B = starts.length;
  let state = null;
  let total = 0;
  let count = 0;
  const row = new Int32Array(seqLen + 1);
  for (let start = 0; start < L; start += seqLen) {
    const T = Math.min(seqLen, L - start);
    const x = new Int32Array(T * B);
    const y = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      ids.read(starts[b]! + start, T + 1, row);
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
