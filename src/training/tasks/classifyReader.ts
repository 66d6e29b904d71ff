// Classification files (many-to-one): `label<TAB>text` or `text<TAB>label` (the label column is
// the one with fewer distinct values), CSV with a header naming `text` and `label`, or JSON lines
// {"text", "label"}. Every problem is one TaskFormatError naming the file and line.

import { parse as parseCsv } from 'csv-parse/sync';
import type { NumberedLine } from './taskFormat.js';
import { formatCount, isJsonObjectLine, MAX_LABELS, numberedLines, plural, TaskFormatError } from './taskFormat.js';

export type ClassifyFormat = 'label-tab-text' | 'text-tab-label' | 'csv' | 'jsonl';

export interface ClassifyExample {
  text: string;
  label: string;
  /** 1-based line of the example in the file (its last line for a multi-line CSV record). */
  line: number;
}

export interface ClassifyData {
  format: ClassifyFormat;
  examples: ClassifyExample[];
  /** Distinct labels in the order they first appear. */
  labels: string[];
  /** One sentence for the user: "this looks like text<TAB>label, 1,000 lines, 2 labels". */
  description: string;
}

export const CLASSIFY_FORMAT_NAMES: Record<ClassifyFormat, string> = {
  'label-tab-text': 'label<TAB>text',
  'text-tab-label': 'text<TAB>label',
  csv: 'CSV with text and label columns',
  jsonl: 'JSON lines {"text", "label"}',
};

export const CLASSIFY_EXPECTED =
  'a classification file has one example per line: label<TAB>text, text<TAB>label, CSV with a header naming text and label, or JSON lines {"text", "label"}';

/** What generating from a label expects: the lines of a classification file, read as label and text. */
export const LABEL_LM_EXPECTED =
  'a file to generate from a label has one labelled line per line: label<TAB>text (or text<TAB>label, CSV with a header naming text and label, or JSON lines {"text", "label"}), with at least 2 labels';

/** Reads a classification file; throws TaskFormatError on the first problem. */
export function readClassify(text: string, file: string): ClassifyData {
  const lines = numberedLines(text, file).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) throw new TaskFormatError(file, 1, `the file has no examples; ${CLASSIFY_EXPECTED}`);
  const first = lines[0];
  let format: ClassifyFormat;
  let examples: ClassifyExample[];
  if (isJsonObjectLine(first.text)) {
    format = 'jsonl';
    examples = readJsonLines(lines, file);
  } else if (first.text.includes('\t')) {
    ({ format, examples } = readTabbed(lines, file));
  } else if (csvHeader(first.text)) {
    format = 'csv';
    examples = readCsv(text, file);
  } else {
    throw new TaskFormatError(file, first.line, `the line has no tab, is not JSON and is not a CSV header naming text and label; ${CLASSIFY_EXPECTED}`);
  }
  const labels = checkLabels(examples, file, format);
  const description = `this looks like ${CLASSIFY_FORMAT_NAMES[format]}, ${plural(examples.length, 'line')}, ${plural(labels.length, 'label')}`;
  return { format, examples, labels, description };
}

/** The label column of two tab-separated columns: fewer distinct values, then shorter on average. */
export function labelColumn(rows: readonly (readonly [string, string])[]): 0 | 1 {
  const distinct = [new Set(rows.map((r) => r[0])).size, new Set(rows.map((r) => r[1])).size];
  if (distinct[0] !== distinct[1]) return distinct[0] < distinct[1] ? 0 : 1;
  const length = (k: 0 | 1) => rows.reduce((n, r) => n + r[k].length, 0);
  return length(0) <= length(1) ? 0 : 1;
}

/** Splits each line into exactly two tab-separated columns. */
export function tabbedRows(lines: readonly NumberedLine[], file: string, expected: string): [string, string][] {
  return lines.map((l) => {
    if (isJsonObjectLine(l.text)) {
      throw new TaskFormatError(file, l.line, `the line is JSON but line ${lines[0].line} is tab-separated: mixed formats in one file`);
    }
    const cols = l.text.split('\t');
    if (cols.length !== 2) {
      throw new TaskFormatError(file, l.line, `expected 2 tab-separated columns (${expected}), found ${cols.length}`);
    }
    return [cols[0].trim(), cols[1].trim()];
  });
}

