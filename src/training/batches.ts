// Batches as char-rnn makes them: the training tokens split into B contiguous streams, read in
// windows of T steps; the hidden state is carried from one window to the next (truncated BPTT)
// and reset at each epoch. valFraction of the text is held out for validation: its end, or
// windows spread evenly over it (ValSplit).

import type { ValSplit } from './config.js';
import type { TokenArray, TokenSequence } from './tokenSequence.js';
import { asTokenSequence, JoinedTokens } from './tokenSequence.js';

export interface Split<T extends TokenArray | TokenSequence = Int32Array> {
  train: T;
  val: T;
}

/** At most this many held-out windows, none shorter than SPREAD_WINDOW_MIN tokens (one window if the split is that short). */
export const SPREAD_WINDOWS = 10;
export const SPREAD_WINDOW_MIN = 1_000;

/** How many windows a 'spread' split of nVal validation tokens has. */
export function spreadWindowCount(nVal: number): number {
  return Math.max(1, Math.min(SPREAD_WINDOWS, Math.floor(nVal / SPREAD_WINDOW_MIN)));
}

/**
 * Where a 'spread' split holds out nVal of n tokens: [start, end) windows of near-equal length,
 * window k centred on (k + ½)/K of the text, so the text's two ends and everything between are
 * trained on.
 */
export function heldOutWindows(n: number, nVal: number): [number, number][] {
  const K = spreadWindowCount(nVal);
  const windows: [number, number][] = [];
  for (let k = 0; k < K; k++) {
    const w = Math.floor(((k + 1) * nVal) / K) - Math.floor((k * nVal) / K);
    const start = Math.max(0, Math.min(n - w, Math.round(((k + 0.5) * n) / K - w / 2)));
    windows.push([start, start + w]);
  }
  return windows;
}

export class DataError extends Error {
  override name = 'DataError';
}

/** Tokens held out for validation from a text of n tokens: the fraction, capped at valTokensMax. */
export function validationTokens(n: number, config: { valFraction: number; valTokensMax: number | null }): number {
  const nVal = Math.floor(n * config.valFraction);
  return config.valTokensMax === null ? nVal : Math.min(nVal, config.valTokensMax);
}

/**
 * Splits at token boundaries: validation is the end of the text ('end'), or the heldOutWindows
 * joined end to end with the training text the rest, joined likewise ('spread'; a stream that
 * reads across a join sees the text skip a window, as it would at a document boundary).
 */
export function splitTokens<T extends TokenArray | TokenSequence>(
  ids: T,
  valFraction: number,
  seqLen: number,
  valTokensMax: number | null = null,
  valSplit: ValSplit = 'end',
): Split<T | TokenSequence> {
  const nVal = validationTokens(ids.length, { valFraction, valTokensMax });
  const minimum = 2 * (seqLen + 1);
  if (ids.length < minimum || nVal < 2) {
    throw new DataError(
      `the text has ${ids.length} tokens; training with a sequence length of ${seqLen} needs at least ${Math.max(minimum, Math.ceil(2 / valFraction))}`,
    );
  }
  if (valSplit === 'end') return { train: ids.subarray(0, ids.length - nVal) as T, val: ids.subarray(ids.length - nVal, ids.length) as T };
  const all = asTokenSequence(ids);
  const train: TokenSequence[] = [];
  const val: TokenSequence[] = [];
  let at = 0;
  for (const [start, end] of heldOutWindows(ids.length, nVal)) {
    if (start > at) train.push(all.subarray(at, start));
    val.push(all.subarray(start, end));
    at = end;
  }
  if (at < ids.length) train.push(all.subarray(at, ids.length));
  return { train: new JoinedTokens(train), val: new JoinedTokens(val) };
}

export interface Batch {
  /** Inputs, time-major: ids[t·B + b]. */
  ids: Int32Array;
  /** Next tokens, same layout. */
  targets: Int32Array;
}

export class StreamBatcher {
  readonly batch: number;
  readonly seqLen: number;
  /** Tokens per stream (inputs). */
  readonly streamLength: number;
  readonly windowsPerEpoch: number;
  private readonly tokens: TokenSequence;
  private readonly row: Int32Array;

  constructor(tokens: TokenArray | TokenSequence, batch: number, seqLen: number) {
    this.tokens = asTokenSequence(tokens);
    // A small text gets fewer streams rather than no training at all.
    this.batch = Math.max(1, Math.min(batch, Math.floor((tokens.length - 1) / seqLen)));
    this.seqLen = seqLen;
    this.streamLength = Math.floor((tokens.length - 1) / this.batch);
    this.windowsPerEpoch = Math.floor(this.streamLength / seqLen);
    if (this.windowsPerEpoch < 1) {
      throw new DataError(`the training part has ${tokens.length} tokens; a sequence length of ${seqLen} needs at least ${seqLen + 1}`);
    }
    this.row = new Int32Array(seqLen + 1);
  }

  /** Window w (0 ≤ w < windowsPerEpoch) of every stream. */
  window(w: number): Batch {
    const { batch: B, seqLen: T, streamLength: L } = this;
    const ids = new Int32Array(T * B);
    const targets = new Int32Array(T * B);
    const row = this.row;
    for (let b = 0; b < B; b++) {
      this.tokens.read(b * L + w * T, T + 1, row);
      for (let t = 0; t < T; t++) {
        ids[t * B + b] = row[t];
        targets[t * B + b] = row[t + 1];
      }
    }
    return { ids, targets };
  }
}
