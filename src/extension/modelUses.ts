// Which models Sample Text, Evaluate on Active File and Show Surprisal apply to, without VS Code:
// Sample writes text (a language model, or a line from a label), Evaluate and Show Surprisal score
// a plain text's tokens (a language model); the pickers list only those, and a tree item of
// another task gets one sentence.

import type { ModelTask } from '../model/index.js';
import type { ModelEntry } from './modelTree.js';

export type ModelUse = 'sample' | 'evaluate' | 'surprisal';

const APPLIES: Record<ModelUse, readonly ModelTask[]> = { sample: ['lm', 'label-lm'], evaluate: ['lm'], surprisal: ['lm'] };

/** What a task model does instead, for the sentence that says why a command does not apply. */
const INSTEAD: Record<Exclude<ModelTask, 'lm'>, string> = {
  classify: 'it labels lines (Classify Selection)',
  tag: 'it tags tokens (Tag Selection)',
  seq2seq: 'it writes a target for a source (Transduce Selection)',
  'label-lm': 'it writes a line for a label (Sample Text…)',
};

/** Whether `task` models serve `use`. */
export const appliesTo = (use: ModelUse, task: ModelTask): boolean => APPLIES[use].includes(task);

/** Why the `task` model `name` does not serve `use`, in one sentence; null when it does. */
export function modelUseProblem(use: ModelUse, name: string, task: ModelTask): string | null {
  if (appliesTo(use, task) || task === 'lm') return null;
  if (use === 'sample') return `${name} is a ${task} model: ${INSTEAD[task]}, so there is no text to sample from it.`;
  if (use === 'surprisal') return `${name} is a ${task} model: ${INSTEAD[task]}; Show Surprisal colours a text by how much a language model expected each token.`;
  return `${name} is a ${task} model: ${INSTEAD[task]}; Evaluate on Active File scores a language model on plain text (rnnlab eval evaluates a ${task} model on its own file format).`;
}

/** The picker's filter for `use`: readable models of the tasks it applies to. */
export const pickableFor = (use: ModelUse) => (e: ModelEntry): boolean => e.kind === 'ok' && appliesTo(use, e.summary.task);

/** The picker's message when no model serves `use` but others are there; null when there are none at all. */
export function noModelFor(use: ModelUse, entries: readonly ModelEntry[], modelsDir: string): string | null {
  const others = entries.filter((e) => e.kind === 'ok').length;
  if (others === 0) return null;
  const what =
    use === 'sample' ? 'no model to sample from (a language model, or one that generates from a label)' : use === 'evaluate' ? 'no language model to evaluate' : 'no language model to show the surprisal of';
  return `There is ${what} in ${modelsDir}: its ${others === 1 ? 'model is' : `${others} models are`} of other tasks.`;
}
