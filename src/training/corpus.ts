// A training or evaluation text of any size in bounded memory: one streaming pass counts the
// symbols (and so builds the vocabulary), a second encodes them into the narrowest typed array
// (Uint8 for most char vocabularies), kept in memory up to a limit and in a temporary file past
// it. No JS string or array per token is ever made; the text is only ever seen in chunks.

import { closeSync, openSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAscii } from 'node:buffer';

import { Vocabulary, WORD_RE } from '../engine/tokenizer.js';
import type { VocabularyOptions } from '../engine/tokenizer.js';
import { DataError } from './batches.js';
import type { TokenArray, TokenSequence } from './tokenSequence.js';
import { bytesPerToken, FileTokens, MemoryTokens, tokenArray } from './tokenSequence.js';

/** A text read in decoded chunks; `chunks` may be called twice (one call per pass). */
export interface TextSource {
  /** Size in bytes when known before reading (a regular file), else null. */
  readonly totalBytes: number | null;
  /** The text as valid UTF-8 in chunks that end on code-point boundaries (no byte-order mark);
   * `onBytes` is told the bytes each chunk took from the file. */
  chunks(onBytes: (bytes: number) => void): Iterable<Uint8Array>;
}

export type CorpusPhase = 'counting' | 'encoding';

export interface CorpusOptions extends VocabularyOptions {
  /** Encode with this vocabulary (continuing or scoring a model) instead of building one. */
  vocabulary?: Vocabulary;
  /** Token ids beyond this many bytes go to a temporary file instead of memory. Default 256 MiB. */
  memoryBytes?: number;
  /** Folder of that temporary file. Default: the system's temporary folder. */
  tempDir?: string;
  onProgress?: (phase: CorpusPhase, bytesDone: number, totalBytes: number | null) => void;
  /** Read no further than this many tokens (scoring the start of a huge text with a given
   * vocabulary); the rest of the text is not read. Default: all of it. */
  maxTokens?: number;
}

export interface CorpusConfig {
  memoryBytes: number;
  tempDir: string;
}

export function resolveCorpusConfig(options: CorpusOptions): CorpusConfig {
  return { memoryBytes: options.memoryBytes ?? 256 * 1024 * 1024, tempDir: options.tempDir ?? tmpdir() };
}

/** The tokens of a text and the vocabulary they are ids of. */
export interface Corpus {
  vocab: Vocabulary;
  tokens: TokenSequence;
  /** Bytes of text read. */
  bytes: number;
  /** Tokens the vocabulary did not know (encoded as <UNK>), and up to five of them. */
  unknown: number;
  unknownExamples: string[];
  /** Where the ids are kept. */
  storage: 'memory' | 'file';
  /** Whether the text goes on past maxTokens (the tokens are its first maxTokens). */
  truncated: boolean;
  /** Wall time of both passes, milliseconds. */
  elapsedMs: number;
  /** Closes the temporary file (it was unlinked when made, so it also goes when the process ends). */
  close(): void;
}

/** Most distinct words counted: a JS Map holds at most 2^24 entries, and each costs memory. */
export const MAX_DISTINCT_WORDS = 10_000_000;
const BLOCK = 1 << 22; // ids written to the temporary file per write

/** Cuts chunks after their last whitespace so no word straddles two (words never hold whitespace). */
function* wholeWords(chunks: Iterable<Uint8Array>): Generator<string> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let carry = '';
  for (const chunk of chunks) {
    const s = carry + decoder.decode(chunk);
    let cut = s.length;
    while (cut > 0 && !/\s/.test(s[cut - 1]!)) cut--;
    if (cut === 0) {
      carry = s;
      continue;
    }
    carry = s.slice(cut);
    yield s.slice(0, cut);
  }
  if (carry !== '') yield carry;
}

