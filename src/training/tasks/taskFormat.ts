// What every task reader shares: the one error type (file and line in one sentence), the
// numbered lines of a file, and the limits that keep a malformed file from reaching training.

/** The tasks a file can be read for (a label-lm file is a classification file read another way). */
export type TaskName = 'lm' | 'classify' | 'tag' | 'seq2seq' | 'label-lm';

/** Longest line a task file may have, in UTF-8 bytes (a longer one is a binary or a lost newline). */
export const MAX_LINE_BYTES = 100_000;
/** Most distinct labels a classification file may have (more means the wrong column). */
export const MAX_LABELS = 1000;

/** A task file that cannot be read: `message` is one sentence starting with `file:line:`. */
export class TaskFormatError extends Error {
  override name = 'TaskFormatError';
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.file = file;
    this.line = line;
  }
}

export interface NumberedLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

const encoder = new TextEncoder();

/** The file's lines (without \r\n / \n), each checked against MAX_LINE_BYTES; a BOM is dropped. */
export function numberedLines(text: string, file: string): NumberedLine[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((t, i) => {
    // A UTF-16 unit is at most 3 UTF-8 bytes, so only long lines need encoding to be measured.
    if (t.length * 3 > MAX_LINE_BYTES && encoder.encode(t).length > MAX_LINE_BYTES) {
      throw new TaskFormatError(
        file,
        i + 1,
        `the line is ${formatCount(encoder.encode(t).length)} bytes long, over the ${MAX_LINE_BYTES / 1000} kB limit of a task file`,
      );
    }
    return { line: i + 1, text: t };
  });
}

/** 1,000-style counts for messages. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 label" / "2 labels". */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** True when a line is a JSON object: the mark of a JSON-lines file. */
export function isJsonObjectLine(text: string): boolean {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return false;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
