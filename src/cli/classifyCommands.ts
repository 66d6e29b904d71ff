// The classify task on the command line: `train --task classify`, `eval` and `predict` on a
// classify model, and the one-sentence refusal of language-model commands on other tasks.

import { initBackend } from '../engine/backend.js';
import type { BackendChoice } from '../engine/config.js';
import { readModelMeta } from '../model/index.js';
import type { CheckpointKind } from '../model/index.js';
import { readClassify } from '../training/tasks/classifyReader.js';
import type { ClassifierEvaluation } from '../training/tasks/classifyModel.js';
import { argmax, classifyIds, evaluateExamples, loadClassifier } from '../training/tasks/classifyModel.js';
import { prepareClassify, resumeClassifier, resumedConfig, trainClassifier } from '../training/tasks/classifyTrainer.js';
import { EXIT_OK, InputError, UsageError } from './cliErrors.js';
import type { ModelFlags } from './openModel.js';
import { readTextFile } from './readTextFile.js';
import { runTaskTrain } from './taskTrain.js';
import type { TrainFlags } from './trainCommand.js';
import { trainOptionsFrom } from './trainCommand.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const f4 = (x: number) => x.toFixed(4);

/** What each language-model command does, for the sentence that refuses it on another task. */
const LM_COMMANDS: Record<string, string> = {
  sample: 'generates text from a language model',
  inspect: "shows a language model's gates and next-token predictions",
  export: 'writes language models for TF.js and PyTorch',
};

/** Throws one sentence when the model in `dir` is not a language model (exit 1). */
export function refuseUnlessLm(dir: string, checkpoint: CheckpointKind | undefined, command: keyof typeof LM_COMMANDS): void {
  const { task } = readModelMeta(dir, checkpoint ?? 'root');
  if (task === 'lm') return;
  const instead = task === 'label-lm' ? `; use rnnlab sample ${dir} --label LABEL` : `; use rnnlab predict ${dir} --text TEXT`;
  throw new InputError(`${command} does not apply to ${dir}, a ${task} model: it ${LM_COMMANDS[command]}${instead}`);
}

export function runTrainClassify(file: string, flags: TrainFlags, wasmDir: string): Promise<number> {
  const options = trainOptionsFrom(flags);
  const read = () => readClassify(readTextFile(file, 'classification file to train on'), file);
  return runTaskTrain(file, flags, wasmDir, {
    task: 'classify',
    fresh: () => {
      const data = read();
      const prepared = prepareClassify(data, options);
      if (prepared.validation.ids.length === 0) throw new InputError(`${file} has one example per label, too few for a validation split; give each label at least 2`);
      return { config: prepared.config, description: data.description, start: (run) => trainClassifier(prepared, run) };
    },
    resume: (folder) => {
      const data = read();
      let started: ReturnType<typeof resumeClassifier> | null = null;
      return {
        config: resumedConfig(folder.train, options),
        description: `${data.description}; resuming ${folder.meta.name} at step ${fmt(folder.state.step)}`,
        start: (run) => (started ??= resumeClassifier(folder, data, options, run)).done,
      };
    },
  });
}

export interface ClassifyFlags extends ModelFlags {
  json?: boolean;
}

async function openClassifier(dir: string, flags: ClassifyFlags, wasmDir: string) {
  await initBackend(flags.backend ?? ('auto' as BackendChoice), { wasmDir });
  return loadClassifier(dir, flags.checkpoint ?? 'root');
}

export async function runEvalClassify(dir: string, file: string, flags: ClassifyFlags, wasmDir: string): Promise<number> {
  const data = readClassify(readTextFile(file, 'classification file to evaluate'), file);
  const classifier = await openClassifier(dir, flags, wasmDir);
  let r: ClassifierEvaluation;
  try {
    r = evaluateExamples(classifier, data.examples, file);
  } catch (error) {
    throw error instanceof RangeError ? new InputError(error.message) : error;
  }
  const { examples, accuracy, macroF1, perClass, confusion, labels, loss } = r;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ task: 'classify', examples, accuracy, macroF1, loss, perClass, confusion, labels })}\n`);
    return EXIT_OK;
  }
  const width = Math.max(9, ...labels.map((l) => l.length));
  const pad = (s: string) => s.padStart(width);
  const lines = [
    `examples: ${fmt(examples)}`,
    `accuracy: ${f4(accuracy)}`,
    `macroF1: ${f4(macroF1)}`,
    `loss: ${f4(loss)} nats/example`,
    `${pad('label')} ${pad('precision')} ${pad('recall')} ${pad('f1')} ${pad('support')}`,
    ...perClass.map((c) => `${pad(c.label)} ${pad(f4(c.precision))} ${pad(f4(c.recall))} ${pad(f4(c.f1))} ${pad(fmt(c.support))}`),
    `confusion (rows: true label, columns: predicted):`,
    `${pad('')} ${labels.map(pad).join(' ')}`,
    ...confusion.map((row, k) => `${pad(labels[k])} ${row.map((x) => pad(fmt(x))).join(' ')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

export interface PredictFlags extends ClassifyFlags {
  text?: string;
}

export async function runPredict(dir: string, file: string | undefined, flags: PredictFlags, wasmDir: string): Promise<number> {
  if ((flags.text === undefined) === (file === undefined)) throw new UsageError('give either --text TEXT or a FILE of texts, one per line');
  const texts =
    flags.text !== undefined
      ? [flags.text]
      : readTextFile(file!, 'file of texts to classify')
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '');
  if (texts.length === 0 || texts.some((t) => t.trim() === '')) throw new UsageError('--text must not be empty');
  const meta = readModelMeta(dir, flags.checkpoint ?? 'root');
  if (meta.task !== 'classify') throw new InputError(`predict does not apply to ${dir}, a ${meta.task} model: it labels texts with a classify model; use rnnlab sample`);
  const { head, vocab, labels } = await openClassifier(dir, flags, wasmDir);
  const probabilities = classifyIds(
    head,
    texts.map((t) => vocab.encode(t)),
  );
  const lines = probabilities.map((p, i) => {
    const label = labels[argmax(p)];
    if (flags.json) return JSON.stringify({ text: texts[i], label, probabilities: Object.fromEntries(labels.map((l, k) => [l, p[k]])) });
    const shown = labels.map((l, k) => `${l} ${p[k].toFixed(4)}`).join(', ');
    return texts.length === 1 ? `${label}\t(${shown})` : `${label}\t(${shown})\t${texts[i]}`;
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
