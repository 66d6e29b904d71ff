// The classify task on the command line: `train --task classify`, `eval` and `predict` on a
// classify model, and the one-sentence refusal of language-model commands on other tasks.

import { basename, resolve } from 'node:path';

import { initBackend } from '../engine/backend.js';
import type { BackendChoice } from '../engine/config.js';
import { MODEL_FILE, readModelMeta, savedCheckpoints } from '../model/index.js';
import type { CheckpointKind } from '../model/index.js';
import { acquireModelLock, refuseIfLocked } from '../model/lock.js';
import { ensureWritableDir } from '../model/outDir.js';
import { readClassify } from '../training/tasks/classifyReader.js';
import type { ClassifierEvaluation } from '../training/tasks/classifyModel.js';
import { argmax, classifyIds, evaluateExamples, loadClassifier } from '../training/tasks/classifyModel.js';
import type { ClassifyEvent } from '../training/tasks/classifyTrainer.js';
import { prepareClassify, trainClassifier } from '../training/tasks/classifyTrainer.js';
import { EXIT_FAILURE, EXIT_OK, InputError, UsageError } from './cliErrors.js';
import type { ModelFlags } from './openModel.js';
import { readTextFile } from './readTextFile.js';
import { stoppableRun } from './stoppableRun.js';
import type { TrainFlags } from './trainCommand.js';
import { trainOptionsFrom } from './trainCommand.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const f4 = (x: number) => x.toFixed(4);

/** What each language-model command does, for the sentence that refuses it on another task. */
const LM_COMMANDS: Record<string, string> = {
  sample: 'generates text from a language model',
  inspect: "shows a language model's gates and next-token predictions",
  export: 'writes language models for TF.js and PyTorch',
  'train --resume': 'continues a language model',
};

/** Throws one sentence when the model in `dir` is not a language model (exit 1). */
export function refuseUnlessLm(dir: string, checkpoint: CheckpointKind | undefined, command: keyof typeof LM_COMMANDS): void {
  const { task } = readModelMeta(dir, checkpoint ?? 'root');
  if (task === 'lm') return;
  const instead = task === 'classify' ? `; use rnnlab predict ${dir} --text TEXT` : '';
  throw new InputError(`${command} does not apply to ${dir}, a ${task} model: it ${LM_COMMANDS[command]}${instead}`);
}

export async function runTrainClassify(file: string, flags: TrainFlags, wasmDir: string): Promise<number> {
  if (flags.resume) throw new UsageError('--resume is for language models; train a classify model again into a new --out');
  const out = resolve(flags.out);
  refuseIfLocked(out);
  if (savedCheckpoints(out).length > 0) throw new UsageError(`${flags.out} already holds a model (${MODEL_FILE}); choose another --out`);
  // Everything that can fail on the input runs before the folder is touched.
  const data = readClassify(readTextFile(file, 'classification file to train on'), file);
  const prepared = prepareClassify(data, trainOptionsFrom(flags));
  if (prepared.validation.ids.length === 0) throw new InputError(`${file} has one example per label, too few for a validation split; give each label at least 2`);
  const backend = (await initBackend(prepared.config.backend, { wasmDir })).name;
  ensureWritableDir(out);
  const lock = acquireModelLock(out, { onNote: (line) => process.stderr.write(`rnnlab: note: ${line}\n`) });
  process.stderr.write(`rnnlab: ${file}: ${data.description}\n`);
  const done = await stoppableRun({ out, given: flags.out, cleanup: () => lock.release() }, (signal) =>
    trainClassifier(prepared, { modelDir: out, name: flags.name ?? basename(out), backend, signal, onEvent: (e) => progressLine(e, flags.json === true) }),
  );
  if (done.reason === 'nan') {
    process.stderr.write(`rnnlab: the loss became NaN or Infinity at step ${done.step + 1}; ${done.saved ? `kept the best evaluation (step ${done.best?.step})` : 'nothing was saved'}; train again with a lower --lr\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

function progressLine(e: ClassifyEvent, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(e)}\n`);
    return;
  }
  const n = e.type === 'start' ? e.network : null;
  const line =
    e.type === 'start'
      ? `classify: ${fmt(e.train)} training and ${fmt(e.validation)} validation lines, ${fmt(e.vocabSize)} ${e.config.tokens} tokens, ${n!.bidirectional ? 'bidirectional ' : ''}${n!.cell.toUpperCase()} ${n!.layers}×${n!.units}, ${fmt(e.parameters)} parameters`
      : e.type === 'eval'
        ? `step ${fmt(e.step)}  epoch ${e.epoch.toFixed(2)}  train loss ${f4(e.trainLoss)}  val loss ${f4(e.valLoss)}  accuracy ${f4(e.accuracy)}  macroF1 ${f4(e.macroF1)}  ${fmt(Math.round(e.tokensPerSecond))} tokens/s`
        : `done (${e.reason}) after ${fmt(e.step)} steps in ${(e.elapsedMs / 1000).toFixed(1)} s, ${fmt(Math.round(e.tokensPerSecond))} tokens/s` +
          (e.best ? `; saved the best evaluation: step ${fmt(e.best.step)}, accuracy ${f4(e.best.accuracy)}, macroF1 ${f4(e.best.macroF1)}` : '; nothing saved');
  process.stdout.write(`${line}\n`);
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