/** Code points of valid UTF-8 `b` from `i`: the point and its byte length packed as cp·4 + (len − 1). */
function decodeAt(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0xe0) return ((((c & 0x1f) << 6) | (b[i + 1]! & 0x3f)) << 2) | 1;
  if (c < 0xf0) return ((((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f)) << 2) | 2;
  return (((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f)) * 4 + 3;
}

/** The chunks of a char text up to its first `max` code points; `onCut` is told when text is left over. */
function* firstCodePoints(chunks: Iterable<Uint8Array>, max: number, onCut: () => void): Generator<Uint8Array> {
  if (max === Infinity) {
    yield* chunks;
    return;
  }
  let left = max;
  for (const b of chunks) {
    if (left === 0) {
      onCut();
      return;
    }
    let end = b.length;
    if (isAscii(b)) end = Math.min(end, left);
    else {
      // Stop at the byte that starts code point number `left` (continuation bytes are 10xxxxxx).
      let seen = 0;
      for (let i = 0; i < b.length; i++) {
        if ((b[i]! & 0xc0) === 0x80) continue;
        if (seen === left) {
          end = i;
          break;
        }
        seen++;
      }
    }
    const cut = end < b.length;
    const kept = cut ? b.subarray(0, end) : b;
    left -= isAscii(kept) ? kept.length : countCodePoints(kept);
    if (kept.length > 0) yield kept;
    if (cut) {
      onCut();
      return;
    }
  }
}

/** Symbol counts of char text: flat arrays for ASCII and (once seen) the rest of the BMP, a map beyond. */
class CharCounts {
  readonly ascii = new Float64Array(0x80);
  bmp: Float64Array | null = null;
  readonly astral = new Map<number, number>();
  /** Per-chunk ASCII histogram: a Uint32 increment is cheaper than a Float64 one, and a chunk is < 4 GiB. */
  private readonly bytes = new Uint32Array(0x80);

  /** An all-ASCII chunk: one increment per byte. */
  addAscii(b: Uint8Array): void {
    const h = this.bytes;
    h.fill(0);
    const n = b.length;
    for (let i = 0; i < n; i++) h[b[i]!]++;
    this.fold();
  }

  /** Any chunk of valid UTF-8. */
  addMixed(b: Uint8Array): void {
    const h = this.bytes;
    h.fill(0);
    const bmp = (this.bmp ??= new Float64Array(0x10000));
    const n = b.length;
    for (let i = 0; i < n; i++) {
      const c = b[i]!;
      if (c < 0x80) {
        h[c]++;
        continue;
      }
      const d = decodeAt(b, i);
      const cp = d >>> 2;
      if (cp < 0x10000) bmp[cp]++;
      else this.astral.set(cp, (this.astral.get(cp) ?? 0) + 1);
      i += d & 3;
    }
    this.fold();
  }

  private fold(): void {
    for (let c = 0; c < 0x80; c++) this.ascii[c]! += this.bytes[c]!;
  }

  /** Every symbol seen and its count, in code-point order. */
  forEach(f: (cp: number, n: number) => void): void {
    this.ascii.forEach((n, cp) => n > 0 && f(cp, n));
    this.bmp?.forEach((n, cp) => n > 0 && cp >= 0x80 && f(cp, n));
    [...this.astral.keys()].sort((x, y) => x - y).forEach((cp) => f(cp, this.astral.get(cp)!));
  }
}

/** Code points in valid UTF-8 `b`: every byte that is not a continuation byte (10xxxxxx) starts one. */
function countCodePoints(b: Uint8Array): number {
  let continuation = 0;
  const n = b.length;
  for (let i = 0; i < n; i++) if ((b[i]! & 0xc0) === 0x80) continuation++;
  return n - continuation;
}

/** In CharTable.bytes: an ASCII byte without an id of its own, and the first byte of a longer code point. */
const UNKNOWN_BYTE = -1;
const MULTIBYTE = -2;

/** Token id of each code point of a char vocabulary: flat tables for bytes and the BMP, a map beyond. */
class CharTable {
  /** By byte: the id of an ASCII symbol, or UNKNOWN_BYTE / MULTIBYTE (the fast loop stops at both). */
  readonly bytes = new Int32Array(0x100).fill(MULTIBYTE);
  private readonly bmp: Int32Array;
  private readonly astral = new Map<number, number>();

  constructor(
    v: Vocabulary,
    readonly unk: number,
    eosNewline: boolean,
  ) {
    this.bytes.fill(UNKNOWN_BYTE, 0, 0x80);
    this.bmp = new Int32Array(0x10000).fill(unk);
    v.tokens.forEach((t, id) => {
      const cp = t.codePointAt(0)!;
      if (id === unk || t.length !== String.fromCodePoint(cp).length) return; // <UNK>, <EOS>
      if (cp < 0x80) this.bytes[cp] = id;
      if (cp < 0x10000) this.bmp[cp] = id;
      else this.astral.set(cp, id);
    });
    if (eosNewline) this.bytes[10] = this.bmp[10] = v.eos;
  }

  id(cp: number): number {
    return cp < 0x10000 ? this.bmp[cp]! : (this.astral.get(cp) ?? this.unk);
  }
}

/** Where ids are written: `block[pos++] = id`, then commit() when the block is full or at the end. */
class TokenStore {
  block: TokenArray;
  pos = 0;
  private readonly ids: TokenArray | null;
  private readonly fd: number | null;
  private filled = 0;

  constructor(
    private readonly vocabSize: number,
    readonly length: number,
    config: CorpusConfig,
  ) {
    const width = bytesPerToken(vocabSize);
    const bytes = length * width;
    if (bytes <= config.memoryBytes) {
      this.ids = tokenArray(vocabSize, length);
      this.block = this.ids;
      this.fd = null;
      return;
    }
    const free = freeBytes(config.tempDir);
    if (free !== null && free < bytes + 64 * 1024 * 1024) {
      throw new DataError(
        `its ${length.toLocaleString('en-US')} tokens need ${mb(bytes)} MB of temporary space in ${config.tempDir} but only ${mb(free)} MB are free; set TMPDIR to a folder on a bigger disk`,
      );
    }
    const path = join(config.tempDir, `rnnlab-tokens-${process.pid}-${randomBytes(4).toString('hex')}`);
    this.fd = openSync(path, 'w+', 0o600);
    unlinkSync(path); // the space is given back when the file is closed, even after kill -9
    this.ids = null;
    this.block = tokenArray(vocabSize, Math.max(1, Math.min(BLOCK, length)));
  }

  get storage(): 'memory' | 'file' {
    return this.fd === null ? 'memory' : 'file';
  }

  /** Writes the block out (file storage) and starts it afresh. */
  commit(): void {
    if (this.fd === null) return;
    const bytes = new Uint8Array(this.block.buffer, this.block.byteOffset, this.pos * this.block.BYTES_PER_ELEMENT);
    const position = this.filled * this.block.BYTES_PER_ELEMENT;
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done, bytes.byteLength - done, position + done);
    this.filled += this.pos;
    this.pos = 0;
  }

  finish(): TokenSequence {
    this.commit();
    const count = this.fd === null ? this.pos : this.filled;
    if (count !== this.length) throw new Error(`the text changed while it was read: ${count} tokens instead of ${this.length}`);
    if (this.fd === null) return new MemoryTokens(this.ids!);
    return new FileTokens(this.fd, bytesPerToken(this.vocabSize), 0, this.length);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
  }
}

