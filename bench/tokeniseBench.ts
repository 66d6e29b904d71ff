// Tokenisation speed of the streaming tokeniser (src/training/corpus.ts) against its peer in the
// same run: decoding the text into a JS string and Vocabulary.build + encode, the in-memory path.

import { buildCorpus } from '../src/training/corpus.js';
import type { TextSource } from '../src/training/corpus.js';
import { Vocabulary } from '../src/engine/tokenizer.js';

export interface TokeniseResult {
  /** Megabytes of text tokenised by each contender. */
  mb: number;
  peerMb: number;
  /** Building the vocabulary and encoding (both passes), MB/s of text. */
  streamingMbPerSecond: number;
  /** The same with the vocabulary known (eval, resume): the counting pass only measures. */
  knownVocabMbPerSecond: number;
  stringMbPerSecond: number;
  /** streaming / string. */
  ratio: number;
}

/** An ASCII-heavy text with a few non-ASCII lines, `mb` megabytes of it, in 4 MB chunks as a file is read. */
function sampleText(mb: number): { source: TextSource; text: Buffer } {
  const line = Buffer.from('ROMEO: What light through yonder window breaks? It is the east, and Juliet is the sun.\n');
  const accented = Buffer.from('Café naïve: « déjà vu » — señor.\n');
  const lines: Buffer[] = [];
  for (let n = 0; n < mb * 1e6; ) {
    const l = lines.length % 50 === 49 ? accented : line;
    lines.push(l);
    n += l.length;
  }
  const text = Buffer.concat(lines);
  const CHUNK = 1 << 22;
  return {
    text,
    source: {
      totalBytes: text.length,
      *chunks(onBytes) {
        // Cut at line ends, as the file reader cuts at code-point boundaries.
        for (let i = 0; i < text.length; ) {
          const end = Math.min(text.length, text.indexOf(10, Math.min(text.length - 1, i + CHUNK)) + 1 || text.length);
          onBytes(end - i);
          yield text.subarray(i, end);
          i = end;
        }
      },
    },
  };
}

export function benchTokenise(mb = 64, peerMb = 4): TokeniseResult {
  const { source, text } = sampleText(mb);
  const best = (f: () => void) => {
    let s = Infinity;
    for (let round = 0; round < 2; round++) {
      const t = performance.now();
      f();
      s = Math.min(s, (performance.now() - t) / 1000);
    }
    return s;
  };
  let vocab: Vocabulary | null = null;
  const streaming = best(() => {
    const c = buildCorpus(source, { mode: 'char' });
    vocab = c.vocab;
    c.close();
  });
  const known = best(() => buildCorpus(source, { mode: 'char', vocabulary: vocab! }).close());
  const peer = sampleText(peerMb).text;
  const string = best(() => {
    const s = new TextDecoder().decode(peer);
    Vocabulary.build(s, { mode: 'char' }).encode(s);
  });
  const mbOf = (b: number) => b / 1e6;
  const result = {
    mb: mbOf(text.length),
    peerMb: mbOf(peer.length),
    streamingMbPerSecond: 0,
    knownVocabMbPerSecond: 0,
    stringMbPerSecond: 0,
    ratio: 0,
  };
  result.streamingMbPerSecond = result.mb / streaming;
  result.knownVocabMbPerSecond = result.mb / known;
  result.stringMbPerSecond = result.peerMb / string;
  result.ratio = result.streamingMbPerSecond / result.stringMbPerSecond;
  return result;
}
