// A generated classification set where memory matters: the label is decided by one marker word
// with at least 15 distractor words on each side of it, so neither direction of the encoder
// reads it within its last 15 steps; distractors (some of them label-like) fill the rest.

import { Rng } from '../../src/engine/math.js';

const DISTRACTORS = ['the', 'a', 'film', 'plot', 'actor', 'scene', 'was', 'is', 'and', 'then', 'it', 'very', 'quite', 'story', 'music', 'fine', 'odd', 'long', 'short', 'so'];
const MARKERS: Record<string, string> = { pos: 'superb', neg: 'dreadful' };

/** `count` lines of `label<TAB>text`, balanced, each 32–40 words with the marker 15+ words from both ends. */
export function markerLines(count: number, seed: number): string[] {
  const rng = new Rng(seed);
  const labels = Object.keys(MARKERS);
  return Array.from({ length: count }, (_, i) => {
    const label = labels[i % labels.length];
    const length = 32 + rng.int(9);
    const words = Array.from({ length }, () => DISTRACTORS[rng.int(DISTRACTORS.length)]);
    words[15 + rng.int(length - 31)] = MARKERS[label];
    return `${label}\t${words.join(' ')}`;
  });
}