/**
 * Ids of `b[from, to)` into `out` from `pos` until a byte the table has no id for; returns where
 * it stopped. Its own function with plain locals, so V8 keeps everything in registers (a counter
 * shared with a closure lives in memory, and that loop ran 10× slower).
 */
function mapKnownBytes(b: Uint8Array, from: number, to: number, bytes: Int32Array, out: TokenArray, pos: number): number {
  let i = from;
  for (; i < to; i++) {
    const id = bytes[b[i]!]!;
    if (id < 0) break;
    out[pos++] = id;
  }
  return i;
}

/**
 * Ids of a chunk of valid UTF-8 into the store: runs of known ASCII bytes by the byte table (no
 * decoding), the rest one code point at a time. Returns the <UNK>s (up to five go to `examples`).
 */
function encodeChars(b: Uint8Array, table: CharTable, store: TokenStore, examples: Set<string>): number {
  let unknown = 0;
  const n = b.length;
  for (let i = 0; i < n; ) {
    const room = store.block.length - store.pos;
    if (room === 0) throw new Error('the text changed while it was read: it has more tokens than counted');
    // A token takes at least one byte, so `room` bytes never overfill the block.
    const end = Math.min(n, i + room);
    const stop = mapKnownBytes(b, i, end, table.bytes, store.block, store.pos);
    store.pos += stop - i;
    i = stop;
    if (i < end) {
      let cp = b[i]!;
      let id = table.unk;
      if (cp < 0x80) i++;
      else {
        const d = decodeAt(b, i);
        cp = d >>> 2;
        i += (d & 3) + 1;
        id = table.id(cp);
      }
      if (id === table.unk) {
        unknown++;
        if (examples.size < 5) examples.add(String.fromCodePoint(cp));
      }
      store.block[store.pos++] = id;
    }
    if (store.pos === store.block.length) store.commit();
  }
  return unknown;
}