function readTabbed(lines: NumberedLine[], file: string): { format: ClassifyFormat; examples: ClassifyExample[] } {
  const rows = tabbedRows(lines, file, 'label<TAB>text or text<TAB>label');
  const k = labelColumn(rows);
  const examples = rows.map((r, i) => ({ label: r[k], text: r[1 - k], line: lines[i].line }));
  return { format: k === 0 ? 'label-tab-text' : 'text-tab-label', examples };
}

function readJsonLines(lines: NumberedLine[], file: string): ClassifyExample[] {
  return lines.map((l) => {
    if (!isJsonObjectLine(l.text)) {
      const what = l.text.includes('\t') ? 'tab-separated' : 'not a JSON object';
      throw new TaskFormatError(file, l.line, `the line is ${what} but line ${lines[0].line} is JSON: mixed formats in one file`);
    }
    const v = JSON.parse(l.text) as Record<string, unknown>;
    const text = v.text;
    const label = typeof v.label === 'number' ? String(v.label) : v.label;
    if (typeof text !== 'string' || typeof label !== 'string') {
      throw new TaskFormatError(file, l.line, 'a JSON line needs a string "text" and a string or number "label"');
    }
    return { text, label: label.trim(), line: l.line };
  });
}

/** The column indexes of `text` and `label` when a line is a CSV header naming both. */
function csvHeader(line: string): { text: number; label: number } | null {
  try {
    return headerColumns((parseCsv(line) as string[][])[0] ?? []);
  } catch {
    return null;
  }
}

function headerColumns(cells: readonly string[]): { text: number; label: number } | null {
  const names = cells.map((c) => c.trim().toLowerCase());
  const text = names.indexOf('text');
  const label = names.indexOf('label');
  return text >= 0 && label >= 0 ? { text, label } : null;
}

function readCsv(text: string, file: string): ClassifyExample[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true }) as unknown as typeof records;
  } catch (e) {
    const line = typeof (e as { lines?: unknown }).lines === 'number' ? (e as { lines: number }).lines : 1;
    if (isJsonObjectLine(text.split(/\r?\n/)[line - 1] ?? '')) {
      throw new TaskFormatError(file, line, 'the line is JSON but the file starts with a CSV header: mixed formats in one file');
    }
    throw new TaskFormatError(file, line, `the CSV cannot be read (${(e as Error).message.replace(/\.$/, '')})`);
  }
  const header = records[0];
  const columns = headerColumns(header.record);
  if (!columns) throw new TaskFormatError(file, header.info.lines, 'the CSV header must name a text and a label column');
  const width = header.record.length;
  return records.slice(1).map(({ record, info }) => {
    if (record.length === 1 && isJsonObjectLine(record[0])) {
      throw new TaskFormatError(file, info.lines, 'the line is JSON but the file starts with a CSV header: mixed formats in one file');
    }
    if (record.length !== width) {
      throw new TaskFormatError(file, info.lines, `expected ${width} comma-separated columns as in the header, found ${record.length}`);
    }
    return { text: record[columns.text], label: record[columns.label].trim(), line: info.lines };
  });
}

function checkLabels(examples: ClassifyExample[], file: string, format: ClassifyFormat): string[] {
  const labels = new Map<string, number>();
  const column = format === 'label-tab-text' ? 'column 1' : format === 'text-tab-label' ? 'column 2' : 'the label';
  for (const e of examples) {
    if (e.label === '') throw new TaskFormatError(file, e.line, `the label (${column}) is empty`);
    if (e.text.trim() === '') throw new TaskFormatError(file, e.line, 'the text is empty');
    if (!labels.has(e.label)) {
      labels.set(e.label, e.line);
      if (labels.size > MAX_LABELS) {
        throw new TaskFormatError(
          file,
          e.line,
          `the label (${column}) has more than ${formatCount(MAX_LABELS)} distinct values by this line, so it is not a set of classes; ${CLASSIFY_EXPECTED}`,
        );
      }
    }
  }
  if (labels.size < 2) {
    throw new TaskFormatError(file, examples[0].line, `every example has the label "${examples[0].label}"; a classifier needs at least 2 labels`);
  }
  return [...labels.keys()];
}
