// Variable-length sequences as one time-major batch padded at the end, with each stream's length:
// what the task heads read (the padding value never reaches a real step).

export interface PaddedBatch {
  /** Token ids, time-major: ids[t·B + b]; past a stream's length they are `pad`. */
  ids: Int32Array;
  B: number;
  /** The longest stream. */
  T: number;
  lengths: Int32Array;
  /** Per-token targets, time-major, −1 past each stream's length (tagging); null without targets. */
  targets: Int32Array | null;
}

/** Pads sequences (each at least one token) to the longest; `targets`, when given, match them token for token. */
export function padBatch(sequences: readonly Int32Array[], targets?: readonly Int32Array[], pad = 0): PaddedBatch {
  const B = sequences.length;
  if (B === 0) throw new RangeError('a batch needs at least one sequence');
  const lengths = Int32Array.from(sequences, (s) => s.length);
  const empty = lengths.findIndex((n) => n === 0);
  if (empty >= 0) throw new RangeError(`sequence ${empty + 1} of the batch is empty`);
  if (targets && (targets.length !== B || targets.some((t, b) => t.length !== lengths[b]))) {
    throw new RangeError('each sequence needs one target per token');
  }
  const T = Math.max(...lengths);
  const ids = new Int32Array(T * B).fill(pad);
  const out = targets ? new Int32Array(T * B).fill(-1) : null;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lengths[b]; t++) {
      ids[t * B + b] = sequences[b][t];
      if (out && targets) out[t * B + b] = targets[b][t];
    }
  }
  return { ids, B, T, lengths, targets: out };
}
