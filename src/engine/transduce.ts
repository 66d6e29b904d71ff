// Inference with a seq2seq head: greedy decoding and beam search, each output ending at <EOS>
// or at a length limit. A hypothesis scores the sum of its tokens' log-probabilities, <EOS>
// included, without length normalisation: every extra token lowers it, so once the best finished
// hypothesis scores above every live one, no live one can overtake it and the search stops.

import type { Seq2seqHead } from './heads/seq2seqHead.js';

export interface TransduceOptions {
  /** Token id the decoder reads first. */
  start: number;
  /** Token id that ends an output. */
  end: number;
  /** Most output tokens for a source of n tokens (default 2n + 10). */
  maxLength?: (sourceLength: number) => number;
}

export interface Transduction {
  /** Output token ids, <EOS> left out. */
  ids: Int32Array;
  /** Σ log p of the output tokens and the <EOS> (without <EOS> when the length limit cut it). */
  logProb: number;
  /** False when the length limit stopped the output before <EOS>. */
  ended: boolean;
}

export const defaultMaxLength = (n: number): number => 2 * n + 10;

function argmax(p: Float64Array): number {
  let best = 0;
  for (let v = 1; v < p.length; v++) if (p[v] > p[best]) best = v;
  return best;
}

/** The most likely token at every step, for a batch of sources decoded together. */
export function greedyDecode(head: Seq2seqHead, sources: readonly Int32Array[], options: TransduceOptions): Transduction[] {
  const limit = options.maxLength ?? defaultMaxLength;
  const B = sources.length;
  if (B === 0) return [];
  const max = sources.map((s) => limit(s.length));
  const outputs: number[][] = sources.map(() => []);
  const logProb = new Float64Array(B);
  const ended = new Array<boolean>(B).fill(false);
  let at = head.start(sources);
  let tokens = new Int32Array(B).fill(options.start);
  for (let t = 0; t < Math.max(...max); t++) {
    const { logProbs, next } = head.step(at, tokens);
    let live = 0;
    for (let b = 0; b < B; b++) {
      if (ended[b] || outputs[b].length >= max[b]) continue;
      const v = argmax(logProbs[b]);
      logProb[b] += logProbs[b][v];
      if (v === options.end) ended[b] = true;
      else {
        outputs[b].push(v);
        live++;
      }
      tokens[b] = v;
    }
    if (live === 0) break;
    at = next;
    tokens = tokens.slice();
  }
  return outputs.map((o, b) => ({ ids: Int32Array.from(o), logProb: logProb[b], ended: ended[b] }));
}

interface Hypothesis {
  ids: number[];
  logProb: number;
}

/**
 * Beam search of width K for one source: each step keeps the K best continuations (by summed
 * log-probability) of the live hypotheses; a continuation by <EOS> is finished. K = 1 is greedy.
 */
export function beamDecode(head: Seq2seqHead, source: Int32Array, K: number, options: TransduceOptions): Transduction {
  if (!(Number.isInteger(K) && K >= 1)) throw new RangeError(`the beam width must be a whole number from 1, got ${K}`);
  const max = (options.maxLength ?? defaultMaxLength)(source.length);
  let live: Hypothesis[] = [{ ids: [], logProb: 0 }];
  let at = head.start([source]);
  let best: Hypothesis | null = null;
  for (let t = 0; t < max && live.length > 0; t++) {
    const tokens = Int32Array.from(live, (h) => (h.ids.length === 0 ? options.start : h.ids[h.ids.length - 1]));
    const { logProbs, next } = head.step(at, tokens);
    const candidates: { from: number; v: number; logProb: number }[] = [];
    live.forEach((h, i) => logProbs[i].forEach((lp, v) => candidates.push({ from: i, v, logProb: h.logProb + lp })));
    candidates.sort((x, y) => y.logProb - x.logProb);
    const survivors: Hypothesis[] = [];
    const rows: number[] = [];
    // The K best continuations: the ones ending in <EOS> are finished, the others stay live.
    for (const c of candidates.slice(0, K)) {
      if (c.v === options.end) {
        if (!best || c.logProb > best.logProb) best = { ids: live[c.from].ids, logProb: c.logProb };
      } else {
        survivors.push({ ids: [...live[c.from].ids, c.v], logProb: c.logProb });
        rows.push(c.from);
      }
    }
    live = best ? survivors.filter((h) => h.logProb > (best as Hypothesis).logProb) : survivors;
    if (live.length === 0) break;
    at = head.pick(next, live.map((h) => rows[survivors.indexOf(h)]));
  }
  if (best) return { ids: Int32Array.from(best.ids), logProb: best.logProb, ended: true };
  const cut = live.reduce((a, b) => (b.logProb > a.logProb ? b : a));
  return { ids: Int32Array.from(cut.ids), logProb: cut.logProb, ended: false };
}

/** Each source's output: greedy (beam ≤ 1, batched) or beam search of that width. */
export function transduce(head: Seq2seqHead, sources: readonly Int32Array[], beam: number, options: TransduceOptions, batch = 64): Transduction[] {
  if (beam <= 1) {
    const out: Transduction[] = [];
    for (let i = 0; i < sources.length; i += batch) out.push(...greedyDecode(head, sources.slice(i, i + batch), options));
    return out;
  }
  return sources.map((s) => beamDecode(head, s, beam, options));
}