function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

const mb = (bytes: number) => Math.ceil(bytes / 1e6).toLocaleString('en-US');

/**
 * Reads `source` twice: counts (building the vocabulary unless one is given), then encodes.
 * Throws DataError for a text that cannot be held (too many distinct words, no room for the ids).
 */
export function buildCorpus(source: TextSource, options: CorpusOptions): Corpus {
  const config = resolveCorpusConfig(options);
  const started = performance.now();
  const mode = options.vocabulary?.mode ?? options.mode;
  const charEos = options.vocabulary?.charEos ?? (mode === 'char' && (options.charEos ?? false));
  const eosNewline = mode === 'word' || charEos;
  let bytesDone = 0;
  const progress = (phase: CorpusPhase) => (n: number) => {
    bytesDone += n;
    options.onProgress?.(phase, bytesDone, source.totalBytes);
  };

  // Pass 1: how many tokens, and (unless given) how often each symbol occurs.
  const max = options.maxTokens ?? Infinity;
  let truncated = false;
  const cut = () => (truncated = true);
  let length = 0;
  let vocab = options.vocabulary ?? null;
  const passOne = progress('counting');
  if (mode === 'char') {
    // Scoring or resuming with a vocabulary only needs the length; building one needs the counts.
    const counts = vocab ? null : new CharCounts();
    for (const b of firstCodePoints(source.chunks(passOne), max, cut)) {
      if (isAscii(b)) {
        length += b.length;
        counts?.addAscii(b);
      } else {
        length += countCodePoints(b);
        counts?.addMixed(b);
      }
    }
    if (counts) {
      const map = new Map<string, number>();
      // Code-point order, as before (ties in the vocabulary keep it).
      counts.forEach((cp, n) => {
        if (!(cp === 10 && eosNewline)) map.set(String.fromCodePoint(cp), n);
      });
      vocab = Vocabulary.fromCounts(map, { ...options, mode, charEos });
    }
  } else {
    const counts = vocab ? null : new Map<string, number>();
    words: for (const chunk of wholeWords(source.chunks(passOne))) {
      for (const m of chunk.matchAll(WORD_RE)) {
        if (length === max) {
          truncated = true;
          break words;
        }
        length++;
        if (!counts) continue;
        const w = m[0];
        if (w === '\n') continue;
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
      if (counts && counts.size > MAX_DISTINCT_WORDS) {
        throw new DataError(
          `the text has more than ${MAX_DISTINCT_WORDS.toLocaleString('en-US')} distinct words, more than word tokens can count in memory; train with --tokens char`,
        );
      }
    }
    if (counts) vocab = Vocabulary.fromCounts(counts, { ...options, mode, charEos });
  }
  const v = vocab!;
  const bytes = bytesDone;

  // Pass 2: ids into the store.
  const store = new TokenStore(v.size, length, config);
  let unknown = 0;
  const examples = new Set<string>();
  const unk = v.unk;
  const passTwo = progress('encoding');
  try {
    if (mode === 'char') {
      const table = new CharTable(v, unk, eosNewline);
      for (const b of firstCodePoints(source.chunks(passTwo), max, () => undefined)) {
        unknown += encodeChars(b, table, store, examples);
      }
    } else {
      let written = 0;
      words: for (const chunk of wholeWords(source.chunks(passTwo))) {
        for (const m of chunk.matchAll(WORD_RE)) {
          if (written++ === length) break words;
          const w = m[0];
          const id = w === '\n' ? v.eos : v.id(w);
          if (id === unk) {
            unknown++;
            if (examples.size < 5) examples.add(w);
          }
          store.block[store.pos++] = id;
          if (store.pos === store.block.length) store.commit();
        }
      }
    }
    const tokens = store.finish();
    return {
      vocab: v,
      tokens,
      bytes,
      unknown,
      unknownExamples: [...examples],
      storage: store.storage,
      truncated,
      elapsedMs: performance.now() - started,
      close: () => store.close(),
    };
  } catch (error) {
    store.close();
    throw error;
  }
}

/** A text already in memory as a source (tests, the extension's open documents). */
export function stringSource(text: string): TextSource {
  return {
    totalBytes: null,
    *chunks(onBytes) {
      const bytes = Buffer.from(text, 'utf8');
      onBytes(bytes.length);
      yield bytes;
    },
  };
}
