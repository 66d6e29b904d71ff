// Generation from a label on the command line: `train --task lm --condition label`, and `sample
// --label L` and `eval` on such a model (the loss per token given each line's label).

import { initBackend } from '../engine/backend.js';
import type { BackendChoice } from '../engine/config.js';
import { readClassify } from '../training/tasks/classifyReader.js';
import { encodeLines, evaluateLines, loadLabelLm, sampleLine } from '../training/tasks/labelLmModel.js';
import { prepareLabelLm, resumeLabelLm, trainLabelLm } from '../training/tasks/labelLmTrainer.js';
import { resumedConfig } from '../training/tasks/classifyTrainer.js';
import { EXIT_OK, InputError, UsageError } from './cliErrors.js';
import type { ModelFlags } from './openModel.js';
import { readTextFile } from './readTextFile.js';
import type { SampleFlags } from './sampleCommand.js';
import { sampleOptionsFrom } from './sampleCommand.js';
import { runTaskTrain } from './taskTrain.js';
import type { TrainFlags } from './trainCommand.js';
import { trainOptionsFrom } from './trainCommand.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export function runTrainLabelLm(file: string, flags: TrainFlags, wasmDir: string): Promise<number> {
  const options = trainOptionsFrom(flags);
  const read = () => readClassify(readTextFile(file, 'labelled file to train on'), file);
  return runTaskTrain(file, flags, wasmDir, {
    task: 'label-lm',
    fresh: () => {
      const data = read();
      const prepared = prepareLabelLm(data, options);
      if (prepared.validation.lines.length === 0) throw new InputError(`${file} has one line per label, too few for a validation split; give each label at least 2`);
      return { config: prepared.config, description: data.description, start: (run) => trainLabelLm(prepared, run) };
    },
    resume: (folder) => {
      const data = read();
      let started: ReturnType<typeof resumeLabelLm> | null = null;
      return {
        config: resumedConfig(folder.train, options),
        description: `${data.description}; resuming ${folder.meta.name} at step ${fmt(folder.state.step)}`,
        start: (run) => (started ??= resumeLabelLm(folder, data, options, run)).done,
      };
    },
  });
}

export interface LabelSampleFlags extends SampleFlags {
  label?: string;
}

async function openLabelLm(dir: string, flags: ModelFlags, wasmDir: string) {
  await initBackend(flags.backend ?? ('auto' as BackendChoice), { wasmDir });
  return loadLabelLm(dir, flags.checkpoint ?? 'root');
}

/** `sample --label L` on a label-lm model: one line for that label, and nothing else. */
export async function runSampleLabelLm(dir: string, labels: readonly string[], flags: LabelSampleFlags, wasmDir: string): Promise<number> {
  if (flags.label === undefined) throw new UsageError(`${dir} generates from a label: give --label with one of ${labels.join(', ')}`);
  if (!labels.includes(flags.label)) throw new InputError(`${dir} knows no label ${JSON.stringify(flags.label)}; its labels are ${labels.join(', ')}`);
  if (flags.prime !== undefined) throw new UsageError('--prime is for language models; a label-conditioned model starts each line from its label');
  const options = sampleOptionsFrom(flags);
  const m = await openLabelLm(dir, flags, wasmDir);
  const line = sampleLine(m, flags.label, { length: options.length, temperature: options.temperature, topK: options.topK, seed: options.seed });
  process.stdout.write(`${line}\n`);
  return EXIT_OK;
}

export interface LabelEvalFlags extends ModelFlags {
  json?: boolean;
}

/** `eval` on a label-lm model: loss per token of labelled lines given their labels. */
export async function runEvalLabelLm(dir: string, file: string, flags: LabelEvalFlags, wasmDir: string): Promise<number> {
  const data = readClassify(readTextFile(file, 'labelled file to evaluate'), file);
  const m = await openLabelLm(dir, flags, wasmDir);
  const unknown = data.labels.filter((l) => !m.labels.includes(l));
  if (unknown.length > 0) throw new InputError(`${file} has label${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} that the model does not know (it knows ${m.labels.join(', ')})`);
  const r = evaluateLines(m.head, m.vocab, encodeLines(m.vocab, m.labels, data.examples));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ task: 'label-lm', lines: r.lines, loss: r.loss, perplexity: r.perplexity, labelAccuracy: r.labelAccuracy })}\n`);
    return EXIT_OK;
  }
  const lines = [
    `lines: ${fmt(r.lines)}`,
    `loss: ${r.loss.toFixed(4)} nats/token given the label (each line's <EOS> included)`,
    `perplexity: ${r.perplexity.toFixed(4)}`,
    `labelAccuracy: ${r.labelAccuracy.toFixed(4)} (lines whose own label explains them best)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
