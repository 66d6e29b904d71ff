// Transduction files (many-to-many, Tx ≠ Ty): one `source<TAB>target` pair per line.

import { tabbedRows } from './classifyReader.js';
import { numberedLines, plural, TaskFormatError } from './taskFormat.js';

export interface SequencePair {
  source: string;
  target: string;
  line: number;
}

export interface PairData {
  pairs: SequencePair[];
  description: string;
}

export const PAIR_EXPECTED = 'a seq2seq file has one source<TAB>target pair per line';

/** Reads a source<TAB>target file; throws TaskFormatError on the first problem. */
export function readPairs(text: string, file: string): PairData {
  const lines = numberedLines(text, file).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) throw new TaskFormatError(file, 1, `the file has no pairs; ${PAIR_EXPECTED}`);
  const pairs = tabbedRows(lines, file, 'source<TAB>target').map(([source, target], i) => {
    const line = lines[i].line;
    if (source === '') throw new TaskFormatError(file, line, 'the source (column 1) is empty');
    if (target === '') throw new TaskFormatError(file, line, 'the target (column 2) is empty');
    return { source, target, line };
  });
  return { pairs, description: `this looks like source<TAB>target, ${plural(pairs.length, 'pair')}` };
}
