// Reading a language model: sampling (temperature, top-k, priming, seed), scoring a text
// (log P, surprisal, perplexity, bits per token), and ghost-text completion with a cached
// recurrent state for a growing prefix.

import type { Model } from './model.js';
import { Rng } from './math.js';
import type { RecurrentState } from './network.js';
import { crossEntropy, softmaxRow } from './network.js';
import type { Prediction, SampleOptions, SampleResult, ScoreResult } from './types.js';

/** Tokens fed per forward call when reading long texts (bounds the memory of the caches). */
const CHUNK = 512;

/** Feeds ids (batch 1) and returns the state after them and the logits after the last one. */
export function feed(model: Model, ids: Int32Array, state: RecurrentState | null): { state: RecurrentState | null; logits: Float32Array | null } {
  let logits: Float32Array | null = null;
  for (let start = 0; start < ids.length; start += CHUNK) {
    const part = ids.subarray(start, Math.min(ids.length, start + CHUNK));
    ({ state, logits } = model.network.advance(part, 1, part.length, state));
  }
  return { state, logits };
}

/** The token to start from when there is no prime: <EOS>, else a newline, else <UNK>. */
function startToken(model: Model): number {
  const v = model.vocab;
  if (v.eos >= 0) return v.eos;
  const nl = v.tokens.indexOf('\n');
  return nl >= 0 ? nl : v.unk;
}

/** Picks the next token id from one row of logits. temperature 0 = argmax. */
export function pickToken(logits: Float32Array, temperature: number, topK: number, rng: Rng, exclude = -1): number {
  const V = logits.length;
  if (temperature <= 0) {
    let best = -1;
    for (let v = 0; v < V; v++) if (v !== exclude && (best < 0 || logits[v] > logits[best])) best = v;
    return best;
  }
  const p = softmaxRow(logits, 0, V, temperature);
  if (exclude >= 0) p[exclude] = 0;
  if (topK > 0 && topK < V) {
    const threshold = [...p].sort((x, y) => y - x)[topK - 1];
    let kept = 0;
    for (let v = 0; v < V; v++) {
      if (p[v] < threshold || kept >= topK) p[v] = 0;
      else kept++;
    }
  }
  let sum = 0;
  for (let v = 0; v < V; v++) sum += p[v];
  let r = rng.next() * sum;
  for (let v = 0; v < V; v++) {
    r -= p[v];
    if (r < 0 && p[v] > 0) return v;
  }
  for (let v = V - 1; v >= 0; v--) if (p[v] > 0) return v;
  return 0;
}

export function sample(model: Model, options: SampleOptions = {}): SampleResult {
  const prime = options.prime ?? '';
  const length = options.length ?? 200;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`length must be a whole number ≥ 0, got ${length}`);
  if (!(temperature >= 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`top-k must be a whole number ≥ 0, got ${topK}`);
  const rng = new Rng(options.seed ?? 1);
  const primeIds = model.vocab.encode(prime);
  const start = primeIds.length > 0 ? primeIds : Int32Array.of(startToken(model));
  let { state, logits } = feed(model, start, null);
  const out: number[] = [];
  // <UNK> is never generated: it would print as a placeholder, not text.
  const exclude = model.vocab.unk;
  for (let i = 0; i < length && logits; i++) {
    const id = pickToken(logits, temperature, topK, rng, exclude);
    out.push(id);
    if (options.stopAtEos && id === model.vocab.eos) break;
    if (options.stopAtNewline && model.vocab.tokenText(id) === '\n') break;
    ({ state, logits } = feed(model, Int32Array.of(id), state));
  }
  const generated = model.vocab.decode(out);
  const joiner = model.vocab.mode === 'word' && prime.length > 0 && generated.length > 0 && !/\s$/.test(prime) ? ' ' : '';
  return { text: prime + joiner + generated, generated, generatedTokens: out.length };
}

