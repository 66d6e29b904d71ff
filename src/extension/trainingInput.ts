// Pure checks on what the user hands to training: the document text (empty, binary) and the
// model name (a safe folder name, a sensible unique default).

import type { CellType } from '../engine/config.js';

/** Why `text` cannot be trained on (one sentence), or null when it can. */
export function trainingTextProblem(text: string, documentName: string): string | null {
  if (text.trim().length === 0) {
    return `${documentName} is empty: open or type some text to train on.`;
  }
  if (looksBinary(text)) {
    return `${documentName} looks like a binary file, not text: RNN Lab trains on text only.`;
  }
  return null;
}

/**
 * NUL characters, the replacement character left by invalid UTF-8, or many control characters
 * mean the buffer is not text a language model should learn.
 */
export function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 65_536);
  if (n === 0) return false;
  let suspicious = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12)) suspicious++;
  }
  return suspicious / n > 0.02;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why `name` is not a usable model (folder) name, or null. */
export function modelNameProblem(name: string, existing: readonly string[]): string | null {
  if (!NAME_RE.test(name)) {
    return 'A model name is 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit.';
  }
  if (existing.some((e) => e.toLowerCase() === name.toLowerCase())) {
    return `A model named ${name} already exists: choose another name or use Continue Training.`;
  }
  return null;
}

/** "notes.md" + LSTM 1×128 → "notes-lstm-1x128", with "-2", "-3"… when taken. */
export function defaultModelName(
  documentName: string,
  arch: { cell: CellType; layers: number; units: number },
  existing: readonly string[],
): string {
  const base = documentName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  let stem = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/-+$/, '').slice(0, 40);
  if (stem === '') stem = 'model';
  const candidate = `${stem}-${arch.cell}-${arch.layers}x${arch.units}`;
  const taken = new Set(existing.map((e) => e.toLowerCase()));
  if (!taken.has(candidate.toLowerCase())) return candidate;
  for (let i = 2; ; i++) {
    const next = `${candidate}-${i}`;
    if (!taken.has(next.toLowerCase())) return next;
  }
}

/** A text Continue Training can use: where it is, its name, its length. */
export interface TextCandidate {
  uri: string;
  name: string;
  chars: number;
}

/** One row of Continue Training's "which text?" pick; `uri` null opens a file dialog. */
export interface TextChoice {
  label: string;
  description: string;
  uri: string | null;
}

/** "12,345 characters". */
export function textSize(chars: number): string {
  return `${chars.toLocaleString('en-US')} character${chars === 1 ? '' : 's'}`;
}

/**
 * The texts Continue Training offers, the default first: the active editor's, then the text the
 * model last trained on (by name, when it is another file), then a file of the user's choice.
 * The remembered text never wins silently: a failed run on one file must not pin later runs to it.
 */
export function continuationChoices(active: TextCandidate | null, remembered: TextCandidate | null): TextChoice[] {
  const choices: TextChoice[] = [];
  const same = active !== null && remembered !== null && active.uri === remembered.uri;
  if (active) {
    choices.push({ label: active.name, description: `active editor${same ? ', the text it last trained on' : ''} · ${textSize(active.chars)}`, uri: active.uri });
  }
  if (remembered && !same) {
    choices.push({ label: remembered.name, description: `the text it last trained on · ${textSize(remembered.chars)}`, uri: remembered.uri });
  }
  choices.push({ label: 'Choose a file…', description: 'another text file', uri: null });
  return choices;
}
