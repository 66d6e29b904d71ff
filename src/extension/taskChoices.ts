// The Task step of Train Model, without VS Code: what the file looks like (detectTask), the
// tasks offered (the detected one first), whether the file fits a task the user picked, and
// the training options a task run takes from the presets.

import type { TrainOptions } from '../training/config.js';
import { detectTask, readTaskFile, TASK_EXPECTED } from '../training/tasks/detectTask.js';
import type { TaskName } from '../training/tasks/taskFormat.js';
import { TaskFormatError } from '../training/tasks/taskFormat.js';

/**
 * Tasks the editor trains, in menu order: the keys of TASK_RUNNERS (taskRunners.ts, which the
 * worker holds) and the language model; a test keeps the two lists equal.
 */
export const EDITOR_TASKS: readonly TaskName[] = ['lm', 'classify', 'label-lm', 'tag', 'seq2seq'];

const TASK_TEXT: Record<TaskName, { verb: string; detail: string }> = {
  lm: { verb: 'train a language model', detail: 'Predicts the next token: sample, complete and inspect text' },
  classify: { verb: 'train a classifier', detail: 'Many-to-one: one label per line, read from the final state' },
  tag: { verb: 'train a tagger', detail: 'Many-to-many (Tx = Ty): one tag per token, e.g. named entities' },
  seq2seq: { verb: 'train a translator', detail: 'Many-to-many (Tx ≠ Ty): an encoder and a decoder, source to target' },
  'label-lm': { verb: 'generate text from a label', detail: 'One-to-many: a character language model started from the label, e.g. a review for "pos"' },
};

/** Tasks that read the files another task is detected for: offered right after it, as fitting too. */
const ALSO_FITS: Partial<Record<TaskName, TaskName>> = { classify: 'label-lm' };

export interface TaskChoice {
  label: string;
  description: string;
  detail: string;
  task: TaskName;
}

export interface TaskQuestion {
  /** "this looks like text<TAB>label, 1,000 lines, 2 labels — train a classifier?" */
  placeHolder: string;
  /** The detected task first (when the editor trains it), a task that reads the same file next, then the others. */
  choices: TaskChoice[];
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The question the Task step asks about `text` (the file `file`). */
export function taskQuestion(text: string, file: string, tasks: readonly TaskName[] = EDITOR_TASKS): TaskQuestion {
  let detected: TaskName | null = null;
  let placeHolder: string;
  try {
    const d = detectTask(text, file);
    detected = d.task;
    placeHolder = tasks.includes(d.task) ? `${d.description} — ${TASK_TEXT[d.task].verb}?` : `${d.description}; choose a task`;
  } catch (error) {
    if (!(error instanceof TaskFormatError)) throw error;
    // The file has a task's shape but breaks its format: say where, and let the user choose.
    placeHolder = `${error.message}; choose a task`;
  }
  const also = detected === null ? undefined : ALSO_FITS[detected];
  const rank = (t: TaskName) => (t === detected ? 2 : t === also ? 1 : 0);
  const ordered = [...tasks].sort((a, b) => rank(b) - rank(a));
  const description = (t: TaskName) => (t === detected ? 'detected' : t === also ? 'fits this file too' : '');
  return {
    placeHolder,
    choices: ordered.map((task) => ({ label: capital(TASK_TEXT[task].verb), description: description(task), detail: TASK_TEXT[task].detail, task })),
  };
}

/** Why `text` cannot train a `task` model — the task's expected format in one message — or null. */
export function taskFitProblem(task: TaskName, text: string, file: string): string | null {
  try {
    readTaskFile(task, text, file);
    return null;
  } catch (error) {
    if (!(error instanceof TaskFormatError)) throw error;
    return `${error.message}. To ${TASK_TEXT[task].verb}, ${TASK_EXPECTED[task]}.`;
  }
}

/**
 * The options of a task run: the preset's network and budget, without what only a language
 * model uses (the BPTT window; samples, except when generating from a label); a preset's token
 * setting is left out so the task's default applies (words for a classifier), while Custom
 * answers are kept — but a label-conditioned model always writes characters.
 */
export function taskTrainOptions(task: TaskName, options: TrainOptions, custom: boolean): TrainOptions {
  if (task === 'lm') return options;
  const { sampleEvery, seqLen: _seqLen, tokens, ...rest } = options;
  if (task === 'label-lm') return sampleEvery === undefined ? rest : { ...rest, sampleEvery };
  return custom && tokens !== undefined ? { ...rest, tokens } : rest;
}
