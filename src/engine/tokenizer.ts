// Character and word vocabularies built from the training text, with <UNK> for rare or
// unseen symbols and <EOS> at each end of line (word mode; optional in char mode).

import type { TokenMode } from './config.js';

export const UNK = '<UNK>';
export const EOS = '<EOS>';

export interface VocabularyJSON {
  mode: TokenMode;
  /** Token strings by id; specials are spelled `<UNK>` and `<EOS>`. */
  tokens: string[];
  /** Char mode: newline is the <EOS> token. */
  charEos: boolean;
}

export interface VocabularyOptions {
  mode: TokenMode;
  /** Tokens seen fewer times become <UNK>. Default 1. */
  minCount?: number;
  /** Keep at most this many tokens (specials included), most frequent first. Default 10000. */
  maxVocab?: number;
  /** Char mode only: newline is encoded as <EOS>. Default false. */
  charEos?: boolean;
}

export class VocabularyError extends Error {
  override name = 'VocabularyError';
}

// Words, numbers, single punctuation marks, and newlines (which become <EOS>).
export const WORD_RE = /[\p{L}\p{N}_]+(?:'[\p{L}]+)?|\n|[^\s\p{L}\p{N}_]/gu;

interface Piece {
  text: string;
  start: number;
}

function* pieces(text: string, mode: TokenMode): Generator<Piece> {
  if (mode === 'char') {
    let i = 0;
    for (const ch of text) {
      yield { text: ch, start: i };
      i += ch.length;
    }
    return;
  }
  for (const m of text.matchAll(WORD_RE)) yield { text: m[0], start: m.index ?? 0 };
}

export class Vocabulary {
  readonly mode: TokenMode;
  readonly tokens: readonly string[];
  readonly charEos: boolean;
  readonly unk: number;
  /** Id of <EOS>, or −1 when the vocabulary has none (char mode without charEos). */
  readonly eos: number;
  private readonly index: Map<string, number>;

  private constructor(json: VocabularyJSON) {
    this.mode = json.mode;
    this.tokens = json.tokens.slice();
    this.charEos = json.charEos;
    this.index = new Map(this.tokens.map((t, i) => [t, i]));
    if (this.index.size !== this.tokens.length) throw new VocabularyError('the vocabulary lists a token twice');
    const unk = this.index.get(UNK);
    if (unk === undefined) throw new VocabularyError('the vocabulary has no <UNK> token');
    this.unk = unk;
    this.eos = this.index.get(EOS) ?? -1;
    if ((this.mode === 'word' || this.charEos) && this.eos < 0) {
      throw new VocabularyError('the vocabulary has no <EOS> token');
    }
  }

  static build(text: string, options: VocabularyOptions): Vocabulary {
    const mode = options.mode;
    const charEos = mode === 'char' && (options.charEos ?? false);
    const counts = new Map<string, number>();
    for (const p of pieces(text, mode)) {
      if (p.text === '\n' && (mode === 'word' || charEos)) continue;
      counts.set(p.text, (counts.get(p.text) ?? 0) + 1);
    }
    return Vocabulary.fromCounts(counts, { ...options, charEos });
  }

  /** The vocabulary `build` makes from a text whose symbol counts are `counts` (newlines that become <EOS> not counted). */
  static fromCounts(counts: ReadonlyMap<string, number>, options: VocabularyOptions): Vocabulary {
    const mode = options.mode;
    const charEos = mode === 'char' && (options.charEos ?? false);
    const minCount = options.minCount ?? 1;
    const maxVocab = options.maxVocab ?? 10000;
    const specials = mode === 'word' || charEos ? [UNK, EOS] : [UNK];
    let kept = [...counts].filter(([, n]) => n >= minCount);
    // Most frequent first when the cap bites; ties broken by the symbol so builds are stable.
    kept.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    kept = kept.slice(0, Math.max(0, maxVocab - specials.length));
    const symbols = kept.map(([s]) => s);
    // Chars read best in code-point order (like char-rnn); words stay in frequency order.
    if (mode === 'char') symbols.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return new Vocabulary({ mode, tokens: [...specials, ...symbols], charEos });
  }

  static fromJSON(json: unknown): Vocabulary {
    if (typeof json !== 'object' || json === null) throw new VocabularyError('vocabulary must be an object');
    const j = json as Partial<VocabularyJSON>;
    if (j.mode !== 'char' && j.mode !== 'word') throw new VocabularyError('vocabulary mode must be char or word');
    if (!Array.isArray(j.tokens) || j.tokens.length < 1 || !j.tokens.every((t) => typeof t === 'string')) {
      throw new VocabularyError('vocabulary tokens must be a non-empty list of strings');
    }
    return new Vocabulary({ mode: j.mode, tokens: j.tokens, charEos: j.charEos === true });
  }

  toJSON(): VocabularyJSON {
    return { mode: this.mode, tokens: this.tokens.slice(), charEos: this.charEos };
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number {
    return this.index.get(token) ?? this.unk;
  }

  /** Encodes text; symbols the vocabulary does not know become <UNK>. */
  encode(text: string): Int32Array {
    return this.encodeWithOffsets(text).ids;
  }

  /** Ids and where each token starts in `text` (UTF-16 offsets); offsets has one extra entry, the end. */
  encodeWithOffsets(text: string): { ids: Int32Array; offsets: number[] } {
    const ids: number[] = [];
    const offsets: number[] = [];
    const newlineIsEos = this.mode === 'word' || this.charEos;
    for (const p of pieces(text, this.mode)) {
      ids.push(p.text === '\n' && newlineIsEos ? this.eos : this.id(p.text));
      offsets.push(p.start);
    }
    offsets.push(text.length);
    return { ids: Int32Array.from(ids), offsets };
  }

  /** Printable text of one token: <EOS> is a newline, <UNK> is kept as `<UNK>`. */
  tokenText(id: number): string {
    if (id === this.eos) return '\n';
    return this.tokens[id] ?? UNK;
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const t = this.tokenText(ids[i]);
      if (this.mode === 'word' && out.length > 0 && !out.endsWith('\n') && t !== '\n' && !/^[.,;:!?)\]}'"]$/.test(t)) {
        out += ' ';
      }
      out += t;
    }
    return out;
  }
}