/** log P of a text under the model, per-token surprisal, perplexity and bits per token. */
export function score(model: Model, text: string): ScoreResult {
  const { ids, offsets } = model.vocab.encodeWithOffsets(text);
  if (ids.length < 2) throw new RangeError('the text needs at least two tokens to be scored');
  const V = model.network.config.vocabSize;
  const surprisal: number[] = [];
  let state: RecurrentState | null = null;
  // Predict token i+1 from tokens ≤ i, in chunks that carry the state.
  for (let start = 0; start < ids.length - 1; start += CHUNK) {
    const end = Math.min(ids.length - 1, start + CHUNK);
    const input = ids.subarray(start, end);
    const pass = model.network.forward(input, 1, input.length, state);
    state = pass.state;
    for (let t = 0; t < input.length; t++) {
      const row = pass.logits.subarray(t * V, (t + 1) * V);
      surprisal.push(crossEntropy(row, Int32Array.of(ids[start + t + 1]), V, null).loss);
    }
  }
  const logProb = -surprisal.reduce((s, x) => s + x, 0);
  const loss = -logProb / surprisal.length;
  const tokenTexts = Array.from(ids, (_, i) => text.slice(offsets[i], offsets[i + 1]));
  return { tokens: surprisal.length, loss, bitsPerToken: loss / Math.LN2, perplexity: Math.exp(loss), logProb, surprisal, tokenTexts, offsets };
}

/** The k most likely next tokens for a row of logits. */
export function topPredictions(model: Model, logits: Float32Array, k: number): Prediction[] {
  const p = softmaxRow(logits, 0, logits.length, 1);
  const order = Array.from(p.keys()).sort((x, y) => p[y] - p[x]).slice(0, k);
  return order.map((id) => ({ token: model.vocab.tokenText(id) === '\n' && id === model.vocab.eos ? '<EOS>' : model.vocab.tokens[id], p: p[id] }));
}

export interface CompleteOptions {
  /** Read at most this many characters back when the cache cannot be reused. Default 256. */
  contextChars?: number;
  /** Tokens to generate at most. Default 40. */
  maxTokens?: number;
  /** 0 = greedy. Default 0. */
  temperature?: number;
  /** Stop at the first generated newline (not included). Default true. */
  stopAtNewline?: boolean;
  seed?: number;
  /** Polled between tokens; true ends generation early. */
  isCancelled?: () => boolean;
}

/**
 * Ghost-text completions. Keeps the recurrent state after the last text it read: when the
 * next request's text extends it (the user typed on), only the new characters are fed, so
 * one more typed character costs one step.
 */
export class Completer {
  private cachedText = '';
  private state: RecurrentState | null = null;
  private logits: Float32Array | null = null;
  /** Tokens fed by the last call (for tests and the latency benchmark). */
  lastFedTokens = 0;

  constructor(readonly model: Model) {}

  complete(text: string, options: CompleteOptions = {}): string {
    const contextChars = options.contextChars ?? 256;
    const cancelled = options.isCancelled ?? (() => false);
    if (this.logits && text.startsWith(this.cachedText) && this.canExtend(text)) {
      this.read(text.slice(this.cachedText.length));
    } else {
      this.state = null;
      this.logits = null;
      this.cachedText = '';
      this.read(text.slice(Math.max(0, text.length - contextChars)));
    }
    this.cachedText = text;
    if (!this.logits) return '';
    const rng = new Rng(options.seed ?? 1);
    let state = this.state;
    let logits: Float32Array | null = this.logits;
    const out: number[] = [];
    const maxTokens = options.maxTokens ?? 40;
    const stopAtNewline = options.stopAtNewline ?? true;
    for (let i = 0; i < maxTokens && logits && !cancelled(); i++) {
      const id = pickToken(logits, options.temperature ?? 0, 0, rng, this.model.vocab.unk);
      const piece = this.model.vocab.tokenText(id);
      if (stopAtNewline && piece === '\n') break;
      out.push(id);
      if (i + 1 < maxTokens) ({ state, logits } = feed(this.model, Int32Array.of(id), state));
    }
    const generated = this.model.vocab.decode(out);
    return this.model.vocab.mode === 'word' && generated && !/\s$/.test(text) ? ` ${generated}` : generated;
  }

  /** Forgets the cached state (e.g. after the model changed). */
  reset(): void {
    this.cachedText = '';
    this.state = null;
    this.logits = null;
  }

  private canExtend(text: string): boolean {
    // In word mode a half-typed word would be tokenised differently once finished: only
    // reuse the state at a word boundary.
    if (this.model.vocab.mode === 'char') return true;
    return /\s$/.test(this.cachedText) || text.length === this.cachedText.length;
  }

  private read(delta: string): void {
    const ids = this.model.vocab.encode(delta);
    this.lastFedTokens = ids.length;
    if (ids.length === 0) return;
    const r = feed(this.model, ids, this.state);
    this.state = r.state;
    this.logits = r.logits;
  }
}
