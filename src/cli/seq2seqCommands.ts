// The seq2seq task on the command line: `train --task seq2seq`, and `eval`, `predict` and
// `inspect` (the source × output saliency) on a seq2seq model (greedy, or beam search with --beam K).

import { initBackend } from '../engine/backend.js';
import type { BackendChoice } from '../engine/config.js';
import { readPairs } from '../training/tasks/pairReader.js';
import { transduce as transduceIds } from '../engine/transduce.js';
import { decodeOptions, evaluatePairs, loadTransducer, transduceTexts } from '../training/tasks/seq2seqModel.js';
import type { Seq2seqTrainOptions } from '../training/tasks/seq2seqTrainer.js';
import { prepareSeq2seq, resumeSeq2seq, trainSeq2seq } from '../training/tasks/seq2seqTrainer.js';
import type { AttentionKind } from '../engine/config.js';
import { seq2seqInspector } from '../training/tasks/taskInspect.js';
import { resumedConfig } from '../training/tasks/classifyTrainer.js';
import { EXIT_OK, InputError, UsageError } from './cliErrors.js';
import { gradientLines, inspectJson } from './inspectCommand.js';
import type { ModelFlags } from './openModel.js';
import { readTextFile } from './readTextFile.js';
import { runTaskTrain } from './taskTrain.js';
import type { TrainFlags } from './trainCommand.js';
import { trainOptionsFrom } from './trainCommand.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** `--attention on|off` as the trainer's attention kind. */
function attentionOf(flag: unknown): AttentionKind | undefined {
  if (flag === undefined) return undefined;
  if (flag === 'on') return 'luong';
  if (flag === 'off') return 'none';
  throw new UsageError(`--attention must be on or off, got ${String(flag)}`);
}

export function runTrainSeq2seq(file: string, flags: TrainFlags & { attention?: string }, wasmDir: string): Promise<number> {
  const { attention, ...rest } = flags;
  const options: Seq2seqTrainOptions = { ...trainOptionsFrom(rest), attention: attentionOf(attention) };
  const read = () => readPairs(readTextFile(file, 'seq2seq file to train on'), file);
  return runTaskTrain(file, flags, wasmDir, {
    task: 'seq2seq',
    fresh: () => {
      const data = read();
      if (data.pairs.length < 2) throw new InputError(`${file} has one pair, too few for a validation split; give it at least 2`);
      const prepared = prepareSeq2seq(data, options);
      return { config: prepared.config, description: data.description, start: (run) => trainSeq2seq(prepared, run) };
    },
    resume: (folder) => {
      const saved = folder.meta.attention ?? 'none';
      if (options.attention !== undefined && options.attention !== saved) {
        throw new UsageError(`${folder.dir} decodes with attention ${saved === 'luong' ? 'on' : 'off'}; a resumed model keeps it, so leave out --attention ${attention}`);
      }
      const data = read();
      let started: ReturnType<typeof resumeSeq2seq> | null = null;
      return {
        config: resumedConfig(folder.train, options),
        description: `${data.description}; resuming ${folder.meta.name} at step ${fmt(folder.state.step)}`,
        start: (run) => (started ??= resumeSeq2seq(folder, data, options, run)).done,
      };
    },
  });
}

export interface Seq2seqFlags extends ModelFlags {
  json?: boolean;
  /** Beam width; 1 (the default) is greedy. */
  beam?: number;
}

function beamOf(flags: Seq2seqFlags): number {
  const beam = flags.beam ?? 1;
  if (!(Number.isInteger(beam) && beam >= 1 && beam <= 64)) throw new UsageError(`--beam must be a whole number from 1 to 64, got ${beam}`);
  return beam;
}

async function openTransducer(dir: string, flags: Seq2seqFlags, wasmDir: string) {
  await initBackend(flags.backend ?? ('auto' as BackendChoice), { wasmDir });
  return loadTransducer(dir, flags.checkpoint ?? 'root');
}

