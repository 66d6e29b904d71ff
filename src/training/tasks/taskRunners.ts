// The supervised tasks a trainer front end (the extension's worker) can start by name: each
// reads its file and starts or continues its learner on the shared loop (taskTrainer.ts).
// A new task (tag, seq2seq) plugs in with one entry in TASK_RUNNERS.

import { ConfigError } from '../../engine/config.js';
import type { LoadedFolder } from '../checkpoint.js';
import type { TrainOptions } from '../config.js';
import { readClassify } from './classifyReader.js';
import { prepareClassify, resumeClassifier, trainClassifier } from './classifyTrainer.js';
import type { TaskName } from './taskFormat.js';
import type { TaskDone, TaskRun } from './taskTrainer.js';

export interface TaskRunner {
  /** Trains a new model on `text` (read as this task's file; `file` names it in messages). */
  fresh(text: string, file: string, options: TrainOptions, run: TaskRun): Promise<TaskDone>;
  /** Continues the model saved in `folder` on `text`. */
  resume(folder: LoadedFolder, text: string, file: string, options: TrainOptions, run: Omit<TaskRun, 'resumeFrom'>): Promise<TaskDone>;
}

const classifyRunner: TaskRunner = {
  fresh(text, file, options, run) {
    const prepared = prepareClassify(readClassify(text, file), options);
    if (prepared.validation.ids.length === 0) throw new ConfigError(`${file} has one example per label, too few for a validation split; give each label at least 2`);
    return trainClassifier(prepared, run);
  },
  resume: (folder, text, file, options, run) => resumeClassifier(folder, readClassify(text, file), options, run).done,
};

/** Every supervised task with a trainer; the language model ('lm') has its own (trainer.ts). */
export const TASK_RUNNERS: Partial<Record<Exclude<TaskName, 'lm'>, TaskRunner>> = {
  classify: classifyRunner,
};

/** The runner of `task`, or a one-sentence error when there is none. */
export function taskRunner(task: TaskName): TaskRunner {
  const runner = task === 'lm' ? undefined : TASK_RUNNERS[task];
  if (!runner) throw new ConfigError(`training a ${task} model is not available here`);
  return runner;
}
