// Which task a file is for, told from its shape: JSON lines or a text/label CSV header are
// classification; CoNLL token/tag columns with blank lines are tagging; two tab-separated
// columns are classification when one has few distinct values, else source/target pairs;
// anything else is text for a language model.

import type { ClassifyData } from './classifyReader.js';
import { CLASSIFY_EXPECTED, LABEL_LM_EXPECTED, labelColumn, readClassify, tabbedRows } from './classifyReader.js';
import type { PairData } from './pairReader.js';
import { PAIR_EXPECTED, readPairs } from './pairReader.js';
import type { TagData } from './tagReader.js';
import { readTagged, TAG_EXPECTED } from './tagReader.js';
import type { TaskName } from './taskFormat.js';
import { formatCount, isJsonObjectLine, MAX_LABELS, numberedLines, plural } from './taskFormat.js';

export interface DetectedTask {
  task: TaskName;
  /** One sentence: "this looks like text<TAB>label, 1,000 lines, 2 labels". */
  description: string;
}

/** What each task expects, for when the user picks a task the file does not look like. */
export const TASK_EXPECTED: Record<TaskName, string> = {
  lm: 'a language model trains on any text',
  classify: CLASSIFY_EXPECTED,
  tag: TAG_EXPECTED,
  seq2seq: PAIR_EXPECTED,
  'label-lm': LABEL_LM_EXPECTED,
};

export type TaskData =
  | { task: 'lm'; text: string; description: string }
  | ({ task: 'classify' | 'label-lm' } & ClassifyData)
  | ({ task: 'tag' } & TagData)
  | ({ task: 'seq2seq' } & PairData);

/** A column with at most this share of distinct values is a label column. */
const LABEL_SHARE = 0.5;
/** Share of non-blank lines that must have the same column count to read as CoNLL. */
const CONLL_SHARE = 0.9;

/** Detects the task of a file (labelled lines detect as classify: label-lm reads the same files).
 * Throws TaskFormatError when the file has the shape of a task file but breaks its format (the
 * message names the line). */
export function detectTask(text: string, file: string): DetectedTask {
  const lines = numberedLines(text, file);
  const filled = lines.filter((l) => l.text.trim() !== '');
  if (filled.length === 0) return { task: 'lm', description: 'this looks like an empty file' };
  const first = filled[0].text;
  if (isJsonObjectLine(first) || (!first.includes('\t') && /(^|,)\s*"?(text|label)"?\s*(,|$)/i.test(first))) {
    const csvOrJson = readClassifyIfHeader(text, file, first);
    if (csvOrJson) return csvOrJson;
  }
  if (
    looksLikeConll(
      filled.map((l) => l.text),
      filled.length < lines.length,
    )
  ) {
    return { task: 'tag', description: readTagged(text, file).description };
  }
  if (first.includes('\t')) {
    const rows = tabbedRows(filled, file, 'two tab-separated columns');
    const k = labelColumn(rows);
    const distinct = new Set(rows.map((r) => r[k])).size;
    if (distinct <= MAX_LABELS && distinct <= Math.max(2, rows.length * LABEL_SHARE)) {
      return { task: 'classify', description: readClassify(text, file).description };
    }
    return { task: 'seq2seq', description: readPairs(text, file).description };
  }
  return { task: 'lm', description: `this looks like plain text, ${plural(lines.length, 'line')}, ${formatCount(text.length)} characters` };
}

/** Reads a file as the given task (the task the user chose, or the detected one). */
export function readTaskFile(task: TaskName, text: string, file: string): TaskData {
  switch (task) {
    case 'lm':
      return { task, text, description: `plain text, ${formatCount(text.length)} characters` };
    case 'classify':
    case 'label-lm':
      return { task, ...readClassify(text, file) };
    case 'tag':
      return { task, ...readTagged(text, file) };
    case 'seq2seq':
      return { task, ...readPairs(text, file) };
  }
}

function readClassifyIfHeader(text: string, file: string, first: string): DetectedTask | null {
  if (!isJsonObjectLine(first)) {
    const names = first.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
    if (!names.includes('text') || !names.includes('label')) return null;
  }
  return { task: 'classify', description: readClassify(text, file).description };
}

/** CoNLL: nearly every line has the same number (≥ 2) of whitespace-separated columns, the last
 * has few distinct values, and sentences are separated by blank lines (or the tags are BIO). */
function looksLikeConll(filled: string[], hasBlankLines: boolean): boolean {
  const widths = new Map<number, number>();
  const cols = filled.map((t) => t.trim().split(/\s+/));
  for (const c of cols) widths.set(c.length, (widths.get(c.length) ?? 0) + 1);
  const [width, count] = [...widths].sort((a, b) => b[1] - a[1])[0];
  if (width < 2 || count < filled.length * CONLL_SHARE) return false;
  const tags = new Set(cols.map((c) => c[c.length - 1]));
  if (tags.size > MAX_LABELS) return false;
  // BIO-shaped tags say "tagging" on their own; other tag sets must be few and between blank lines.
  const bio = [...tags].every((t) => t === 'O' || /^[BI]-./.test(t)) && [...tags].some((t) => t !== 'O');
  if (!bio && tags.size > Math.max(2, filled.length * LABEL_SHARE)) return false;
  return bio || (hasBlankLines && width <= 4);
}