export async function runEvalSeq2seq(dir: string, file: string, flags: Seq2seqFlags, wasmDir: string): Promise<number> {
  const beam = beamOf(flags);
  const data = readPairs(readTextFile(file, 'seq2seq file to evaluate'), file);
  const t = await openTransducer(dir, flags, wasmDir);
  const r = evaluatePairs(t.head, t.vocab, data.pairs, beam);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ task: 'seq2seq', pairs: r.pairs, exactMatch: r.exactMatch, cer: r.cer, loss: r.loss, beam })}\n`);
    return EXIT_OK;
  }
  const lines = [
    `pairs: ${fmt(r.pairs)}`,
    `exactMatch: ${r.exactMatch.toFixed(4)}`,
    `cer: ${r.cer.toFixed(4)}`,
    `loss: ${r.loss.toFixed(4)} nats/target token (teacher forcing)`,
    `decoding: ${beam === 1 ? 'greedy' : `beam ${beam}`}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

export interface TransduceFlags extends Seq2seqFlags {
  text?: string;
  /** inspect: add gradient flow of −log p(output) through the encoder. */
  gradients?: boolean;
}

/** `predict` on a seq2seq model: the output of each text (one per line of FILE, or --text). */
export async function runPredictSeq2seq(dir: string, file: string | undefined, flags: TransduceFlags, wasmDir: string): Promise<number> {
  if ((flags.text === undefined) === (file === undefined)) throw new UsageError('give either --text TEXT or a FILE of texts, one per line');
  const beam = beamOf(flags);
  const texts =
    flags.text !== undefined
      ? [flags.text]
      : readTextFile(file!, 'file of texts to transduce')
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '');
  if (texts.length === 0 || texts.some((x) => x === '')) throw new UsageError('--text must not be empty');
  const t = await openTransducer(dir, flags, wasmDir);
  const outputs = transduceTexts(t, texts, beam);
  const lines = outputs.map((o, i) => (flags.json ? JSON.stringify({ text: texts[i], output: o }) : texts.length === 1 ? o : `${texts[i]}\t${o}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

/** `inspect` on a seq2seq model: the greedy (or beam) output of --text and its source × output saliency. */
export async function runInspectSeq2seq(dir: string, flags: TransduceFlags, wasmDir: string): Promise<number> {
  const beam = beamOf(flags);
  if (!flags.text) throw new UsageError('--text must not be empty');
  const t = await openTransducer(dir, flags, wasmDir);
  const source = t.vocab.encode(flags.text);
  const [output] = transduceIds(t.head, [source], beam, decodeOptions(t.vocab));
  const saliency = t.head.saliency(source, output.ids, t.vocab.eos, t.vocab.eos);
  const sourceTokens = Array.from(source, (id) => t.vocab.tokenText(id));
  const outputTokens = [...Array.from(output.ids, (id) => t.vocab.tokenText(id)), '<EOS>'];
  // The gate inspector's view of the same decoding: encoder and decoder traces (and gradient flow).
  const inspection = flags.json || flags.gradients ? seq2seqInspector(t).inspect(flags.text, { beam, gradients: flags.gradients === true }) : null;
  if (flags.json && inspection) {
    const { tokens, offsets, cell, layers, decoderTokens, gradients } = inspectJson(inspection);
    const gates = { tokens, offsets, cell, layers, decoderTokens, ...(gradients ? { gradients } : {}) };
    process.stdout.write(`${JSON.stringify({ task: 'seq2seq', text: flags.text, output: t.vocab.decode(output.ids), sourceTokens, outputTokens, logProb: output.logProb, saliency, ...gates })}\n`);
    return EXIT_OK;
  }
  const cell = (x: number) => x.toFixed(3).padStart(6);
  const lines = [
    `output: ${t.vocab.decode(output.ids)}  (log p ${output.logProb.toFixed(4)})`,
    `saliency ‖∂ log p(y⟨j⟩)/∂x⟨i⟩‖ (rows: output tokens, columns: source tokens):`,
    `${''.padStart(6)} ${sourceTokens.map((s) => JSON.stringify(s).padStart(6)).join('')}`,
    ...saliency.map((row, j) => `${JSON.stringify(outputTokens[j]).padStart(6)} ${row.map(cell).join('')}`),
    ...(inspection ? gradientLines(inspection, 'log p(output)') : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
