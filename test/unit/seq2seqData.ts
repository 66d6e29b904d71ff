// A generated transduction set: each line is a string of 1–12 letters (12-letter alphabet) and
// its reversal, so the first output character is the last one the encoder read.

import { Rng } from '../../src/engine/math.js';

export const REVERSAL_ALPHABET = 'abcdefghijkl';

/** `count` distinct lines of `source<TAB>reversed source`, lengths 1 to `maxLength` (most of them long). */
export function reversalLines(count: number, seed: number, maxLength = 12): string[] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const lines: string[] = [];
  while (lines.length < count) {
    const n = 1 + rng.int(maxLength);
    const s = Array.from({ length: n }, () => REVERSAL_ALPHABET[rng.int(REVERSAL_ALPHABET.length)]).join('');
    if (seen.has(s)) continue;
    seen.add(s);
    lines.push(`${s}\t${[...s].reverse().join('')}`);
  }
  return lines;
}
