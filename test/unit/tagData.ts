// A generated tagging set: sentences of plain words with runs of 1–3 tokens that contain digits
// (e.g. "r2d2 x7 mk4"); each run is one NUM entity, B-NUM then I-NUM, so a token's tag depends on
// its neighbour (a B and an I look alike alone).

import { Rng } from '../../src/engine/math.js';

const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'and', 'a', 'dog', 'ran', 'far', 'away', 'from', 'home', 'with', 'its', 'red', 'ball', 'then', 'slept', 'well'];
const LETTERS = 'abcdefghkmprxz';

/** Tokens that mix letters and digits, or digits only: 40 of them, so each is seen often. */
export const NUMBER_TOKENS: readonly string[] = (() => {
  const rng = new Rng(7);
  const out = new Set<string>();
  while (out.size < 40) {
    const pick = () => LETTERS[rng.int(LETTERS.length)];
    const d = String(rng.int(100));
    out.add([d, `${pick()}${d}`, `${d}${pick()}`, `${pick()}${d}${pick()}`][rng.int(4)]);
  }
  return [...out];
})();

export interface TagSentence {
  tokens: string[];
  tags: string[];
}

/** `count` sentences of 6–14 tokens, each with 1–2 NUM runs. */
export function numberSentences(count: number, seed: number): TagSentence[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const tokens: string[] = [];
    const tags: string[] = [];
    const length = 6 + rng.int(9);
    const runs = 1 + rng.int(2);
    const starts = new Set(Array.from({ length: runs }, () => rng.int(length - 3)));
    for (let i = 0; tokens.length < length; i++) {
      if (starts.has(i) && tags[tags.length - 1] === 'O') {
        const n = 1 + rng.int(3);
        for (let k = 0; k < n; k++) {
          tokens.push(NUMBER_TOKENS[rng.int(NUMBER_TOKENS.length)]);
          tags.push(k === 0 ? 'B-NUM' : 'I-NUM');
        }
      } else {
        tokens.push(WORDS[rng.int(WORDS.length)]);
        tags.push('O');
      }
    }
    return { tokens, tags };
  });
}

/** The CoNLL text of sentences: token<TAB>tag lines, a blank line after each sentence. */
export function conllText(sentences: readonly TagSentence[]): string {
  return sentences.map((s) => s.tokens.map((t, i) => `${t}\t${s.tags[i]}\n`).join('') + '\n').join('');
}
