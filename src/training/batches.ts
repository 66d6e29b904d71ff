// Batches as char-rnn makes them: the training tokens split into B contiguous streams, read in
// windows of T steps; the hidden state is carried from one window to the next (truncated BPTT)
// and reset at each epoch. The last valFraction of the text is held out for validation.

import type { TokenArray, TokenSequence } from './tokenSequence.js';
import { asTokenSequence } from './tokenSequence.js';

export interface Split<T extends TokenArray | TokenSequence = Int32Array> {
  train: T;
  val: T;
}

export class DataError extends Error {
  override name = 'DataError';
}

/** Tokens held out for validation from a text of n tokens: the fraction, capped at valTokensMax. */
export function validationTokens(n: number, config: { valFraction: number; valTokensMax: number | null }): number {
  const nVal = Math.floor(n * config.valFraction);
  return config.valTokensMax === null ? nVal : Math.min(nVal, config.valTokensMax);
}

/** Splits at a token boundary; validation is the end of the text. */
export function splitTokens<T extends TokenArray | TokenSequence>(ids: T, valFraction: number, seqLen: number, valTokensMax: number | null = null): Split<T> {
  const nVal = validationTokens(ids.length, { valFraction, valTokensMax });
  const minimum = 2 * (seqLen + 1);
  if (ids.length < minimum || nVal < 2) {
    throw new DataError(
      `the text has ${ids.length} tokens; training with a sequence length of ${seqLen} needs at least ${Math.max(minimum, Math.ceil(2 / valFraction))}`,
    );
  }
  return { train: ids.subarray(0, ids.length - nVal) as T, val: ids.subarray(ids.length - nVal, ids.length) as T };
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
