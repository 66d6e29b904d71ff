// The supervised tasks a trainer front end (the extension's worker) can start by name: each
// reads its file and starts or continues its learner on the shared loop (taskTrainer.ts).
// A new task plugs in with one entry in TASK_RUNNERS (and its name in the extension's EDITOR_TASKS).

import { ConfigError } from '../../engine/config.js';
import type { LoadedFolder } from '../checkpoint.js';
import type { TrainOptions } from '../config.js';
import { readClassify } from './classifyReader.js';
import { prepareClassify, resumeClassifier, trainClassifier } from './classifyTrainer.js';
import { prepareLabelLm, resumeLabelLm, trainLabelLm } from './labelLmTrainer.js';
import { readPairs } from './pairReader.js';
import { prepareSeq2seq, resumeSeq2seq, trainSeq2seq } from './seq2seqTrainer.js';
import { prepareTag, resumeTagger, trainTagger } from './tagTrainer.js';
import { readTagged } from './tagReader.js';
import type { ModelTask } from '../../model/index.js';
import type { TaskDone, TaskRun } from './taskTrainer.js';

export interface TaskRunner {
  /** Trains a new model on `text` (read as this task's file; `file` names it in messages). */
  fresh(text: string, file: string, options: TrainOptions, run: TaskRun): Promise<TaskDone>;
  /** Continues the model saved in `folder` on `text`. */
  resume(folder: LoadedFolder, text: string, file: string, options: TrainOptions, run: Omit<TaskRun, 'resumeFrom'>): Promise<TaskDone>;
}

/** Throws when the stratified split left nothing to validate on (one `unit` per label). */
function needValidation(file: string, count: number, unit: string): void {
  if (count === 0) throw new ConfigError(`${file} has one ${unit} per label, too few for a validation split; give each label at least 2`);
}

const classifyRunner: TaskRunner = {
  fresh(text, file, options, run) {
    const prepared = prepareClassify(readClassify(text, file), options);
    needValidation(file, prepared.validation.ids.length, 'example');
    return trainClassifier(prepared, run);
  },
  resume: (folder, text, file, options, run) => resumeClassifier(folder, readClassify(text, file), options, run).done,
};

const labelLmRunner: TaskRunner = {
  fresh(text, file, options, run) {
    const prepared = prepareLabelLm(readClassify(text, file), options);
    needValidation(file, prepared.validation.lines.length, 'line');
    return trainLabelLm(prepared, run);
  },
  resume: (folder, text, file, options, run) => resumeLabelLm(folder, readClassify(text, file), options, run).done,
};

const tagRunner: TaskRunner = {
  fresh: (text, file, options, run) => trainTagger(prepareTag(readTagged(text, file), options), run),
  resume: (folder, text, file, options, run) => resumeTagger(folder, readTagged(text, file), options, run).done,
};

const seq2seqRunner: TaskRunner = {
  fresh: (text, file, options, run) => trainSeq2seq(prepareSeq2seq(readPairs(text, file), options), run),
  resume: (folder, text, file, options, run) => resumeSeq2seq(folder, readPairs(text, file), options, run).done,
};

/** Every supervised task with a trainer; the language model ('lm') has its own (trainer.ts). */
export const TASK_RUNNERS: Partial<Record<Exclude<ModelTask, 'lm'>, TaskRunner>> = {
  classify: classifyRunner,
  'label-lm': labelLmRunner,
  tag: tagRunner,
  seq2seq: seq2seqRunner,
};

/** The runner of `task`, or a one-sentence error when there is none. */
export function taskRunner(task: ModelTask): TaskRunner {
  const runner = task === 'lm' ? undefined : TASK_RUNNERS[task];
  if (!runner) throw new ConfigError(`training a ${task} model is not available here`);
  return runner;
}
