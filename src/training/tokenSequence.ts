// Token ids read by ranges, wherever they are kept: a compact typed array in memory (one or
// two bytes per token for char vocabularies), or a file of such ids when the text is too big
// for memory. The batcher and the evaluator read windows through this, never the whole text.

import { readSync } from 'node:fs';

export type TokenArray = Uint8Array | Uint16Array | Uint32Array | Int32Array;

export interface TokenSequence {
  readonly length: number;
  /** Copies tokens [start, start + count) into `out` from index 0. */
  read(start: number, count: number, out: Int32Array): void;
  /** The tokens [start, end) as a sequence of their own (no copy). */
  subarray(start: number, end: number): TokenSequence;
}

/** Bytes per id for a vocabulary of `size` tokens. */
export function bytesPerToken(size: number): 1 | 2 | 4 {
  return size <= 0x100 ? 1 : size <= 0x10000 ? 2 : 4;
}

/** A typed array of the narrowest kind that holds ids below `size`. */
export function tokenArray(size: number, length: number): TokenArray {
  const b = bytesPerToken(size);
  return b === 1 ? new Uint8Array(length) : b === 2 ? new Uint16Array(length) : new Uint32Array(length);
}

export class MemoryTokens implements TokenSequence {
  constructor(readonly ids: TokenArray) {}

  get length(): number {
    return this.ids.length;
  }

  read(start: number, count: number, out: Int32Array): void {
    if (start < 0 || start + count > this.ids.length) throw new RangeError(`tokens ${start}..${start + count} are outside 0..${this.ids.length}`);
    out.set(this.ids.subarray(start, start + count));
  }

  subarray(start: number, end: number): TokenSequence {
    return new MemoryTokens(this.ids.subarray(start, end));
  }
}

/** Ids stored little-endian in an open file (usually unlinked already, so it vanishes with the process). */
export class FileTokens implements TokenSequence {
  private scratch = new Uint8Array(0);

  constructor(
    private readonly fd: number,
    private readonly width: 1 | 2 | 4,
    private readonly first: number,
    readonly length: number,
  ) {}

  read(start: number, count: number, out: Int32Array): void {
    if (start < 0 || start + count > this.length) throw new RangeError(`tokens ${start}..${start + count} are outside 0..${this.length}`);
    const bytes = count * this.width;
    // A fresh ArrayBuffer is aligned for the 16- and 32-bit views below.
    if (this.scratch.byteLength < bytes) this.scratch = new Uint8Array(new ArrayBuffer(Math.max(bytes, 4096)));
    let done = 0;
    while (done < bytes) {
      const n = readSync(this.fd, this.scratch, done, bytes - done, (this.first + start) * this.width + done);
      if (n === 0) throw new RangeError('the token file ended early');
      done += n;
    }
    const buf = this.scratch.buffer;
    const view = this.width === 1 ? this.scratch.subarray(0, count) : this.width === 2 ? new Uint16Array(buf, 0, count) : new Uint32Array(buf, 0, count);
    out.set(view.subarray(0, count));
  }

  subarray(start: number, end: number): TokenSequence {
    const s = Math.max(0, Math.min(start, this.length));
    const e = Math.max(s, Math.min(end, this.length));
    return new FileTokens(this.fd, this.width, this.first + s, e - s);
  }
}

/** Several sequences read as one, end to end (the training text around held-out windows). */
export class JoinedTokens implements TokenSequence {
  readonly length: number;
  /** starts[i]: where part i begins in the joined sequence; starts[parts.length] = length. */
  private readonly starts: number[];

  constructor(private readonly parts: readonly TokenSequence[]) {
    this.starts = [0];
    for (const part of parts) this.starts.push(this.starts[this.starts.length - 1]! + part.length);
    this.length = this.starts[parts.length]!;
  }

  read(start: number, count: number, out: Int32Array): void {
    if (start < 0 || start + count > this.length) throw new RangeError(`tokens ${start}..${start + count} are outside 0..${this.length}`);
    let done = 0;
    let i = this.partAt(start);
    while (done < count) {
      const part = this.parts[i]!;
      const from = start + done - this.starts[i]!;
      const n = Math.min(count - done, part.length - from);
      if (n > 0) {
        part.read(from, n, done === 0 ? out : out.subarray(done));
        done += n;
      }
      i++;
    }
  }

  subarray(start: number, end: number): TokenSequence {
    const s = Math.max(0, Math.min(start, this.length));
    const e = Math.max(s, Math.min(end, this.length));
    const pieces: TokenSequence[] = [];
    for (let i = 0; i < this.parts.length; i++) {
      const from = Math.max(s, this.starts[i]!);
      const to = Math.min(e, this.starts[i + 1]!);
      if (to > from) pieces.push(this.parts[i]!.subarray(from - this.starts[i]!, to - this.starts[i]!));
    }
    return pieces.length === 1 ? pieces[0]! : new JoinedTokens(pieces);
  }

  /** The part that holds token `index` (binary search over the starts). */
  private partAt(index: number): number {
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Wraps a plain typed array; a sequence passes through. */
export function asTokenSequence(ids: TokenArray | TokenSequence): TokenSequence {
  return ArrayBuffer.isView(ids) ? new MemoryTokens(ids as TokenArray) : (ids as TokenSequence);
}
